"""The effects of a transition that touch only this database, applied in its transaction.

Work items, timers and escalations are written right here, with the transition that
asked for them: nothing can be lost between the two and no worker is needed. A
background step's action reaches outside, so it becomes an outbox row, performed after
commit by :mod:`runtime.executor`, idempotently by its key. Publishing to watchers
happens after commit too (:mod:`runtime.store.after_commit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from graphs.model import InteractiveStep, StageNode
from runtime.engine.types import (
    CancelTimer,
    CancelWorkItem,
    CreateWorkItem,
    Escalate,
    Publish,
    RunStep,
    ScheduleTimer,
    Transition,
    effect_json,
)
from runtime.routing import choose_assignee, item_closed
from runtime.routing.escalations import perform_escalation
from runtime.services.definitions import definition_for
from runtime.store import statements as sql
from runtime.store.after_commit import OUTBOX_WRITTEN, TIMERS_WRITTEN, publish_after_commit
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun
from runtime.store.tables import CaseRow, OutboxStatus, TimerStatus, WorkItemStatus

__all__ = ["CaseLike", "perform_local_effects", "publish_lines"]

#: A case as a transition takes it: a record (locked or just created) or a caller's ORM row.
CaseLike = CaseRow | LockedCase


def perform_local_effects(
    session: Session,
    *,
    run: LockedRun,
    case: CaseLike,
    result: Transition,
    now: datetime,
    log_json: list[dict[str, Any]],
) -> None:
    """Apply ``result``'s effects here; a background step becomes an outbox row."""
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
            publish_lines(session, run, effect.topic, log_json, effect.data, publish_index, now)
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
        written = sql.insert_returning(
            session, sql.insert_outbox_once(dialect_of(session).insert), steps
        )
        known = session.info.get(OUTBOX_WRITTEN, [])
        if known is not None:
            # Their ids: a worker in this process can take them up without a query.
            session.info[OUTBOX_WRITTEN] = [*known, *((int(i), str(k)) for i, k in written)]


def publish_lines(
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
