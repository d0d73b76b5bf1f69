"""Database fixtures shared by every suite that needs a real store.

``db`` is parametrized over SQLite (a WAL file) and a real PostgreSQL server. The server's
URL comes from ``BATON_TEST_POSTGRES_URL`` (``make test`` starts one and sets it); each
test session creates its own database on it and drops it afterwards. Without the
variable the PostgreSQL cases are skipped, or fail when ``BATON_REQUIRE_POSTGRES=1``.
Every test starts with empty tables.

pytest loads this module as a plugin (``-p tests.db_fixtures`` in pyproject), so the
fixtures behave the same in every suite: none silently skips PostgreSQL when CI requires it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from runtime.db import make_engine
from runtime.services import clear_caches
from runtime.store import metadata, migrate

POSTGRES_ENV = "BATON_TEST_POSTGRES_URL"
REQUIRE_ENV = "BATON_REQUIRE_POSTGRES"


def postgres_base_url() -> str:
    """The test server's URL, or skip/fail as the environment asks."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    message = f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://u@127.0.0.1/db)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes them mandatory", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database on the test server for this session, dropped afterwards."""
    base = make_url(postgres_base_url())
    name = f"baton_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this session."""
    path = tmp_path_factory.mktemp("db") / "baton.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def wipe(engine: Engine) -> None:
    """Empty every table (children first) and forget what the services cached."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    clear_caches()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty, migrated database: SQLite, then PostgreSQL."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    wipe(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Engine]:
    """An engine on an empty SQLite database only (tests that need no server)."""
    engine = make_engine(sqlite_url)
    wipe(engine)
    try:
        yield engine
    finally:
        engine.dispose()
