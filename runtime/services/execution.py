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

Each claim names the worker process holding it (``outbox.claimed_by``, a
``worker_process`` row). A worker that finds such a process gone (:func:`reclaim_claims`)
hands its claims back at once, so a restart repeats a cut-off call within seconds rather
than after the lease. Every repeated delivery is logged on the run as
``step.redelivered``, naming the key, and an answer that reaches a finished run (or
loses to a later delivery) as ``event.ignored``, both published like the engine's lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from graphs.dataflow import output_case_fields
from graphs.model import BackgroundStep
from runtime.engine.types import (
    ACTIVE_RUN_STATUSES,
    RunStep,
    StepCompleted,
    StepFailed,
    TimerFired,
    effect_from_json,
)
from runtime.errors import NotFound
from runtime.services.cases import apply_case_changes
from runtime.services.run_events import append_note, apply_event, definition_for, lock_run
from runtime.store import statements as sql
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun, written
from runtime.store.tables import (
    ExecutionRow,
    ExecutionStatus,
    OutboxRow,
    OutboxStatus,
    TimerRow,
    TimerStatus,
    WorkerProcessRow,
)

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
    "worker_processes",
]

#: The log's actor for lines the executor writes itself.
WORKER_ACTOR = "worker"

_ACTIVE = tuple(str(s) for s in ACTIVE_RUN_STATUSES)


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


def _lock_for_claim(query: Any, session: Session) -> Any:
    return dialect_of(session).claimable(query)


def claim_outbox(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease_margin_seconds: float,
    kinds: tuple[str, ...] | None = None,
    owner: str | None = None,
) -> list[OutboxRow]:
    """Claim up to ``limit`` due entries (pending, or claimed with an expired lease).

    A claimed entry's ``available_at`` becomes its lease: if the claimer dies, the entry
    is due again when the lease runs out, or as soon as a worker finds its ``owner``
    process gone (:func:`reclaim_claims`). A step's lease covers its timeout.
    """
    query = select(OutboxRow).where(
        col(OutboxRow.status).in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        col(OutboxRow.available_at) <= now,
    )
    if kinds is not None:
        query = query.where(col(OutboxRow.kind).in_(kinds))
    query = query.order_by(col(OutboxRow.available_at), col(OutboxRow.id)).limit(limit)
    rows = list(session.exec(_lock_for_claim(query, session)).all())
    for row in rows:
        timeout = float(row.effect.get("timeout_seconds", 0.0))
        row.status = OutboxStatus.CLAIMED
        row.attempts += 1
        row.available_at = now + timedelta(seconds=timeout + lease_margin_seconds)
        row.claimed_by = owner
        session.add(row)
    return rows


def finish_outbox(session: Session, *, outbox_id: int, now: datetime) -> None:
    """Mark an outbox entry done."""
    sql.write(session, sql.FINISH_OUTBOX, [{"_id": outbox_id, "_now": now}])


def finish_outbox_many(session: Session, *, outbox_ids: list[int], now: datetime) -> None:
    """Mark several outbox entries done at once."""
    if outbox_ids:
        session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(outbox_ids))
            .values(status=OutboxStatus.DONE, done_at=now)
        )


