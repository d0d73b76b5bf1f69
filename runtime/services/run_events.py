"""The one path by which a run changes: lock, transition, persist, all in the caller's transaction.

Every state change of a run goes through :func:`apply_event` (or :func:`start_run_for`
for a new run). Inside the caller's transaction it

1. locks the case row, then the run row (:mod:`runtime.services.run_locks`);
2. runs the pure engine transition with the *latest* case record, on the version's
   compiled definition (:mod:`runtime.services.definitions`);
3. writes the new snapshot, the log rows, the input event (for replay) and the effects
   (:mod:`runtime.services.local_effects`).

The hot path's statements are built once (:mod:`runtime.store.statements`): building a
statement costs more than running it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from runtime.engine import transition as engine_transition
from runtime.engine.state_migrations import stamp_event
from runtime.engine.types import (
    ACTIVE_RUN_STATUSES,
    CaseCreated,
    Event,
    LogEvent,
    RunIdentity,
    RunState,
    Transition,
)
from runtime.engine.types import log_json as log_line_json
from runtime.services.definitions import (
    Definition,
    clear_caches,
    definition_for,
    triggered_definitions,
)
from runtime.services.local_effects import CaseLike, perform_local_effects, publish_lines
from runtime.services.run_locks import active_runs_of_case, lock_case, lock_run
from runtime.store import state_cache
from runtime.store import statements as sql
from runtime.store.records import LockedRun, written
from runtime.store.tables import RunRow

__all__ = [
    "ACTIVE_STATUS_VALUES",
    "NOTE_KIND",
    "CaseLike",
    "Definition",
    "active_runs_of_case",
    "append_note",
    "apply_event",
    "clear_caches",
    "definition_for",
    "lock_case",
    "lock_run",
    "new_id",
    "snapshot_columns",
    "start_run_for",
    "triggered_definitions",
]

logger = logging.getLogger("baton.store")

ACTIVE_STATUS_VALUES = tuple(str(status) for status in ACTIVE_RUN_STATUSES)

#: ``kind`` of a run input written by the store, not the engine: a log-only note.
NOTE_KIND = "store.note"

#: Run columns every transition changes; the others are written only when they change.
_ALWAYS_WRITTEN = frozenset({"state", "seq", "updated_at", "inputs"})


def new_id() -> str:
    """A fresh random id for a case or run (32 hex digits)."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------- transitions


def start_run_for(
    session: Session,
    *,
    definition: Definition,
    case: CaseLike,
    actor: str,
    now: datetime,
    run_id: str | None = None,
) -> LockedRun:
    """Start a run of ``definition`` for ``case`` (already locked) and persist its first steps.

    Returns the run as a record, like a lock returns it (the attributes of a ``RunRow``).
    """
    run_id = run_id or new_id()
    event = CaseCreated(case=dict(case.fields), actor=actor)
    identity = RunIdentity(
        run_id=run_id, workflow_id=definition.workflow_id, version=definition.version,
        case_id=case.id,
    )  # fmt: skip
    result = engine_transition(definition.compiled, None, event, now, identity=identity)
    # The row as it is before its first input; _persist inserts it with the outcome.
    run = LockedRun(
        id=run_id, workflow_id=definition.workflow_id, version=definition.version,
        case_id=case.id, status=str(result.state.status), node_id=None, node_entered_at=None,
        sla_state=None, sla_due_at=None, sla_warning_at=None, seq=0, inputs=0, started_at=now,
        finished_at=None, updated_at=now, run_state=result.state,
    )  # fmt: skip
    _persist(session, run=run, case=case, event=event, result=result, now=now, new=True)
    return run


def apply_event(
    session: Session, *, run: LockedRun, case: CaseLike, event: Event, now: datetime
) -> Transition:
    """Feed ``event`` to the run (both rows locked by the caller) and persist the outcome."""
    definition = definition_for(session, run.workflow_id, run.version)
    state = run.run_state
    # The engine learns the latest case from CaseCreated/CaseUpdated, and every case
    # change reaches every active run as a CaseUpdated (see services.cases), so the
    # snapshot's copy of the case is never stale.
    result = engine_transition(definition.compiled, state, event, now)
    _persist(session, run=run, case=case, event=event, result=result, now=now)
    return result


def snapshot_columns(state: RunState) -> dict[str, Any]:
    """The run row's snapshot and the columns copied from it (what listings filter on).

    A stopped SLA clock leaves the SLA columns empty: the run is no longer at risk.
    """
    clock = state.sla if state.sla is not None and state.sla.stopped_at is None else None
    return {
        # As its JSON text: the column binds it as it is (runtime.store.column_types).
        "state": state.model_dump_json(),
        "status": str(state.status),
        "node_id": state.node_id,
        "node_entered_at": state.node_entered_at,
        "sla_state": clock.state if clock is not None else None,
        "sla_due_at": clock.due_at if clock is not None else None,
        "sla_warning_at": clock.warning_at if clock is not None else None,
        "seq": state.seq,
        "finished_at": state.finished_at,
    }


