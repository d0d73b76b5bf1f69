"""The statements of the run hot path, built once.

Building a SQLAlchemy statement (``select(...).where(...)``) and computing its cache key
costs several times more than running it on SQLite (~100 µs against ~25 µs for an
UPDATE of one row on this machine), and a run's transition issues a dozen of them. So
the statements every transition, step and timer uses are built here, once, with named
parameters, and executed with a dict of values. Values are still converted by the
columns' types (aware datetimes, JSON), as for any statement.

An UPDATE built without ``.values()`` takes its SET clause from the keys of the
parameters given at execution; keys that are not columns fill the named parameters of
the WHERE clause (named ``_<name>`` here so they never clash with a column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Executable

from runtime.engine.types import ACTIVE_RUN_STATUSES
from runtime.store.tables import (
    CaseChangeRow,
    CaseRow,
    ExecutionRow,
    ExecutionStatus,
    OutboxRow,
    OutboxStatus,
    RunEventRow,
    RunInputRow,
    RunRow,
    TimerRow,
    TimerStatus,
    WorkItemRow,
    WorkItemStatus,
)
from runtime.store.workflow_tables import WorkflowRow

__all__ = [
    "ACTIVE_RUNS_OF_CASE",
    "CANCEL_TIMER",
    "CANCEL_WORK_ITEM",
    "CASE_AND_RUN",
    "CASE_COLUMNS",
    "CASE_EXISTS",
    "CASE_OF_EXTERNAL_ID",
    "CLAIM_AND_FINISH_STEP",
    "CLAIM_STEP",
    "DUE_OUTBOX",
    "EXECUTION_STATE",
    "FINISH_EXECUTION",
    "FINISH_OUTBOX",
    "FIRE_TIMER",
    "INSERT_CASE",
    "INSERT_CASE_CHANGES",
    "INSERT_EXECUTION",
    "INSERT_OUTBOX",
    "INSERT_RUN",
    "INSERT_RUN_EVENTS",
    "INSERT_RUN_INPUT",
    "INSERT_WORK_ITEM",
    "LOCK_CASE",
    "LOCK_CASE_OF_RUN",
    "LOCK_PENDING_TIMER",
    "LOCK_RUN",
    "LOCK_WORK_ITEM",
    "OUTBOX_ENTRY",
    "OUTBOX_ENTRY_AND_EXECUTION",
    "PENDING_TIMERS",
    "RECORD_TRIGGERS",
    "RUN_COLUMNS",
    "RUN_STATE",
    "TIMER_RUN",
    "UPDATE_CASE",
    "UPDATE_EXECUTION",
    "UPDATE_RUN",
    "UPDATE_WORK_ITEM",
    "WORK_ITEM_COLUMNS",
    "WORK_ITEM_EXISTS",
    "WORK_ITEM_RUN",
    "insert_outbox_once",
    "read_all",
    "read_first",
    "upsert_timer",
    "write",
    "write_returning",
]


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


_case, _run = _table(CaseRow), _table(RunRow)
_outbox, _execution = _table(OutboxRow), _table(ExecutionRow)
_timer, _work_item = _table(TimerRow), _table(WorkItemRow)

# ---------------------------------------------------------------------------- locks (records)

#: The run columns a lock reads, in this order; the state snapshot is read apart, only
#: when the process does not hold it already (runtime.store.state_cache).
RUN_COLUMNS = tuple(column.name for column in _run.c if column.name != "state")
CASE_COLUMNS = tuple(column.name for column in _case.c)
_run_columns = [_run.c[name] for name in RUN_COLUMNS]
_case_columns = [_case.c[name] for name in CASE_COLUMNS]

LOCK_CASE = select(*_case_columns).where(_case.c.id == bindparam("_case_id")).with_for_update()
#: The run's case, found through the run inside the locking query.
LOCK_CASE_OF_RUN = (
    select(*_case_columns)
    .where(
        _case.c.id
        == select(_run.c.case_id).where(_run.c.id == bindparam("_run_id")).scalar_subquery()
    )
    .with_for_update()
)
#: A run with its case in one query, for SQLite, where the transaction (BEGIN IMMEDIATE)
#: already holds the database's write lock and row locks do not exist.
CASE_AND_RUN = (
    select(*_case_columns, *_run_columns)
    .select_from(_case.join(_run, _run.c.case_id == _case.c.id))
    .where(_run.c.id == bindparam("_run_id"))
)
LOCK_RUN = select(*_run_columns).where(_run.c.id == bindparam("_run_id")).with_for_update()
RUN_STATE = select(_run.c.state).where(_run.c.id == bindparam("_run_id"))
# Spelled without IN (an IN list renders late, per execution, which the driver path
# does not do); the statuses are fixed, so they are literals here.
ACTIVE_RUNS_OF_CASE = (
    select(*_run_columns)
    .where(
        _run.c.case_id == bindparam("_case_id"),
        or_(*(_run.c.status == str(status) for status in sorted(ACTIVE_RUN_STATUSES))),
    )
    .order_by(_run.c.started_at, _run.c.id)
    .with_for_update()
)
#: The work item columns a lock reads (every one: a service answers with the item).
WORK_ITEM_COLUMNS = tuple(column.name for column in _work_item.c)
LOCK_WORK_ITEM = (
    select(*(_work_item.c[name] for name in WORK_ITEM_COLUMNS))
    .where(_work_item.c.key == bindparam("_key"))
    .with_for_update()
)
#: An item's run, read before the locks: a writer locks the case and run before the item.
WORK_ITEM_RUN = select(_work_item.c.run_id).where(_work_item.c.key == bindparam("_key"))
CASE_EXISTS = select(_case.c.id).where(_case.c.id == bindparam("_case_id"))
CASE_OF_EXTERNAL_ID = select(_case.c.id).where(
    _case.c.source == bindparam("_source"), _case.c.external_id == bindparam("_external_id")
)
RECORD_TRIGGERS = (
    select(WorkflowRow.id, WorkflowRow.active_version)  # type: ignore[call-overload]
    .where(_table(WorkflowRow).c.active_version.is_not(None))
    .order_by(_table(WorkflowRow).c.id)
)

# ---------------------------------------------------------------------------- writes

UPDATE_RUN = update(_run).where(_run.c.id == bindparam("_id"))
UPDATE_CASE = update(_case).where(_case.c.id == bindparam("_id"))
INSERT_CASE = insert(_case)
INSERT_RUN = insert(_run)
INSERT_RUN_INPUT = insert(_table(RunInputRow))
INSERT_RUN_EVENTS = insert(_table(RunEventRow))
INSERT_CASE_CHANGES = insert(_table(CaseChangeRow))
INSERT_OUTBOX = insert(_outbox)
INSERT_WORK_ITEM = insert(_work_item)
UPDATE_WORK_ITEM = update(_work_item).where(_work_item.c.key == bindparam("_key"))
WORK_ITEM_EXISTS = select(_work_item.c.key).where(_work_item.c.key == bindparam("_key"))
CANCEL_WORK_ITEM = (
    update(_work_item)
    .where(
        _work_item.c.key == bindparam("_key"),
        _work_item.c.status == str(WorkItemStatus.OPEN),
    )
    .values(status=str(WorkItemStatus.CANCELLED), cancel_reason=bindparam("_reason"))
)
CANCEL_TIMER = (
    update(_timer)
    .where(_timer.c.key == bindparam("_key"), _timer.c.status == str(TimerStatus.PENDING))
    .values(status=str(TimerStatus.CANCELLED))
)

# ---------------------------------------------------------------------------- executor

OUTBOX_ENTRY = select(
    _outbox.c.run_id, _outbox.c.effect, _outbox.c.idempotency_key, _outbox.c.status
).where(_outbox.c.id == bindparam("_id"))
#: The entry with its execution's state, for SQLite (one writer: nothing moves between).
OUTBOX_ENTRY_AND_EXECUTION = (
    select(
        _outbox.c.run_id, _outbox.c.effect, _outbox.c.idempotency_key, _outbox.c.status,
        _execution.c.status, _execution.c.lease_until, _execution.c.deliveries,
    )
    .select_from(_outbox.outerjoin(_execution, _execution.c.key == _outbox.c.idempotency_key))
    .where(_outbox.c.id == bindparam("_id"))
)  # fmt: skip
# Spelled without IN: an IN list renders late (per execution), which write() does not do.
_DUE_STATUS = or_(
    _outbox.c.status == str(OutboxStatus.PENDING), _outbox.c.status == str(OutboxStatus.CLAIMED)
)
_DUE_BY_NOW = _outbox.c.available_at <= bindparam("_now", type_=_outbox.c.available_at.type)
# An entry that is due: pending, or claimed under a lease that has run out.
_CLAIMABLE = update(_outbox).where(_outbox.c.id == bindparam("_id"), _DUE_STATUS, _DUE_BY_NOW)
#: Claim one entry if it is due; ``_owner`` names the claiming worker process
#: (``None``: a worker that never started).
CLAIM_STEP = _CLAIMABLE.values(
    status=str(OutboxStatus.CLAIMED),
    attempts=_outbox.c.attempts + 1,
    available_at=bindparam("_lease", type_=_outbox.c.available_at.type),
    claimed_by=bindparam("_owner", type_=_outbox.c.claimed_by.type),
)
#: The same claim for a step settled within the claiming transaction: done at once.
CLAIM_AND_FINISH_STEP = _CLAIMABLE.values(
    status=str(OutboxStatus.DONE),
    attempts=_outbox.c.attempts + 1,
    done_at=bindparam("_now", type_=_outbox.c.done_at.type),
)
FINISH_OUTBOX = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("_id"))
    .values(
        status=str(OutboxStatus.DONE),
        done_at=bindparam("_now", type_=_outbox.c.done_at.type),
    )
)
DUE_OUTBOX = (
    select(_outbox.c.id, _outbox.c.kind)
    .where(_DUE_STATUS, _DUE_BY_NOW)
    .order_by(_outbox.c.available_at, _outbox.c.id)
    .limit(bindparam("_limit"))
)
EXECUTION_STATE = (
    select(_execution.c.status, _execution.c.lease_until, _execution.c.deliveries)
    .where(_execution.c.key == bindparam("_key"))
    .with_for_update()
)
INSERT_EXECUTION = insert(_execution)
UPDATE_EXECUTION = update(_execution).where(_execution.c.key == bindparam("_key"))
#: Settle an execution only if this delivery still owns it.
FINISH_EXECUTION = update(_execution).where(
    _execution.c.key == bindparam("_key"),
    _execution.c.status == str(ExecutionStatus.RUNNING),
    _execution.c.deliveries == bindparam("_delivery"),
)
PENDING_TIMERS = (
    select(_timer.c.key, _timer.c.due_at)
    .where(_timer.c.status == str(TimerStatus.PENDING))
    .order_by(_timer.c.due_at, _timer.c.key)
    .limit(bindparam("_limit"))
)
TIMER_RUN = select(_timer.c.run_id).where(_timer.c.key == bindparam("_key"))
#: A pending timer's firing facts, locked; ``FIRE_TIMER`` then marks it fired.
LOCK_PENDING_TIMER = (
    select(_timer.c.due_at, _timer.c.purpose, _timer.c.data)
    .where(_timer.c.key == bindparam("_key"), _timer.c.status == str(TimerStatus.PENDING))
    .with_for_update()
)
FIRE_TIMER = (
    update(_timer)
    .where(_timer.c.key == bindparam("_key"))
    .values(
        status=str(TimerStatus.FIRED),
        fired_at=bindparam("_now", type_=_timer.c.fired_at.type),
    )
)


# ---------------------------------------------------------------------------- on the driver


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement rendered once for a dialect: its SQL text and how to fill it."""

    text: str
    #: ``(placeholder name, key in the given values or None, fixed value, processor)``
    binds: tuple[tuple[str, str | None, Any, Callable[[Any], Any] | None], ...]
    names: tuple[str, ...]
    positional: bool


