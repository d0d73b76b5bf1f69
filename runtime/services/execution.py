"""The executor's side of the store: claim outbox entries, record step executions, fire timers.

Delivery of a background step's action is **at least once, keyed**: before calling out,
the executor records an execution row for the step's idempotency key
(``<run>:<step>:<attempt>``) in its own committed transaction. A duplicate delivery of a
key that finished, or that another worker holds under a live lease, never calls the
action again. Only when a worker dies *during* the call (the row is still ``running``
and its lease has passed) is the action called again with the same key, and the row's
``deliveries`` counts it. Actions that reach outside pass the key along
(:attr:`runtime.actions.base.ActionContext.idempotency_key`) so the far side can drop
the repeat; changes to the case (``case_updates``) commit in the same transaction as the
step's completion and therefore happen exactly once.

Every repeated delivery is logged on the run as ``step.redelivered``, naming the key,
and an answer that reaches a finished run (or loses to a later delivery) as
``event.ignored``, both published like the engine's lines.

The executor's other tables have modules of their own, whose names this module still
offers: the outbox (:mod:`runtime.services.outbox`), timers
(:mod:`runtime.services.timers`) and worker processes
(:mod:`runtime.services.worker_processes`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from graphs.dataflow import output_case_fields
from graphs.model import BackgroundStep
from runtime.engine.types import RunStep, StepCompleted, StepFailed, effect_from_json
from runtime.errors import NotFound
from runtime.observability.metrics import observe_step_after_commit
from runtime.services.cases import apply_case_changes
from runtime.services.outbox import (
    claim_outbox,
    due_outbox,
    finish_outbox,
    finish_outbox_many,
    release_outbox,
)
from runtime.services.run_events import (
    ACTIVE_STATUS_VALUES,
    append_note,
    apply_event,
    definition_for,
    lock_run,
)
from runtime.services.timers import due_timers, fire_timer, next_timer_due, pending_timers
from runtime.services.worker_processes import (
    forget_worker,
    heartbeat_worker,
    reclaim_claims,
    register_worker,
    worker_processes,
)
from runtime.store import statements as sql
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun
from runtime.store.tables import ExecutionStatus, OutboxStatus

__all__ = [
    "StepJob",
    "begin_step",
    "claim_outbox",
    "due_outbox",
    "due_timers",
    "finish_outbox",
    "finish_outbox_many",
    "finish_step",
    "fire_timer",
    "forget_worker",
    "heartbeat_worker",
    "next_timer_due",
    "pending_timers",
    "reclaim_claims",
    "register_worker",
    "release_outbox",
    "relock",
    "worker_processes",
]


@dataclass(frozen=True, slots=True)
class StepJob:
    """Everything a worker thread needs to call a step's action, read at claim time."""

    outbox_id: int
    key: str
    run_id: str
    case_id: str
    effect: RunStep
    case: dict[str, Any]
    delivery: int
    #: The rows :func:`begin_step` locked, for :func:`finish_step` in the same transaction.
    locked: tuple[LockedCase, LockedRun] | None = field(default=None, compare=False, repr=False)
    #: Called inside the transaction that began it: the execution row is written once,
    #: with the result, by :func:`finish_step` (``execution_exists``: as an UPDATE).
    inline: bool = False
    execution_exists: bool = False
    #: The claim already marked the outbox entry done (same transaction as the result).
    outbox_done: bool = False
    #: When the job was made (``time.monotonic``): its step's latency runs from here.
    begun: float = field(default_factory=time.monotonic, compare=False, repr=False)


