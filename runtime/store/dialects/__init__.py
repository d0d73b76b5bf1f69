"""What differs between SQLite and PostgreSQL, behind one small interface.

Each database's specifics live in its own module (:mod:`.sqlite`, :mod:`.postgres`);
the services ask :func:`dialect_of` for the one their session's engine runs on and
never compare dialect names themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import ColumnElement, Table
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

__all__ = ["READ_ONLY", "Row", "StoreDialect", "dialect_of", "dialect_of_url"]

#: The execution option of an engine whose transactions only read (:func:`runtime.db.reader`).
READ_ONLY = "baton_read_only"

#: A row as the driver path reads it (:func:`runtime.store.statements.read_first`).
Row = tuple[Any, ...]
T = TypeVar("T")


class StoreDialect(ABC):
    """The few things Baton's store does differently on each database."""

    #: SQLAlchemy's name of the dialect (``engine.dialect.name``).
    name: ClassVar[str]
    #: One writer at a time: a process's writers do best to queue on a lock of its own.
    serial_writes: ClassVar[bool]
    #: ALTER TABLE cannot change most things: a migration copies the table instead
    #: (Alembic's batch mode).
    alters_by_copying: ClassVar[bool]

    @abstractmethod
    def make_engine(self, url: str, **kwargs: Any) -> Engine:
        """An engine for ``url``, set up for how Baton uses this database."""

    @abstractmethod
    def insert(self, table: Table) -> Any:
        """An INSERT of ``table`` that knows ``ON CONFLICT`` on this database."""

    @abstractmethod
    def lock_case_and_run(self, session: Session, run_id: str) -> tuple[Row, Row] | None:
        """The run's case row and run row, both locked (case first); None: no such run."""

    @abstractmethod
    def lock_work_item(
        self, session: Session, key: str, lock_run: Callable[[str], T]
    ) -> tuple[T, Row] | None:
        """``lock_run(run_id)`` of the item's run, then the item's row, locked in the
        order every writer takes them (case, run, item); None: no such item."""

    @abstractmethod
    def step_entry(
        self, session: Session, outbox_id: int
    ) -> tuple[Row, Row | None, bool] | None:
        """A ``run_step`` outbox entry (run, effect, key, status), its execution's state
        (status, lease end, deliveries; None: none yet) and whether that was read: only
        where this database allows it before the run is locked, else it is read after
        the locks (``statements.EXECUTION_STATE``). None: no such entry."""

    @abstractmethod
    def claimable(self, query: Any) -> Any:
        """``query`` (a SELECT of rows to claim) as several pollers may run it at once."""

    @abstractmethod
    def seconds_since(self, now: datetime, stamp: Any) -> ColumnElement[Any]:
        """Seconds from the timestamp column ``stamp`` to ``now``, computed by the database."""


def _dialects() -> dict[str, StoreDialect]:
    from runtime.store.dialects.postgres import POSTGRES
    from runtime.store.dialects.sqlite import SQLITE

    return {SQLITE.name: SQLITE, POSTGRES.name: POSTGRES}


_BY_NAME: dict[str, StoreDialect] = {}


def _named(name: str) -> StoreDialect:
    if not _BY_NAME:
        _BY_NAME.update(_dialects())
    found = _BY_NAME.get(name)
    if found is None:
        raise ValueError(f"Baton runs on SQLite or PostgreSQL, not on {name!r}")
    return found


def dialect_of(bind: Session | Engine | Connection) -> StoreDialect:
    """The dialect of the engine ``bind`` (a session: the engine it is bound to)."""
    found = bind.get_bind() if isinstance(bind, Session) else bind
    return _named(found.dialect.name)


def dialect_of_url(url: str) -> StoreDialect:
    """The dialect a database URL names (``sqlite:///...``, ``postgresql+psycopg://...``)."""
    return _named("sqlite" if url.startswith("sqlite") else "postgresql")
