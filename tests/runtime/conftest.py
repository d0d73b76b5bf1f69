"""Fixtures for the runtime's store, services and executor tests.

``db`` is parametrized over SQLite (a WAL file) and a real PostgreSQL server. The server's
URL comes from ``BATON_TEST_POSTGRES_URL`` (``make test`` starts one and sets it); each
test session creates its own database on it and drops it afterwards. Without the
variable the PostgreSQL cases are skipped, or fail when ``BATON_REQUIRE_POSTGRES=1``.
Every test starts with empty tables.
"""

from __future__ import annotations

from typing import Any

import pytest
from runtime_flows import install_workflow
from sqlalchemy.engine import Engine

from runtime.db import session_scope


@pytest.fixture
def install(db: Engine) -> Any:
    """``install(definition, version=1)``: publish and activate a workflow in ``db``."""

    def _install(definition: dict[str, Any], *, version: int = 1) -> Any:
        with session_scope(db) as session:
            return install_workflow(session, definition, version=version)

    return _install