def begin_step(
    session: Session,
    *,
    outbox_id: int,
    now: datetime,
    lease_margin_seconds: float,
    claim: bool = False,
    inline: Callable[[RunStep], bool] | None = None,
    owner: str | None = None,
) -> StepJob | None:
    """Record that a step's action is about to be called; ``None`` if it must not be.

    Commit before calling the action. Returns ``None`` (and marks the entry done where
    that is final) when the key already has a result, another worker holds it under a
    live lease, or the run no longer wants this attempt (cancelled, moved on).
    ``claim`` also claims the entry, in the same transaction, if it is due (the claim
    and the execution record then cost one commit instead of two).
    ``inline(effect)`` says whether the action will be called before this transaction
    ends; if so, nothing is written until :func:`finish_step` (``same_transaction``)
    writes the outcome: the claim, the record and the result are one set of writes.
    ``owner`` names the claiming worker process. A delivery of a key whose earlier
    delivery never answered is logged on the run as ``step.redelivered``.

    Rows are locked in the order every writer uses: case, run, outbox entry, execution.
    """
    found = dialect_of(session).step_entry(session, outbox_id)
    if found is None:
        return None
    (run_id, stored, key, status), execution, read = found
    if status == OutboxStatus.DONE:
        return None
    effect = effect_from_json(stored)
    if not isinstance(effect, RunStep):
        raise TypeError(f"outbox entry {outbox_id} is not a run_step effect: {effect.kind}")
    case: LockedCase | None
    run: LockedRun | None
    try:
        case, run = lock_run(session, run_id)
    except NotFound:
        case = run = None
    lease = now + timedelta(seconds=effect.timeout_seconds + lease_margin_seconds)
    in_transaction = inline is not None and inline(effect)
    if claim:
        # Called within this transaction, the step is settled by its end: the claim can
        # mark the entry done at once (a rollback undoes that with the rest).
        claimed = sql.write(
            session,
            *(
                (sql.CLAIM_AND_FINISH_STEP, [{"_id": outbox_id, "_now": now}])
                if in_transaction
                else (
                    sql.CLAIM_STEP,
                    [{"_id": outbox_id, "_now": now, "_lease": lease, "_owner": owner}],
                )
            ),
        )
        if claimed == 0:
            return None  # someone else claimed it meanwhile
    if not read:
        execution = sql.read_first(session, sql.EXECUTION_STATE, {"_key": key})
    if execution is not None and execution[0] != ExecutionStatus.RUNNING:
        finish_outbox(session, outbox_id=outbox_id, now=now)
        return None
    if execution is not None and execution[1] > now:
        return None  # another delivery is under way; its lease brings the entry back
    wanted = run is not None and _wants(run, effect)
    values: dict[str, Any] = (
        {"status": ExecutionStatus.RUNNING, "lease_until": lease}
        if wanted
        else {"status": ExecutionStatus.SKIPPED, "finished_at": now, "lease_until": now}
    )
    deliveries = (execution[2] if execution is not None else 0) + int(wanted)
    values["deliveries"] = deliveries
    if wanted and execution is not None:
        assert run is not None
        _log_redelivery(session, run=run, effect=effect, key=key, delivery=deliveries, now=now)
    job: StepJob | None = None
    if wanted:
        assert case is not None and run is not None
        job = StepJob(
            outbox_id=outbox_id,
            key=key,
            run_id=run.id,
            case_id=run.case_id,
            effect=effect,
            case=dict(case.fields),
            delivery=deliveries,
            locked=(case, run),
        )
    if job is not None and in_transaction:
        return replace(job, inline=True, execution_exists=execution is not None, outbox_done=claim)
    if execution is None:
        sql.write(
            session,
            sql.INSERT_EXECUTION,
            [
                {
                    "key": key,
                    "run_id": run_id,
                    "step_id": effect.step_id,
                    "attempt": effect.attempt,
                    "action": effect.action,
                    "started_at": now,
                    "finished_at": None,
                    "error": None,
                    "outputs": None,
                    **values,
                }
            ],
        )
    else:
        sql.write(session, sql.UPDATE_EXECUTION, [{"_key": key, **values}])
    if job is None:
        finish_outbox(session, outbox_id=outbox_id, now=now)
    return job


def relock(session: Session, job: StepJob) -> StepJob:
    """``job`` with its case and run read again, in the transaction that began it.

    For :func:`finish_step` after an inline action that wrote to the run (a log line of
    its own): the records :func:`begin_step` locked no longer show the run as it is.
    """
    return replace(job, locked=lock_run(session, job.run_id))


def _log_redelivery(
    session: Session, *, run: LockedRun, effect: RunStep, key: str, delivery: int, now: datetime
) -> None:
    data = _delivery(key, effect, delivery)
    data.update(action=effect.action, reason="the delivery before this one ended without an answer")
    _worker_note(session, run=run, now=now, kind="step.redelivered", effect=effect, data=data)


def _log_ignored(
    session: Session, *, run: LockedRun, job: StepJob, event: str, reason: str, now: datetime
) -> None:
    data = {"event": event, **_delivery(job.key, job.effect, job.delivery), "reason": reason}
    _worker_note(session, run=run, now=now, kind="event.ignored", effect=job.effect, data=data)


#: The log's actor for lines the executor writes itself.
WORKER_ACTOR = "worker"


def _delivery(key: str, effect: RunStep, delivery: int) -> dict[str, Any]:
    """What every note about a delivery names: the key, the attempt and which delivery."""
    return {"idempotency_key": key, "attempt": effect.attempt, "delivery": delivery}


def _worker_note(
    session: Session,
    *,
    run: LockedRun,
    now: datetime,
    kind: str,
    effect: RunStep,
    data: dict[str, Any],
) -> None:
    """A line of the executor's own on the run's log, about ``effect``'s step."""
    append_note(
        session, run=run, now=now, actor=WORKER_ACTOR, kind=kind, step_id=effect.step_id, data=data
    )


