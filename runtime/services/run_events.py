"""The one path by which a run changes: lock, transition, persist, all in the caller's transaction.

Every state change of a run goes through :func:`apply_event` (or :func:`start_run_for`
for a new run). Inside the caller's transaction it

1. locks the case row, then the run row (always in that order, so two writers of one
   case never deadlock): ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
   transaction itself began with ``BEGIN IMMEDIATE`` (:func:`runtime.db.make_engine`);
2. runs the pure engine transition with the *latest* case record;
3. writes the new snapshot, the log rows, the input event (for replay) and the effects.

Effects that only touch this database (work items, timers) are applied right here, in
the same transaction as the transition that asked for them: nothing can be lost between
the two and no worker is needed for them. Running a background step's action reaches
outside: it becomes an outbox row, performed after commit by :mod:`runtime.executor`,
idempotently by its key. Publishing to watchers happens after commit too: handed to
the worker watching this process's commits, or, with none, an outbox row for the worker
process (:mod:`runtime.store.after_commit`).

The hot path's statements are built once (:mod:`runtime.store.statements`): building a
statement costs more than running it.
"""

from __future__ import annotations

import logging
import threading
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from graphs.model import InteractiveStep, StageNode, TriggerEvent, Workflow
from runtime.engine import transition as engine_transition
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.engine.state_migrations import stamp_event, upgrade_snapshot
from runtime.engine.types import (
    ACTIVE_RUN_STATUSES,
    CancelTimer,
    CancelWorkItem,
    CaseCreated,
    CreateWorkItem,
    Escalate,
    Event,
    LogEvent,
    Publish,
    RunIdentity,
    RunState,
    RunStep,
    ScheduleTimer,
    Transition,
    effect_json,
)
from runtime.engine.types import log_json as log_line_json
from runtime.errors import NotFound
from runtime.routing import choose_assignee, item_closed
from runtime.routing.calendars import with_calendars
from runtime.routing.escalations import perform_escalation
from runtime.store import state_cache
from runtime.store import statements as sql
from runtime.store.after_commit import (
    OUTBOX_WRITTEN,
    TIMERS_WRITTEN,
    publish_after_commit,
)
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun, case_from, run_from, written
from runtime.store.tables import (
    CaseRow,
    OutboxStatus,
    RunRow,
    TimerStatus,
    WorkItemStatus,
)
from runtime.store.workflow_tables import WorkflowVersionRow

__all__ = [
    "ACTIVE_STATUS_VALUES",
    "NOTE_KIND",
    "Definition",
    "append_note",
    "apply_event",
    "clear_caches",
    "definition_for",
    "lock_case",
    "lock_run",
    "new_id",
    "start_run_for",
    "triggered_definitions",
]

logger = logging.getLogger("baton.store")

ACTIVE_STATUS_VALUES = tuple(str(status) for status in ACTIVE_RUN_STATUSES)

#: ``kind`` of a run input written by the store, not the engine: a log-only note.
NOTE_KIND = "store.note"

#: Run columns every transition changes; the others are written only when they change.
_ALWAYS_WRITTEN = frozenset({"state", "seq", "updated_at", "inputs"})
_INPUTS = sql.RUN_COLUMNS.index("inputs")
_SEQ = sql.RUN_COLUMNS.index("seq")

#: A case as a transition takes it: a record (locked or just created) or a caller's ORM row.
CaseLike = CaseRow | LockedCase


def new_id() -> str:
    """A fresh random id for a case or run (32 hex digits)."""
    return uuid.uuid4().hex


# ---------------------------------------------------------------------------- definitions


@dataclass(frozen=True, slots=True)
class Definition:
    """A published version, compiled once: versions are immutable, so this is cacheable."""

    workflow_id: str
    version: int
    workflow: Workflow
    compiled: CompiledWorkflow


_cache_lock = threading.Lock()
# Per database engine, so two databases in one process (tests) never share entries.
_cache: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], Definition]] = (
    weakref.WeakKeyDictionary()
)


def clear_caches() -> None:
    """Forget every compiled definition and kept snapshot (tests that reuse a database
    after wiping it)."""
    with _cache_lock:
        _cache.clear()
    state_cache.clear()


def _bind_key(session: Session) -> Any:
    bind = session.get_bind()
    return getattr(bind, "engine", bind)