_prepared: dict[tuple[str, int, tuple[str, ...]], _Prepared] = {}
#: Statements run on the driver by :func:`write` (a benchmark adds them to its count).
driver_statements = 0


def _prepare(dialect: Dialect, statement: Executable, keys: tuple[str, ...]) -> _Prepared:
    if not isinstance(statement, ClauseElement):
        raise TypeError(f"not a SQL statement: {statement!r}")
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("write() cannot run a statement with an IN list (rendered late)")
    binds = []
    for bind, name in compiled.bind_names.items():
        key = bind.key if bind.key in keys else None
        if key is None and bind.callable is None and bind.value is None and bind.required:
            raise ValueError(f"no value for parameter {bind.key!r}")
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, key, bind.effective_value, process))
    if compiled.positional:
        # In placeholder order; a parameter used twice (``_now``) fills both places.
        by_name = {b[0]: b for b in binds}
        binds = [by_name[name] for name in compiled.positiontup]
    names = tuple(b[0] for b in binds)
    return _Prepared(compiled.string, tuple(binds), names, bool(compiled.positional))


_DRIVER = "baton.driver_connection"


def _driver(session: Session) -> tuple[Dialect, Any]:
    """The dialect and DBAPI connection of the session's transaction, found once per
    transaction (``Session.connection()`` costs a few microseconds on every call)."""
    transaction = session.get_transaction()
    known = session.info.get(_DRIVER)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1], known[2]
    connection = session.connection()
    driver = connection.connection.driver_connection
    session.info[_DRIVER] = (session.get_transaction(), connection.dialect, driver)
    return connection.dialect, driver


