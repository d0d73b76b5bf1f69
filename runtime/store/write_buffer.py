"""Append-only rows of a group transaction, written with one ``executemany`` per shape.

A group (:mod:`runtime.executor.groups`) applies many runs' transitions in one
transaction, and each transition appends its input and log lines (and a case change
appends its history). Nothing in the group reads those rows back, so instead of a
statement a transition they wait here, per statement and set of columns, and are sent
with one ``executemany`` each:

* at commit (the session's ``before_commit``), so the commit holds them;
* before any read or write of their table on the driver (:mod:`runtime.store.statements`
  asks :func:`flush_touching`), and before any ORM statement or flush of the session,
  so a read in the same transaction always sees them;
* dropped on rollback, with the rest of the transaction.

Deferring is opt-in per transaction (:func:`deferring`): a request's single
transition gains nothing from it, and inside a savepoint rows are written at once
(a savepoint's rollback must take its own rows back, no others). The order of rows
within a table is kept, so ids are assigned as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import Executable

from runtime.store import statements as sql

__all__ = ["defer", "deferring", "flush"]

_ON = "baton.defer_writes"
_PENDING = sql.PENDING_WRITES

#: The statements that may wait, with the table each appends to.
_DEFERRABLE: dict[int, str] = {
    id(sql.INSERT_RUN_INPUT): "run_input",
    id(sql.INSERT_RUN_EVENTS): "run_event",
    id(sql.INSERT_CASE_CHANGES): "case_change",
}
_TABLE_NAMES = re.compile(r"\b(run_input|run_event|case_change)\b")


@contextmanager
def deferring(session: Session) -> Iterator[None]:
    """Let this transaction's appends wait until commit (or a read of their table)."""
    session.info[_ON] = True
    try:
        yield
    finally:
        session.info.pop(_ON, None)


def defer(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` with ``statement`` now, or at the latest before commit if deferring."""
    if not rows:
        return
    table = _DEFERRABLE.get(id(statement))
    if table is None or not session.info.get(_ON) or session.in_nested_transaction():
        sql.write(session, statement, rows)
        return
    pending: dict[tuple[int, tuple[str, ...]], tuple[Executable, str, list[dict[str, Any]]]]
    pending = session.info.setdefault(_PENDING, {})
    key = (id(statement), tuple(rows[0]))
    found = pending.get(key)
    if found is None:
        pending[key] = (statement, table, list(rows))
    else:
        found[2].extend(rows)


def flush(session: Session, tables: frozenset[str] | None = None) -> None:
    """Write what waits (only for ``tables`` if given), in the order it was deferred."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    due = [key for key, (_, table, _) in pending.items() if tables is None or table in tables]
    # Taken out before writing: the write asks to flush its own table first.
    for statement, _, rows in [pending.pop(key) for key in due]:
        sql.write(session, statement, rows)


@cache
def _tables_in(text: str) -> frozenset[str]:
    return frozenset(_TABLE_NAMES.findall(text))


def _flush_touching(session: Session, text: str) -> None:
    tables = _tables_in(text)
    if tables:
        flush(session, tables)


sql.flush_touching = _flush_touching


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    flush(session)


@event.listens_for(Session, "do_orm_execute")
def _before_orm_execute(state: Any) -> None:
    flush(state.session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
        session.info.pop(_ON, None)