def definition_for(session: Session, workflow_id: str, version: int) -> Definition:
    """The compiled definition of one published version; :class:`NotFound` if unknown."""
    key = (workflow_id, version)
    bind = _bind_key(session)
    with _cache_lock:
        found = _cache.get(bind, {}).get(key)
    if found is not None:
        return found
    row = session.exec(
        select(WorkflowVersionRow).where(
            WorkflowVersionRow.workflow_id == workflow_id, WorkflowVersionRow.version == version
        )
    ).first()
    if row is None:
        raise NotFound("workflow version", f"{workflow_id}@{version}")
    workflow = Workflow.model_validate(row.definition)
    compiled = with_calendars(session, compile_workflow(workflow))
    definition = Definition(workflow_id, version, workflow, compiled)
    with _cache_lock:
        _cache.setdefault(bind, {})[key] = definition
    return definition


def triggered_definitions(session: Session, on: TriggerEvent) -> list[Definition]:
    """Active versions of record-triggered workflows whose trigger fires on ``on``."""
    wanted = {on, TriggerEvent.CREATE_OR_UPDATE}
    rows = sql.read_all(session, sql.RECORD_TRIGGERS, {})
    found = []
    for workflow_id, active in rows:
        definition = definition_for(session, workflow_id, int(active))
        trigger = definition.workflow.trigger
        if trigger.kind == "record" and trigger.on in wanted:
            found.append(definition)
    return found


# ---------------------------------------------------------------------------- locks


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
    clock = state.sla if state.sla is not None and state.sla.stopped_at is None else None
    values = {
        "state": state.model_dump(mode="json"),
        "status": str(state.status),
        "node_id": state.node_id,
        "node_entered_at": state.node_entered_at,
        "sla_state": clock.state if clock is not None else None,
        "sla_due_at": clock.due_at if clock is not None else None,
        "sla_warning_at": clock.warning_at if clock is not None else None,
        "seq": state.seq,
        "finished_at": state.finished_at,
        "updated_at": now,
        "inputs": run.inputs + 1,
    }
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
    _perform_local_effects(session, run=run, case=case, result=result, now=now, log_json=log_json)


def _record_input(session: Session, run: LockedRun, now: datetime, event: dict[str, Any]) -> None:
    """Record the run's latest input (numbered ``run.inputs``), the replay's source."""
    stamp_event(event)  # so that a later Baton knows which format to upgrade it from
    sql.write(
        session,
        sql.INSERT_RUN_INPUT,
        [{"run_id": run.id, "n": run.inputs, "at": now, "event": event, "seq": run.seq}],
    )


def _perform_local_effects(
    session: Session,
    *,
    run: LockedRun,
    case: CaseLike,
    result: Transition,
    now: datetime,
    log_json: list[dict[str, Any]],
) -> None:
    publish_index = 0
    steps: list[dict[str, Any]] = []
    for effect in result.effects:
        if isinstance(effect, RunStep):
            steps.append(
                {
                    "run_id": run.id,
                    "kind": effect.kind,
                    "effect": effect_json(effect),
                    "idempotency_key": f"{run.id}:{effect.step_id}:{effect.attempt}",
                    "status": str(OutboxStatus.PENDING),
                    "attempts": 0,
                    "available_at": now,
                    "created_at": now,
                }
            )
        elif isinstance(effect, Publish):
            publish_index += 1
            _publish(session, run, effect.topic, log_json, effect.data, publish_index, now)
        elif isinstance(effect, CreateWorkItem):
            _create_work_item(session, run=run, case=case, item=effect, now=now)
        elif isinstance(effect, CancelWorkItem):
            sql.write(
                session,
                sql.CANCEL_WORK_ITEM,
                [{"_key": effect.work_item_key, "_reason": effect.reason}],
            )
            # The holder's room goes to the best waiting item at once.
            item_closed(session, key=effect.work_item_key, outcome="cancelled", now=now)
        elif isinstance(effect, ScheduleTimer):
            _schedule_timer(session, run=run, timer=effect, now=now)
        elif isinstance(effect, CancelTimer):
            sql.write(session, sql.CANCEL_TIMER, [{"_key": effect.timer_key}])
        elif isinstance(effect, Escalate):
            perform_escalation(
                session,
                run_id=run.id,
                case_id=run.case_id,
                case=case.fields,
                effect=effect,
                now=now,
            )
        else:  # pragma: no cover - the Effect union is closed
            raise TypeError(f"unknown effect {effect!r}")
    if steps:
        # Idempotent by key: a second copy of an effect inserts nothing (and returns no id).
        written = sql.write_returning(
            session, sql.insert_outbox_once(dialect_of(session).insert), steps
        )
        known = session.info.get(OUTBOX_WRITTEN, [])
        if known is not None:
            # Their ids: a worker in this process can take them up without a query.
            session.info[OUTBOX_WRITTEN] = [*known, *((int(i), str(k)) for i, k in written)]


