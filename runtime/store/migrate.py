"""Schema migrations with Alembic, configured in code so they work from an installed package.

>>> from sqlalchemy.pool import StaticPool
>>> from runtime.db import make_engine
>>> engine = make_engine("sqlite:///:memory:", poolclass=StaticPool)
>>> migrate(engine)
>>> from sqlalchemy import inspect
>>> "run_event" in inspect(engine).get_table_names()
True
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

# Imported for their side effect: every table registers on SQLModel.metadata.
from runtime.store import account_tables as _account_tables  # noqa: F401
from runtime.store import ai_tables as _ai_tables  # noqa: F401
from runtime.store import migration_tables as _migration_tables  # noqa: F401
from runtime.store import routing_tables as _routing_tables  # noqa: F401
from runtime.store import salesforce_tables as _salesforce_tables  # noqa: F401
from runtime.store import tables as _tables  # noqa: F401
from runtime.store import workflow_tables as _workflow_tables  # noqa: F401

__all__ = ["MIGRATIONS_DIR", "alembic_config", "metadata", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
metadata: MetaData = SQLModel.metadata


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at Baton's migrations (and at ``engine`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Upgrade the schema of ``engine``'s database to ``revision`` (every head by default).

    Features add their tables in revisions of their own; "heads" applies every branch,
    so parallel additions never block each other before a merge revision joins them.
    """
    command.upgrade(alembic_config(engine), revision)
