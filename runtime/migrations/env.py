"""Alembic environment: runs migrations on the engine handed over in the config.

:func:`runtime.store.migrate` passes its engine in ``config.attributes["engine"]``; the
``alembic`` command line (for authoring revisions) falls back to ``Settings``.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Engine
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from runtime.store.column_types import SnapshotJson
from runtime.store.dialects import dialect_of
from runtime.store.migrate import metadata

config = context.config


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Revisions stay self-contained: SQLModel's wrappers are plain SQL types on disk.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, SnapshotJson):
        return "sa.JSON()"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from runtime.db import make_engine
    from runtime.settings import Settings

    return make_engine(Settings().resolved_database_url())


def run_migrations_online() -> None:
    """Run the migrations inside one transaction on the configured engine."""
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=dialect_of(connection).alters_by_copying,
            render_item=_render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
