"""Input events other than admin commands: applied, deferred, or ignored with a reason.

Events that arrive while the run is paused or at an incident are recorded
(``event.deferred``) and kept in ``state.deferred``; resuming, retrying or skipping
applies them in arrival order before anything else (:func:`drain`). After an event is
applied the token moves as far as it goes and the escalation rules are evaluated, so a
rule fires at once when a case update makes it true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runtime.engine.clocks import mark_stage_clock, mark_step_clock, stop_step_clock
from runtime.engine.definition import CompiledStep
from runtime.engine.escalation import escalate
from runtime.engine.steps import cancel_timer, fail_step, finish_step, launch
from runtime.engine.timers import TimerKey
from runtime.engine.types import (
    CaseUpdated,
    DeferredEvent,
    Event,
    LogKind,
    RunStatus,
    StepCompleted,
    StepFailed,
    StepState,
    StepStatus,
    TimerFired,
    TimerPurpose,
    WorkItemCompleted,
)
from runtime.engine.walk import advance
from runtime.engine.working import WorkingRun
from runtime.sla.levels import minutes

__all__ = ["apply", "changed_fields", "drain"]


def apply(run: WorkingRun, event: Event) -> None:
    """Apply a non-admin event: now when the run is running, later when it is held."""
    status = run.s.status
    kind = event.kind
    if status is RunStatus.RUNNING and kind != "case_created":
        handler = _APPLY.get(kind)
        if handler is not None:
            handler(run, event)
        advance(run)
        if run.d.escalation.rules:
            escalate(run)
    elif status.over:
        run.ignore(event, f"the run is already {status.value}")
    elif kind == "case_created":
        run.ignore(event, "the run has already started")
    else:
        _defer(run, event)


def _defer(run: WorkingRun, event: Event) -> None:
    why = "paused" if run.s.status is RunStatus.PAUSED else "at an incident"
    run.note(
        LogKind.EVENT_DEFERRED,
        node_id=run.s.node_id,
        step_id=getattr(event, "step_id", None),
        event=event.kind,
        reason=f"the run is {why}; the event is applied when it runs again",
    )
    held = DeferredEvent(event=event, at=run.now, seq=run.seq)
    run.s.deferred = [*run.s.deferred, held]


def drain(run: WorkingRun) -> None:
    """Apply the events held while the run was not running, in arrival order."""
    s = run.s
    held, s.deferred = s.deferred, []
    outer_actor = run.actor
    for item in held:
        run.actor = item.event.actor
        if s.status is RunStatus.RUNNING:
            run.note(
                LogKind.EVENT_APPLIED,
                node_id=s.node_id,
                event=item.event.kind,
                deferred_seq=item.seq,
                reason="held while the run was not running",
            )
        apply(run, item.event)
    run.actor = outer_actor


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The fields whose values differ, sorted; a field absent reads as ``None``.

    >>> changed_fields({"a": 1, "b": 2, "c": None}, {"a": 1, "b": 3, "d": None})
    ['b']
    """
    if len(before) == len(after) and list(after) == list(before):
        # The usual update: the same fields, a few values replaced. Most values are the
        # very same objects: compare only those that are not. (A loop: on Python 3.11 a
        # comprehension is a function made and called each time; pairing the values in C
        # through ``compress`` and ``map(operator.is_not, ...)`` saved little more.)
        found = []
        for key, value in after.items():
            if (was := before[key]) is not value and was != value:
                found.append(key)
        found.sort()
        return found
    changed = [k for k, v in after.items() if (was := before.get(k)) is not v and was != v]
    changed.extend(k for k, was in before.items() if was is not None and k not in after)
    return sorted(changed)


def _case_updated(run: WorkingRun, event: CaseUpdated) -> None:
    previous = event.previous if event.previous else run.s.case
    run.case_changed(previous, event.case)
    run.note(
        LogKind.CASE_UPDATED, node_id=run.s.node_id, changed=changed_fields(previous, run.s.case)
    )


#: the status an event about a step attempt finds it in, by the event's kind (a timer's,
#: by its purpose: ``_TIMER_FINDS``)
_EVENT_FINDS = {
    "step_completed": StepStatus.RUNNING,
    "step_failed": StepStatus.RUNNING,
    "work_item_completed": StepStatus.WAITING,
}


def _current_step(
    run: WorkingRun, event: Event, step_id: str, attempt: int, expected: StepStatus
) -> tuple[CompiledStep, StepState] | None:
    """The current step attempt the event is about, owned, or ``None`` after saying why."""
    st = run.s.steps.get(step_id)
    cs = run.d.step(run.s.node_id or "", step_id)
    if st is None or cs is None:
        run.ignore(event, f"step {step_id!r} is not part of the stage the run is at")
        return None
    if st.attempt != attempt:
        run.ignore(
            event,
            f"attempt {attempt} of step {step_id!r} is stale; the current attempt is {st.attempt}",
            attempt=attempt,
        )
        return None
    if st.status is not expected:
        run.ignore(
            event,
            f"attempt {attempt} of step {step_id!r} is {st.status.value}, "
            "nothing is waiting for this event",
            attempt=attempt,
        )
        return None
    return cs, run.own(step_id)