def write(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> int:
    """Run a write for ``rows`` (same keys each) on the session's DBAPI connection.

    Inside the session's transaction, without SQLAlchemy's execution
    layer (~15 µs a statement): the SQL text is rendered once per dialect, statement and
    set of keys, values converted by the columns' own bind processors (aware datetimes,
    JSON), several rows sent with one ``executemany``. Returns the rows changed.
    """
    global driver_statements
    if not rows:
        return 0
    dialect, driver = _driver(session)
    keys = tuple(rows[0])
    cache_key = (dialect.name, id(statement), keys)
    prepared = _prepared.get(cache_key)
    if prepared is None:
        prepared = _prepared[cache_key] = _prepare(dialect, statement, keys)
    params: list[Any] = []
    for row in rows:
        values = [
            (row[key] if key is not None else fixed)
            if process is None
            else process(row[key] if key is not None else fixed)
            for _, key, fixed, process in prepared.binds
        ]
        if prepared.positional:
            params.append(tuple(values))
        else:
            params.append(dict(zip(prepared.names, values, strict=True)))
    cursor = driver.cursor()
    driver_statements += 1
    try:
        if len(params) == 1:
            cursor.execute(prepared.text, params[0])
        else:
            cursor.executemany(prepared.text, params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


#: Per dialect, statement and keys: how to fill it, and how to convert what it returns
#: (``None`` until its first execution: some drivers' types need the column's type code).
_readers: dict[
    tuple[str, int, tuple[str, ...]],
    tuple[_Prepared, tuple[tuple[int, Callable[[Any], Any]], ...] | None],
] = {}


def _results(
    dialect: Dialect, statement: Executable, description: Any
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """``(position, result processor)`` of each column ``statement`` returns that has one.

    Made for the driver's type code of the column as the cursor describes it (psycopg's
    numbers ask for it; SQLite's types ignore it). The other columns come back as read.
    """
    # A SELECT's columns, or what an INSERT/UPDATE ... RETURNING gives back.
    columns = getattr(statement, "selected_columns", None)
    if columns is None:
        columns = statement.exported_columns  # type: ignore[attr-defined]
    found = (
        column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        for column, described in zip(columns, description, strict=True)
    )
    return tuple((position, process) for position, process in enumerate(found) if process)


def _read(
    session: Session, statement: Executable, params: dict[str, Any], *, first: bool
) -> list[tuple[Any, ...]]:
    global driver_statements
    dialect, driver = _driver(session)
    keys = tuple(params)
    cache_key = (dialect.name, id(statement), keys)
    reader = _readers.get(cache_key)
    if reader is None:
        reader = _readers[cache_key] = (_prepare(dialect, statement, keys), None)
    prepared, results = reader
    values = [
        (params[key] if key is not None else fixed)
        if process is None
        else process(params[key] if key is not None else fixed)
        for _, key, fixed, process in prepared.binds
    ]
    cursor = driver.cursor()
    driver_statements += 1
    try:
        cursor.execute(
            prepared.text,
            tuple(values)
            if prepared.positional
            else dict(zip(prepared.names, values, strict=True)),
        )
        if results is None:
            results = _results(dialect, statement, cursor.description)
            _readers[cache_key] = (prepared, results)
        if first:
            row = cursor.fetchone()
            rows = [] if row is None else [row]
        else:
            rows = cursor.fetchall()
    finally:
        cursor.close()
    if not results:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for position, process in results:
            value = values[position]
            if value is not None:
                values[position] = process(value)
        converted.append(tuple(values))
    return converted


def read_first(
    session: Session, statement: Executable, params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of a SELECT, read like :func:`write` reads: on the DBAPI connection.

    The values come back converted by the selected columns' result processors (aware
    datetimes; JSON as the driver's connection decodes it or by the column's codec).
    """
    rows = _read(session, statement, params, first=True)
    return rows[0] if rows else None


def read_all(
    session: Session, statement: Executable, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of a SELECT, read and converted as :func:`read_first` reads one."""
    return _read(session, statement, params, first=False)


def write_returning(
    session: Session, statement: Executable, rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """An INSERT/UPDATE ... RETURNING for each of ``rows``, on the DBAPI connection.

    What each row's statement returned, in order, converted as :func:`read_first`
    converts. One execution per row: a driver's ``executemany`` returns no rows, and the
    rows written together here are few (the steps one transition starts).
    """
    found: list[tuple[Any, ...]] = []
    for row in rows:
        found.extend(_read(session, statement, row, first=False))
    return found


# ---------------------------------------------------------------------------- per dialect


@cache
def insert_outbox_once(insert_for: Callable[[Table], Any]) -> Executable:
    """INSERT of outbox entries that skips keys already there; returns ``(id, kind)``.

    ``insert_for`` is the dialect's INSERT (:meth:`runtime.store.dialects.StoreDialect.insert`).
    """
    statement = insert_for(_outbox).on_conflict_do_nothing()
    return statement.returning(_outbox.c.id, _outbox.c.kind)  # type: ignore[no-any-return]


@cache
def upsert_timer(insert_for: Callable[[Table], Any]) -> Executable:
    """INSERT of a timer that re-arms it (due time, purpose, data) if its key exists."""
    statement = insert_for(_timer)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["key"],
        set_={
            name: statement.excluded[name]
            for name in ("due_at", "purpose", "data", "status", "fired_at")
        },
    )
