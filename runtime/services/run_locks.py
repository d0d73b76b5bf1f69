"""Locking a run's rows for a transaction, always the case first and then the run.

Two writers of one case never deadlock because every writer takes the locks in this
order: ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the transaction itself began
with ``BEGIN IMMEDIATE`` (:func:`runtime.db.make_engine`). A locked run comes back as a
record with its snapshot, read from the kept copy when it is current.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from runtime.engine.state_migrations import upgrade_snapshot
from runtime.engine.types import RunState
from runtime.errors import NotFound
from runtime.store import state_cache
from runtime.store import statements as sql
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun, case_from, run_from

__all__ = ["active_runs_of_case", "lock_case", "lock_run"]

_INPUTS = sql.RUN_COLUMNS.index("inputs")
_SEQ = sql.RUN_COLUMNS.index("seq")


def lock_case(session: Session, case_id: str) -> LockedCase:
    """The case row, locked for this transaction and freshly read."""
    row = sql.read_first(session, sql.LOCK_CASE, {"_case_id": case_id})
    if row is None:
        raise NotFound("case", case_id)
    return case_from(row)


def _run_record(session: Session, values: tuple[Any, ...]) -> LockedRun:
    run_id, inputs = values[0], values[_INPUTS]
    state = state_cache.kept(session, run_id, inputs)
    if state is None or state.seq != values[_SEQ]:  # (seq: a row rewritten by hand)
        found = sql.read_first(session, sql.RUN_STATE, {"_run_id": run_id})
        assert found is not None  # the row is locked
        state = RunState.model_validate(upgrade_snapshot(found[0]))
    return run_from(values, state)


def lock_run(session: Session, run_id: str) -> tuple[LockedCase, LockedRun]:
    """The run's case and the run, both locked (case first), both freshly read."""
    rows = dialect_of(session).lock_case_and_run(session, run_id)
    if rows is None:
        raise NotFound("run", run_id)
    case, run = rows
    return case_from(case), _run_record(session, run)


def active_runs_of_case(session: Session, case_id: str) -> list[LockedRun]:
    """The case's unfinished runs, locked; call with the case already locked."""
    return [
        _run_record(session, row)
        for row in sql.read_all(session, sql.ACTIVE_RUNS_OF_CASE, {"_case_id": case_id})
    ]