def _case_written(run: WorkingRun, cs: CompiledStep, case: dict[str, Any], reason: str) -> None:
    """The step's completion brought the case record it wrote: apply it first, so what
    runs next never reads a stale case."""
    before = run.s.case
    run.case_changed(before, case)
    run.note_data(
        LogKind.CASE_UPDATED,
        cs.node_id,
        cs.id,
        {"changed": changed_fields(before, run.s.case), "reason": reason},
    )


def _step_completed(run: WorkingRun, event: StepCompleted) -> None:
    found = _current_step(run, event, event.step_id, event.attempt, _EVENT_FINDS[event.kind])
    if found is None:
        return
    cs, st = found
    if cs.interactive:
        run.ignore(event, f"step {cs.id!r} is interactive: it completes by its work item")
        return
    if event.case is not None:
        _case_written(run, cs, event.case, f"written by step {cs.id!r}")
    if cs.is_wait:
        cancel_timer(run, TimerPurpose.WAIT, cs, st.attempt)
    finish_step(run, cs, st, dict(event.outputs), "the action finished")


def _work_item_completed(run: WorkingRun, event: WorkItemCompleted) -> None:
    found = _current_step(run, event, event.step_id, event.attempt, _EVENT_FINDS[event.kind])
    if found is None:
        return
    cs, st = found
    if event.work_item_key != st.work_item_key:
        run.ignore(
            event,
            f"work item {event.work_item_key!r} is not the open one ({st.work_item_key!r})",
        )
        return
    if event.case is not None:
        _case_written(
            run, cs, event.case, f"answered on the form of step {cs.id!r} by {event.actor}"
        )
    stop_step_clock(run, cs, st)
    finish_step(run, cs, st, dict(event.data), f"completed by {event.actor}")


def _step_failed(run: WorkingRun, event: StepFailed) -> None:
    found = _current_step(run, event, event.step_id, event.attempt, _EVENT_FINDS[event.kind])
    if found is None:
        return
    cs, st = found
    fail_step(run, cs, st, event.error, retryable=event.retryable)


#: the status a step attempt's timer finds it in, by the timer's purpose
_TIMER_FINDS = {
    TimerPurpose.RETRY: StepStatus.RETRY_WAIT,
    TimerPurpose.WAIT: StepStatus.RUNNING,
    TimerPurpose.SLA_WARNING: StepStatus.WAITING,
    TimerPurpose.SLA_BREACH: StepStatus.WAITING,
}
_SLA_TIMERS = frozenset({TimerPurpose.SLA_WARNING, TimerPurpose.SLA_BREACH})


def _timer_fired(run: WorkingRun, event: TimerFired) -> None:
    s = run.s
    key = TimerKey.parse(event.timer_key)
    if key is None or key.run_id != s.run_id:
        run.ignore(event, f"timer {event.timer_key!r} does not belong to this run")
        return
    node_id, step_id = key.node_id, key.step_id
    if node_id != s.node_id:
        run.ignore(event, f"the run has left {node_id!r}", timer=event.timer_key)
        return
    purpose = TimerPurpose(key.purpose) if key.purpose in _PURPOSES else None
    if not step_id:
        if purpose in _SLA_TIMERS and key.n == s.visits.get(node_id):
            assert purpose is not None
            mark_stage_clock(run, purpose)
        else:
            run.ignore(
                event,
                f"timer is for visit {key.n} of {node_id!r}; this is visit {s.visits.get(node_id)}",
                timer=event.timer_key,
            )
        return
    if purpose is None:
        run.ignore(event, f"unknown timer purpose {key.purpose!r}", timer=event.timer_key)
        return
    found = _current_step(run, event, step_id, key.n, _TIMER_FINDS[purpose])
    if found is None:
        return
    cs, st = found
    if purpose is TimerPurpose.RETRY:
        launch(run, cs, retry_of=st.attempt)
    elif purpose is TimerPurpose.WAIT:
        waited = minutes(run.now - (st.started_at or run.now))
        finish_step(run, cs, st, {"waited_minutes": waited}, reason="the wait elapsed")
    else:
        mark_step_clock(run, cs, st, purpose)


_PURPOSES = frozenset(purpose.value for purpose in TimerPurpose)

_APPLY: dict[str, Callable[[WorkingRun, Any], None]] = {
    "step_completed": _step_completed,
    "work_item_completed": _work_item_completed,
    "case_updated": _case_updated,
    "step_failed": _step_failed,
    "timer_fired": _timer_fired,
}
