"""Fixtures: a stand-in Salesforce org on loopback, settings pointing Baton at it, a database.

The stand-in (:mod:`fake_salesforce`) is a test fixture only; the client under test is
the real simple-salesforce, talking HTTP to it (``endpoint_override`` routes the
``https://*.salesforce.com`` URLs simple-salesforce builds to the local server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_salesforce import FakeSalesforce
from sf_support import sf_settings
from sqlalchemy.engine import Engine

from runtime.db import make_engine
from runtime.salesforce.client import SalesforceClient, forget_clients
from runtime.salesforce.config import SalesforceSettings
from runtime.services import clear_caches
from runtime.store import metadata, migrate


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    """A fresh stand-in org, served on loopback for the test."""
    server = FakeSalesforce().start()
    try:
        yield server
    finally:
        server.close()
        forget_clients()


@pytest.fixture
def settings(fake: FakeSalesforce) -> SalesforceSettings:
    return sf_settings(fake)


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the client waited, in seconds (recorded instead of slept)."""
    return []


@pytest.fixture
def client(settings: SalesforceSettings, sleeps: list[float]) -> SalesforceClient:
    return SalesforceClient(settings, sleep=sleeps.append)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sfdb') / 'baton.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _migrated_postgres() -> Iterator[str]:
    base_url = os.environ.get("BATON_TEST_POSTGRES_URL")
    if not base_url:
        pytest.skip("PostgreSQL tests need BATON_TEST_POSTGRES_URL")
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"baton_sf_{uuid.uuid4().hex[:10]}"
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


def _wipe(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    clear_caches()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty, migrated database: SQLite, then PostgreSQL."""
    url = request.getfixturevalue(f"_migrated_{request.param}")
    engine = make_engine(url)
    _wipe(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_db(_migrated_sqlite: str) -> Iterator[Engine]:
    engine = make_engine(_migrated_sqlite)
    _wipe(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def tmp_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