def _wants(run: LockedRun, effect: RunStep) -> bool:
    if run.status not in ACTIVE_STATUS_VALUES:
        return False
    step = run.run_state.steps.get(effect.step_id)
    return step is not None and step.attempt == effect.attempt and step.status == "running"


def finish_step(
    session: Session,
    *,
    job: StepJob,
    now: datetime,
    outputs: dict[str, Any] | None = None,
    case_updates: dict[str, Any] | None = None,
    error: str | None = None,
    retryable: bool = True,
    same_transaction: bool = False,
) -> bool:
    """Record the action's result and feed it to the run, in one transaction.

    ``case_updates`` are applied to the case here (every active run of the case sees a
    CaseUpdated), then the run gets its StepCompleted or StepFailed. Returns ``False``
    when the result came too late to count (another delivery recorded one first).
    ``same_transaction``: :func:`begin_step` ran in this transaction, so the rows it
    locked are still locked and current.
    """
    same = same_transaction and job.locked is not None
    if same:
        assert job.locked is not None
        case, run = job.locked
    else:
        case, run = lock_run(session, job.run_id)
    if not (same and job.outbox_done):
        finish_outbox(session, outbox_id=job.outbox_id, now=now)
    effect = job.effect
    values: dict[str, Any] = {"finished_at": now, "lease_until": now}
    if error is None:
        values.update(status=ExecutionStatus.SUCCEEDED, outputs=dict(outputs or {}))
    else:
        values.update(status=ExecutionStatus.FAILED, error=error[:4000])
    if same and job.inline:
        # Begun in this transaction with nothing written yet: record the outcome once.
        values["deliveries"] = job.delivery
        if job.execution_exists:
            sql.write(session, sql.UPDATE_EXECUTION, [{"_key": job.key, **values}])
        else:
            sql.write(
                session,
                sql.INSERT_EXECUTION,
                [
                    {
                        "key": job.key, "run_id": job.run_id, "step_id": effect.step_id,
                        "attempt": effect.attempt, "action": effect.action, "started_at": now,
                        "error": None, "outputs": None, **values,
                    }
                ],
            )  # fmt: skip
    else:
        # Only the delivery that still owns the key may record a result: a later
        # delivery (``deliveries`` moved on) or a recorded result makes this one too late.
        recorded = sql.write(
            session, sql.FINISH_EXECUTION, [{"_key": job.key, "_delivery": job.delivery, **values}]
        )
        if recorded == 0:
            _log_ignored(
                session, run=run, job=job, now=now,
                event="step_completed" if error is None else "step_failed",
                reason="a later delivery of this step holds it, or answered first",
            )  # fmt: skip
            return False
    observe_step_after_commit(
        session, action=effect.action, succeeded=error is None,
        seconds=time.monotonic() - job.begun,
    )  # fmt: skip
    if error is None:
        new_case: dict[str, Any] | None = None
        # Outputs the step maps to case fields are written with what the action wrote.
        case_updates = {
            **_mapped_outputs(session, run, effect.step_id, outputs),
            **(case_updates or {}),
        }
        if run.status in ACTIVE_STATUS_VALUES and case_updates:
            # The step's own run learns the new case with its completion (one transition
            # instead of a CaseUpdated and then the StepCompleted) when the engine will
            # take this completion; otherwise it gets the CaseUpdated like the others.
            current = _wants(run, effect)
            previous = apply_case_changes(
                session,
                case=case,
                changes=case_updates,
                actor=f"step:{effect.step_id}",
                now=now,
                skip_run_id=run.id if current else None,
            )
            if previous is not None and current:
                new_case = dict(case.fields)
        event: StepCompleted | StepFailed = StepCompleted(
            step_id=effect.step_id,
            attempt=effect.attempt,
            outputs=dict(outputs or {}),
            case=new_case,
        )
    else:
        event = StepFailed(
            step_id=effect.step_id, attempt=effect.attempt, error=error, retryable=retryable
        )
    if run.status in ACTIVE_STATUS_VALUES:
        apply_event(session, run=run, case=case, event=event, now=now)
    else:
        _log_ignored(
            session, run=run, job=job, event=event.kind, now=now,
            reason=f"the run is {run.status}: the answer came after it finished",
        )  # fmt: skip
    return True


def _mapped_outputs(
    session: Session, run: LockedRun, step_id: str, outputs: dict[str, Any] | None
) -> dict[str, Any]:
    if not outputs:
        return {}
    step = definition_for(session, run.workflow_id, run.version).workflow.step(step_id)
    return output_case_fields(step, outputs) if isinstance(step, BackgroundStep) else {}