def release_outbox(
    session: Session,
    *,
    outbox_id: int,
    now: datetime,
    error: str,
    retry_in_seconds: float | None,
) -> None:
    """Give an entry back after a failed delivery: due again later, or failed for good."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if retry_in_seconds is None:
        values.update(status=OutboxStatus.FAILED, done_at=now)
    else:
        values.update(
            status=OutboxStatus.PENDING, available_at=now + timedelta(seconds=retry_in_seconds)
        )
    session.execute(update(OutboxRow).where(col(OutboxRow.id) == outbox_id).values(**values))


def due_outbox(session: Session, *, now: datetime, limit: int) -> list[tuple[int, str]]:
    """``(id, kind)`` of up to ``limit`` due entries, oldest first, without claiming them."""
    rows = sql.read_all(session, sql.DUE_OUTBOX, {"_now": now, "_limit": limit})
    return [(int(i), str(kind)) for i, kind in rows]


def begin_step(
    session: Session,
    *,
    outbox_id: int,
    now: datetime,
    lease_margin_seconds: float,
    claim: bool = False,
    inline: Callable[[str], bool] | None = None,
    owner: str | None = None,
) -> StepJob | None:
    """Record that a step's action is about to be called; ``None`` if it must not be.

    Commit before calling the action. Returns ``None`` (and marks the entry done where
    that is final) when the key already has a result, another worker holds it under a
    live lease, or the run no longer wants this attempt (cancelled, moved on).
    ``claim`` also claims the entry, in the same transaction, if it is due (the claim
    and the execution record then cost one commit instead of two).
    ``inline(action)`` says whether the action will be called before this transaction
    ends; if so, nothing is written until :func:`finish_step` (``same_transaction``)
    writes the outcome: the claim, the record and the result are one set of writes.
    ``owner`` names the claiming worker process. A delivery of a key whose earlier
    delivery never answered is logged on the run as ``step.redelivered``.

    Rows are locked in the order every writer uses: case, run, outbox entry, execution.
    """
    entry = sql.read_first(session, sql.OUTBOX_ENTRY, {"_id": outbox_id})
    if entry is None:
        return None
    run_id, stored, key, status = entry
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
    in_transaction = inline is not None and inline(effect.action)
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
    if wanted and in_transaction:
        assert case is not None and run is not None
        return StepJob(
            outbox_id=outbox_id,
            key=key,
            run_id=run.id,
            case_id=run.case_id,
            effect=effect,
            case=dict(case.fields),
            delivery=deliveries,
            locked=(case, run),
            inline=True,
            execution_exists=execution is not None,
            outbox_done=claim,
        )
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
    if not wanted:
        finish_outbox(session, outbox_id=outbox_id, now=now)
        return None
    assert case is not None and run is not None
    return StepJob(
        outbox_id=outbox_id,
        key=key,
        run_id=run.id,
        case_id=run.case_id,
        effect=effect,
        case=dict(case.fields),
        delivery=deliveries,
        locked=(case, run),
    )


def _log_redelivery(
    session: Session, *, run: LockedRun, effect: RunStep, key: str, delivery: int, now: datetime
) -> None:
    append_note(
        session,
        run=run,
        now=now,
        actor=WORKER_ACTOR,
        kind="step.redelivered",
        step_id=effect.step_id,
        data={
            "idempotency_key": key,
            "attempt": effect.attempt,
            "delivery": delivery,
            "action": effect.action,
            "reason": "the delivery before this one ended without an answer",
        },
    )


def _log_ignored(
    session: Session, *, run: LockedRun, job: StepJob, event: str, reason: str, now: datetime
) -> None:
    append_note(
        session,
        run=run,
        now=now,
        actor=WORKER_ACTOR,
        kind="event.ignored",
        step_id=job.effect.step_id,
        data={
            "event": event,
            "idempotency_key": job.key,
            "attempt": job.effect.attempt,
            "delivery": job.delivery,
            "reason": reason,
        },
    )


def _wants(run: LockedRun, effect: RunStep) -> bool:
    if run.status not in _ACTIVE:
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
    if error is None:
        new_case: dict[str, Any] | None = None
        # Outputs the step maps to case fields are written with what the action wrote.
        case_updates = {
            **_mapped_outputs(session, run, effect.step_id, outputs),
            **(case_updates or {}),
        }
        if run.status in _ACTIVE and case_updates:
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
    if run.status in _ACTIVE:
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


def pending_timers(session: Session, *, limit: int) -> list[tuple[str, datetime]]:
    """``(key, due_at)`` of the ``limit`` earliest pending timers, earliest first."""
    rows = sql.read_all(session, sql.PENDING_TIMERS, {"_limit": limit})
    return [(str(key), due) for key, due in rows]


def due_timers(session: Session, *, now: datetime, limit: int = 100) -> list[str]:
    """Keys of pending timers that are due, earliest first."""
    return list(
        session.exec(
            select(TimerRow.key)
            .where(col(TimerRow.status) == TimerStatus.PENDING, col(TimerRow.due_at) <= now)
            .order_by(col(TimerRow.due_at), col(TimerRow.key))
            .limit(limit)
        ).all()
    )


def next_timer_due(session: Session, *, after: datetime | None = None) -> datetime | None:
    """When the earliest pending timer (due later than ``after``, if given) is due."""
    query = select(TimerRow.due_at).where(col(TimerRow.status) == TimerStatus.PENDING)
    if after is not None:
        query = query.where(col(TimerRow.due_at) > after)
    return session.exec(query.order_by(col(TimerRow.due_at)).limit(1)).first()


def fire_timer(session: Session, *, key: str, now: datetime) -> bool:
    """Fire one due timer into its run; ``False`` if it is gone, not due or already fired."""
    found = sql.read_first(session, sql.TIMER_RUN, {"_key": key})
    if found is None:
        return False
    case, run = lock_run(session, found[0])
    timer = sql.read_first(session, sql.LOCK_PENDING_TIMER, {"_key": key})
    if timer is None:
        return False
    due_at, purpose, data = timer
    if due_at > now:
        return False
    sql.write(session, sql.FIRE_TIMER, [{"_key": key, "_now": now}])
    written(session, TimerRow, key, {"status": str(TimerStatus.FIRED), "fired_at": now})
    if run.status in _ACTIVE:
        event = TimerFired(timer_key=key, purpose=purpose, data=dict(data))
        apply_event(session, run=run, case=case, event=event, now=now)
    return True


# ---------------------------------------------------------------------------- workers


def register_worker(session: Session, *, process: WorkerProcessRow) -> None:
    """Record a worker process that is about to claim work (or renew it, if known)."""
    session.merge(process)


def heartbeat_worker(session: Session, *, worker_id: str, now: datetime) -> bool:
    """Say the worker is still there; ``False`` if its row is gone (another took it for dead)."""
    found = session.execute(
        update(WorkerProcessRow)
        .where(col(WorkerProcessRow.id) == worker_id)
        .values(heartbeat_at=now)
    )
    return bool(found.rowcount)  # type: ignore[attr-defined]


def worker_processes(session: Session) -> list[WorkerProcessRow]:
    """Every worker process on record."""
    return list(session.exec(select(WorkerProcessRow)).all())


def reclaim_claims(session: Session, *, worker_ids: list[str], now: datetime) -> list[str]:
    """Hand back at once what gone worker processes held; forget those processes.

    Their claimed entries are due now, and their steps' execution leases end now, so the
    next worker to look delivers them again (logged as ``step.redelivered``). Returns the
    keys of the entries handed back.
    """
    if not worker_ids:
        return []
    held = session.exec(
        select(OutboxRow.id, OutboxRow.idempotency_key, OutboxRow.kind).where(
            col(OutboxRow.claimed_by).in_(worker_ids),
            col(OutboxRow.status) == OutboxStatus.CLAIMED,
        )
    ).all()
    ids = [i for i, _key, _kind in held if i is not None]
    steps = [key for _id, key, kind in held if kind == "run_step"]
    if ids:
        session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(ids))
            .values(available_at=now, claimed_by=None)
        )
    if steps:
        session.execute(
            update(ExecutionRow)
            .where(
                col(ExecutionRow.key).in_(steps),
                col(ExecutionRow.status) == ExecutionStatus.RUNNING,
                col(ExecutionRow.lease_until) > now,
            )
            .values(lease_until=now)
        )
    session.execute(delete(WorkerProcessRow).where(col(WorkerProcessRow.id).in_(worker_ids)))
    return [key for _id, key, _kind in held]


def forget_worker(session: Session, *, worker_id: str) -> None:
    """Remove a worker process that stopped cleanly (it holds no claims any more)."""
    session.execute(delete(WorkerProcessRow).where(col(WorkerProcessRow.id) == worker_id))