def _persist(
    session: Session,
    *,
    run: LockedRun,
    case: CaseLike,
    event: Event,
    result: Transition,
    now: datetime,
    new: bool = False,
) -> None:
    state = result.state
    previous_seq = run.seq
    expected = previous_seq + 1
    for line in result.log:
        if line.seq != expected:
            raise AssertionError(
                f"engine log for run {run.id} jumps from seq {expected - 1} to {line.seq}"
            )
        expected += 1
    values = {**snapshot_columns(state), "updated_at": now, "inputs": run.inputs + 1}
    if new:
        # The run row first (a statement, at once): the rows written next point at it.
        changed = values
        sql.write(
            session,
            sql.INSERT_RUN,
            [
                {
                    "id": run.id, "workflow_id": run.workflow_id, "version": run.version,
                    "case_id": run.case_id, "started_at": run.started_at, **values,
                }
            ],
        )  # fmt: skip
    else:
        # One UPDATE of the row we hold locked. Only the columns that changed: SQLite
        # rewrites every index holding a column named in SET, and the run's listing
        # indexes hold its status, node and SLA, which most transitions leave as they were.
        changed = {
            name: value
            for name, value in values.items()
            if name in _ALWAYS_WRITTEN or getattr(run, name) != value
        }
        sql.write(session, sql.UPDATE_RUN, [{"_id": run.id, **changed}])
        written(session, RunRow, run.id, changed)
    for name, value in changed.items():
        if name != "state":  # the record holds the model, not its JSON
            setattr(run, name, value)
    run.run_state = state
    state_cache.keep_after_commit(session, run.id, run.inputs, state)
    log_json = [log_line_json(line) for line in result.log]
    # Core inserts: the log and inputs are append-only and never read back in this
    # transaction, so ORM objects would only cost time on the hot path.
    _record_input(session, run, now, event.model_dump(mode="json"))
    if result.log:
        sql.write(
            session,
            sql.INSERT_RUN_EVENTS,
            [
                {
                    "run_id": run.id,
                    "seq": line.seq,
                    "at": line.at,
                    "actor": line.actor,
                    "kind": line.kind,
                    "node_id": line.node_id,
                    "step_id": line.step_id,
                    "data": dumped["data"],
                }
                for line, dumped in zip(result.log, log_json, strict=True)
            ],
        )
    perform_local_effects(session, run=run, case=case, result=result, now=now, log_json=log_json)


def _record_input(session: Session, run: LockedRun, now: datetime, event: dict[str, Any]) -> None:
    """Record the run's latest input (numbered ``run.inputs``), the replay's source."""
    stamp_event(event)  # so that a later Baton knows which format to upgrade it from
    sql.write(
        session,
        sql.INSERT_RUN_INPUT,
        [{"run_id": run.id, "n": run.inputs, "at": now, "event": event, "seq": run.seq}],
    )


def append_note(
    session: Session,
    *,
    run: LockedRun,
    now: datetime,
    actor: str,
    kind: str,
    step_id: str | None,
    data: dict[str, Any],
) -> None:
    """Append a log line that is not the engine's (a reassignment) to the locked ``run``.

    The snapshot's ``seq`` moves on with it and a note input is recorded, so the log stays
    gap-free and :func:`runtime.services.runs.replay_run` still equals the snapshot. The
    line is published after commit like the engine's (``run.updated``).
    """
    state = run.run_state.model_copy(update={"seq": run.run_state.seq + 1})
    run.run_state, run.seq, run.updated_at = state, state.seq, now
    run.inputs += 1
    values = {
        "state": state.model_dump_json(),
        "seq": run.seq,
        "updated_at": now,
        "inputs": run.inputs,
    }
    sql.write(session, sql.UPDATE_RUN, [{"_id": run.id, **values}])
    written(session, RunRow, run.id, values)
    _record_input(session, run, now, {"kind": NOTE_KIND, "log_lines": 1, "log_kind": kind})
    line = {
        "run_id": run.id,
        "seq": state.seq,
        "at": now,
        "actor": actor,
        "kind": kind,
        "node_id": state.node_id,
        "step_id": step_id,
        "data": data,
    }
    sql.write(session, sql.INSERT_RUN_EVENTS, [line])
    state_cache.keep_after_commit(session, run.id, run.inputs, state)
    logged = LogEvent(
        seq=state.seq,
        at=now,
        actor=actor,
        kind=kind,
        node_id=state.node_id,
        step_id=step_id,
        data=data,
    )
    publish_lines(session, run, "run.updated", [log_line_json(logged)], {}, 1, now)
