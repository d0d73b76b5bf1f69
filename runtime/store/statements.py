"""The statements of the run hot path, built once.

Building a SQLAlchemy statement (``select(...).where(...)``) and computing its cache key
costs several times more than running it on SQLite (~100 µs against ~25 µs for an
UPDATE of one row on this machine), and a run's transition issues a dozen of them. So
the statements every transition, step and timer uses are built here, once, with named
parameters, and executed with a dict of values on the session's DBAPI connection
(:mod:`runtime.store.driver`, whose functions this module offers too). Values are still
converted by the columns' types (aware datetimes, JSON), as for any statement.

An UPDATE built without ``.values()`` takes its SET clause from the keys of the
parameters given at execution; keys that are not columns fill the named parameters of
the WHERE clause (named ``_<name>`` here so they never clash with a column).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, insert, or_, select, update
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from runtime.engine.types import ACTIVE_RUN_STATUSES
from runtime.store.driver import insert_returning, read_all, read_first, write, write_returning
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
    "insert_returning",
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


# ---------------------------------------------------------------------------- per dialect


@cache
def insert_outbox_once(insert_for: Callable[[Table], Any]) -> Insert:
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
