"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from runtime.store.readable_json import read_json

__all__ = ["make_engine", "reader", "session_scope"]


def _to_json(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


# JSON columns (run snapshots, log data, case fields) go through pydantic-core's Rust
# codec: about three times faster than the json module, and compact (no spaces). A value
# it cannot read (written before the limits on case data) is read the slow, tolerant way
# rather than failing every list that holds it.
_JSON_CODEC: dict[str, Any] = {
    "json_serializer": _to_json,
    "json_deserializer": read_json,
}


_BUSY_TIMEOUT_S = 30
"""How long a transaction waits for SQLite's write lock before "database is locked"."""
_HOLDS_WRITER = "baton.holds_writer"
_READ_ONLY = "baton_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S},
            **{**_JSON_CODEC, **kwargs},
        )

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
            if conn.get_execution_options().get(_READ_ONLY):
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

        return engine
    return create_engine(url, pool_pre_ping=True, **{**_JSON_CODEC, **kwargs})


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reader(engine: Engine) -> Engine:
    """``engine`` for transactions that only read: on SQLite they take no write lock.

    Writing in such a transaction may fail with "database is locked" when a writer
    holds the lock; PostgreSQL makes no difference between the two.
    """
    found = _READERS.get(engine)
    if found is None:
        found = _READERS[engine] = engine.execution_options(**{_READ_ONLY: True})
    return found


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error.

    ``read_only``: the session only reads (see :func:`reader`).
    """
    with Session(reader(engine) if read_only else engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