def _publish(
    session: Session,
    run: LockedRun,
    topic: str,
    log_json: list[dict[str, Any]],
    extra: dict[str, Any],
    index: int,
    now: datetime,
) -> None:
    """Publish the run's new log lines after commit (:func:`runtime.live.publish`)."""
    data = {
        "run_id": run.id,
        "workflow_id": run.workflow_id,
        "version": run.version,
        "case_id": run.case_id,
        "status": run.status,
        "node_id": run.node_id,
        "seq": run.seq,
        "events": log_json,
        **extra,
    }
    publish_after_commit(
        session,
        run_id=run.id,
        topic=topic,
        data=data,
        idempotency_key=f"{run.id}:publish:{run.inputs}:{index}",
        now=now,
    )


def _prefers_previous_agent(session: Session, run: LockedRun, item: CreateWorkItem) -> bool:
    """The step's ``assignment.prefer_previous_agent`` (rework goes back to who did it)."""
    workflow = definition_for(session, run.workflow_id, run.version).workflow
    for node in workflow.nodes:
        if isinstance(node, StageNode):
            for step in node.steps:
                if step.id == item.step_id and isinstance(step, InteractiveStep):
                    return step.assignment.prefer_previous_agent
    return True


def _create_work_item(
    session: Session, *, run: LockedRun, case: CaseLike, item: CreateWorkItem, now: datetime
) -> None:
    exists = sql.read_first(session, sql.WORK_ITEM_EXISTS, {"_key": item.work_item_key})
    if exists is not None:
        return  # the same attempt's item exists: creating it again must not duplicate it
    assignee = choose_assignee(
        session, item=item, case=case.fields, now=now, run=run,
        prefer_previous=item.attempt > 1 and _prefers_previous_agent(session, run, item),
    )  # fmt: skip
    sql.write(
        session,
        sql.INSERT_WORK_ITEM,
        [
            {
                "key": item.work_item_key,
                "run_id": run.id,
                "case_id": run.case_id,
                "step_id": item.step_id,
                "attempt": item.attempt,
                "title": item.title,
                "queue": item.queue,
                "assignee": assignee,
                "skills": list(item.skills),
                "strategy": str(item.strategy) if item.strategy else None,
                "form": [field.model_dump(mode="json") for field in item.form],
                "status": str(WorkItemStatus.OPEN),
                "due_at": item.due_at,
                "created_at": now,
                "completed_at": None,
                "completed_by": None,
                "data": {},
                "cancel_reason": None,
            }
        ],
    )


def _schedule_timer(
    session: Session, *, run: LockedRun, timer: ScheduleTimer, now: datetime
) -> None:
    # Re-arming a key (say, an SLA timer after a re-entry) replaces its due time: an
    # upsert, one statement either way.
    values = {
        "key": timer.timer_key,
        "run_id": run.id,
        "due_at": timer.due_at,
        "purpose": timer.purpose,
        "data": dict(timer.data),
        "status": str(TimerStatus.PENDING),
        "created_at": now,
        "fired_at": None,
    }
    sql.write(session, sql.upsert_timer(dialect_of(session).insert), [values])
    # The earliest due time this transaction wrote: a watching worker knows when to look.
    earliest = session.info.get(TIMERS_WRITTEN)
    if earliest is None or timer.due_at < earliest:
        session.info[TIMERS_WRITTEN] = timer.due_at


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
        "state": state.model_dump(mode="json"),
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
    _publish(session, run, "run.updated", [log_line_json(logged)], {}, 1, now)
