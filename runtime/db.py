"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic_core
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.store.dialects import READ_ONLY, dialect_of_url
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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys on."""
    return dialect_of_url(url).make_engine(url, **{**_JSON_CODEC, **kwargs})


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reader(engine: Engine) -> Engine:
    """``engine`` for transactions that only read: on SQLite they take no write lock.

    Writing in such a transaction may fail with "database is locked" when a writer
    holds the lock; PostgreSQL makes no difference between the two.
    """
    found = _READERS.get(engine)
    if found is None:
        found = _READERS[engine] = engine.execution_options(**{READ_ONLY: True})
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
