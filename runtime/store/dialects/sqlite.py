"""SQLite's specifics: WAL, a write lock taken at BEGIN, one writer at a time.

The transaction of a writer begins with ``BEGIN IMMEDIATE``: it holds the database's
only write lock from its first statement, so rows read in it cannot change under it and
row locks (which SQLite does not have) are not needed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, event, func, literal
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import create_engine

from runtime.store import statements as sql
from runtime.store.dialects import READ_ONLY, Row, StoreDialect
from runtime.store.records import work_item_from

__all__ = ["SQLITE", "SQLiteDialect"]

T = TypeVar("T")

_BUSY_TIMEOUT_S = 30
"""How long a transaction waits for SQLite's write lock before "database is locked"."""
_HOLDS_WRITER = "baton.holds_writer"


class SQLiteDialect(StoreDialect):
    """SQLite, the default: a file next to the app, in WAL mode."""

    name = "sqlite"
    serial_writes = True
    alters_by_copying = True

    def make_engine(self, url: str, **kwargs: Any) -> Engine:
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S},
            **kwargs,
        )
        _set_up(engine)
        return engine

    def insert(self, table: Table) -> Any:
        return sqlite_insert(table)

    def lock_case_and_run(self, session: Session, run_id: str) -> tuple[Row, Row] | None:
        # The transaction holds the only write lock already: one query reads both rows.
        both = sql.read_first(session, sql.CASE_AND_RUN, {"_run_id": run_id})
        if both is None:
            return None
        split = len(sql.CASE_COLUMNS)
        return both[:split], both[split:]

    def lock_work_item(
        self, session: Session, key: str, lock_run: Callable[[str], T]
    ) -> tuple[T, Row] | None:
        # The item as read now stays so (the write lock), and its run id comes with it.
        found = sql.read_first(session, sql.LOCK_WORK_ITEM, {"_key": key})
        if found is None:
            return None
        return lock_run(work_item_from(found).run_id), found

    def step_entry(
        self, session: Session, outbox_id: int
    ) -> tuple[Row, Row | None, bool] | None:
        # One writer holds the database: the execution read with its entry, in one query,
        # stays so until the step is settled.
        found = sql.read_first(session, sql.OUTBOX_ENTRY_AND_EXECUTION, {"_id": outbox_id})
        if found is None:
            return None
        entry, execution = found[:4], found[4:]
        return entry, (execution if execution[0] is not None else None), True

    def claimable(self, query: Any) -> Any:
        return query  # one writer at a time: nobody else claims meanwhile

    def seconds_since(self, now: datetime, stamp: Any) -> ColumnElement[Any]:
        text = literal(now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
        return (func.julianday(text) - func.julianday(stamp)) * 86400.0


def _set_up(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys on, and writers that take the lock at BEGIN."""

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
        # Speed without giving up durability: a bigger page cache (8 MiB), reads
        # through a memory map, temporary b-trees (sorts) in memory.
        cursor.execute("PRAGMA cache_size=-8192")
        cursor.execute("PRAGMA mmap_size=134217728")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    # SQLite's busy handler waits for the write lock by sleeping and polling (1 ms,
    # growing to 100 ms): under contention the lock sits free while waiters sleep,
    # and an unlucky one starves for seconds (benchmarks/stream.py measured a p99 of
    # 1.4 s from transition to commit with 16 writers). This process's writers queue
    # on a lock of their own instead, handed over at commit; other processes still
    # meet the busy timeout.
    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _sqlite_begin_immediate(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            # A reader sees the last commit (WAL) and waits for no writer.
            conn.connection.driver_connection.execute("BEGIN")
            return
        if not writer.acquire(timeout=_BUSY_TIMEOUT_S):
            raise sqlite3.OperationalError("database is locked")
        try:
            # Take the write lock at BEGIN so two writers serialise instead of one
            # failing on upgrade from a read lock (SQLite's "database is locked"). On
            # the driver's connection: SQLAlchemy's execution layer would cost more
            # than the statement, on every transaction.
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        conn.info[_HOLDS_WRITER] = True

    @event.listens_for(engine, "commit")
    def _sqlite_commit(conn: Any) -> None:
        if conn.info.pop(_HOLDS_WRITER, False):
            try:
                # Commit now, so the next writer finds SQLite's lock free; the
                # driver's own commit that follows has nothing left to do.
                conn.connection.driver_connection.commit()
            finally:
                writer.release()

    @event.listens_for(engine, "rollback")
    def _sqlite_rollback(conn: Any) -> None:
        if conn.info.pop(_HOLDS_WRITER, False):
            writer.release()

    # pysqlite's own transaction handling must be off for the BEGIN above to count.
    @event.listens_for(engine, "connect", insert=True)
    def _sqlite_autocommit_off(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None


SQLITE = SQLiteDialect()
