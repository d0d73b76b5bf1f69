"""PostgreSQL's specifics: row locks (``SELECT ... FOR UPDATE``), ``SKIP LOCKED`` claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, func, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import create_engine

from runtime.store import statements as sql
from runtime.store.dialects import Row, StoreDialect

__all__ = ["POSTGRES", "PostgresDialect"]

T = TypeVar("T")


class PostgresDialect(StoreDialect):
    """PostgreSQL, for several processes writing at once."""

    name = "postgresql"
    serial_writes = False
    alters_by_copying = False

    def make_engine(self, url: str, **kwargs: Any) -> Engine:
        return create_engine(url, pool_pre_ping=True, **kwargs)

    def insert(self, table: Table) -> Any:
        return pg_insert(table)

    def lock_case_and_run(self, session: Session, run_id: str) -> tuple[Row, Row] | None:
        # The case is found through the run inside the locking query: one round trip.
        case = sql.read_first(session, sql.LOCK_CASE_OF_RUN, {"_run_id": run_id})
        if case is None:
            return None
        run = sql.read_first(session, sql.LOCK_RUN, {"_run_id": run_id})
        assert run is not None  # its case is locked, and runs are never deleted
        return case, run

    def lock_work_item(
        self, session: Session, key: str, lock_run: Callable[[str], T]
    ) -> tuple[T, Row] | None:
        # An item never changes runs, so its run id can be read before the locks.
        run_of = sql.read_first(session, sql.WORK_ITEM_RUN, {"_key": key})
        if run_of is None:
            return None
        locked = lock_run(run_of[0])
        found = sql.read_first(session, sql.LOCK_WORK_ITEM, {"_key": key})
        assert found is not None  # work items are never deleted
        return locked, found

    def step_entry(
        self, session: Session, outbox_id: int
    ) -> tuple[Row, Row | None, bool] | None:
        # The execution row is locked after the case and run (every writer's order).
        entry = sql.read_first(session, sql.OUTBOX_ENTRY, {"_id": outbox_id})
        return None if entry is None else (entry, None, False)

    def claimable(self, query: Any) -> Any:
        # Several workers may poll at once: each takes rows the others have not locked.
        return query.with_for_update(skip_locked=True)

    def seconds_since(self, now: datetime, stamp: Any) -> ColumnElement[Any]:
        return func.extract("epoch", literal(now) - stamp)


POSTGRES = PostgresDialect()
