"""Steps: start an attempt, finish it, fail it (retrying by its policy), skip or cancel it.

A background step's attempt leaves the engine as a :class:`RunStep` effect (a wait step
as a timer); an interactive step's as a :class:`CreateWorkItem`, with its own SLA clock
when it has one. Every status change goes through the step lifecycle table
(``STEP_LIFECYCLE.next``), here and nowhere else, on a step state this transition owns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from graphs.conditions import parse_datetime
from graphs.model import BackgroundStep, InteractiveStep, StageNode
from runtime.engine.clocks import start_clock, stop_step_clock
from runtime.engine.definition import CompiledStep
from runtime.engine.lifecycle import STEP_LIFECYCLE, StepEvent
from runtime.engine.timers import timer_key, work_item_key
from runtime.engine.types import (
    CancelTimer,
    CancelWorkItem,
    CreateWorkItem,
    IncidentCode,
    LogKind,
    RunStep,
    ScheduleTimer,
    StepState,
    StepStatus,
    TimerPurpose,
)
from runtime.engine.working import WorkingRun

__all__ = ["cancel_step", "cancel_timer", "fail_step", "finish_step", "launch", "skip_step"]


def _inputs(run: WorkingRun, cs: CompiledStep) -> dict[str, Any]:
    if cs.literal_inputs is not None:
        return dict(cs.literal_inputs)
    facts = run.facts()
    # A loop: on Python 3.11 a comprehension is a function made and called each time,
    # which costs more than reading a step's few inputs.
    inputs = {}
    for name, value, read in cs.input_plan:
        inputs[name] = value if read is None else read(facts)
    return inputs


def launch(run: WorkingRun, cs: CompiledStep, *, retry_of: int | None) -> None:
    """Start an attempt of a step: the pending one, or a fresh one to retry ``retry_of``."""
    st = run.own(cs.id)
    if retry_of is not None:
        # A fresh attempt: nothing of the failed one's outcome carries over.
        st.attempt = run.s.attempts.get(cs.id, 0) + 1
        st.finished_at = None
        st.outputs = {}
        st.error = None
    attempt = run.s.attempts[cs.id] = st.attempt
    st.started_at = run.now
    st.tries += 1
    if cs.interactive:
        data = _open_work_item(run, cs, st)
    else:
        inputs = _inputs(run, cs)
        st.status = STEP_LIFECYCLE.next(st.status, StepEvent.DISPATCH)
        data = {"attempt": attempt, "action": cs.action, "inputs": inputs}
        if cs.is_wait:
            due, problem = _wait_until(run.now, inputs)
            if due is None:
                if retry_of is not None:
                    data["retry_of"] = retry_of
                run.note_data(LogKind.STEP_STARTED, cs.node_id, cs.id, data)
                fail_step(run, cs, st, problem, retryable=False)
                return
            key = timer_key(run.s.run_id, TimerPurpose.WAIT, cs.target, attempt)
            timer = {"step_id": cs.id, "attempt": attempt}
            run.effects.append(ScheduleTimer(key, due, TimerPurpose.WAIT, timer))
            data["until"] = due
        else:
            types = dict(cs.input_types) if cs.input_types else {}
            # step, attempt, action, inputs, input types, timeout (in order: see RunStep)
            run.effects.append(
                RunStep(cs.id, attempt, cs.action, inputs, types, cs.timeout_seconds)
            )
    if retry_of is not None:
        data["retry_of"] = retry_of
    run.note_data(LogKind.STEP_STARTED, cs.node_id, cs.id, data)


def _open_work_item(run: WorkingRun, cs: CompiledStep, st: StepState) -> dict[str, Any]:
    spec = cs.spec
    assert isinstance(spec, InteractiveStep)
    key = work_item_key(run.s.run_id, cs.id, st.attempt)
    st.status = STEP_LIFECYCLE.next(st.status, StepEvent.OPEN_WORK_ITEM)
    st.work_item_key = key
    due = None
    if cs.sla is not None:
        st.sla = start_clock(run, cs.sla, cs.target, st.attempt)
        due = st.sla.due_at
    stage = run.d.nodes[cs.node_id].spec
    assert isinstance(stage, StageNode)
    assignment = spec.assignment
    queue = assignment.queue or (None if assignment.agent else stage.owner)
    run.effects.append(
        CreateWorkItem(
            work_item_key=key,
            step_id=cs.id,
            attempt=st.attempt,
            title=cs.title,
            queue=queue,
            agent=assignment.agent,
            skills=list(assignment.skills),
            strategy=assignment.strategy,
            form=list(spec.form),
            due_at=due,
        )
    )
    return {
        "attempt": st.attempt,
        "work_item_key": key,
        "queue": queue,
        "agent": assignment.agent,
        "due_at": due,
    }


def _wait_until(now: datetime, inputs: Mapping[str, Any]) -> tuple[datetime | None, str]:
    until = inputs.get("until")
    if until is not None:
        at = parse_datetime(until)
        if at is None:
            return None, f"wait step: 'until' is not a date-time: {until!r}"
        return max(at, now), ""
    minutes = inputs.get("duration_minutes")
    if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
        return now + timedelta(minutes=minutes), ""
    return None, (
        "wait step needs a positive 'duration_minutes' or an 'until' date-time, "
        f"got {dict(inputs)!r}"
    )


def finish_step(
    run: WorkingRun, cs: CompiledStep, st: StepState, outputs: dict[str, Any], reason: str
) -> None:
    """The attempt is done with ``outputs``; conditions read them as ``step.<id>.*``."""
    st.status = STEP_LIFECYCLE.next(st.status, StepEvent.COMPLETE)
    st.finished_at = run.now
    st.outputs = outputs
    run.s.step_outputs[cs.id] = outputs
    # A sensitive answer stays in the state (conditions read it) but not in the log,
    # which the timeline and the live stream show.
    data = {"attempt": st.attempt, "outputs": outputs, "reason": reason}
    if cs.hidden and (hidden := sorted(cs.hidden.intersection(outputs))):
        data["outputs"] = {k: v for k, v in outputs.items() if k not in cs.hidden}
        data["hidden"] = hidden
    run.note_data(LogKind.STEP_COMPLETED, cs.node_id, cs.id, data)


def fail_step(
    run: WorkingRun, cs: CompiledStep, st: StepState, error: str, *, retryable: bool
) -> None:
    """The attempt failed: retry it by its policy, else stop the run at an incident."""
    spec = cs.spec
    st.error = error
    st.finished_at = run.now
    policy = spec.retry if isinstance(spec, BackgroundStep) else None
    retrying = retryable and policy is not None and st.tries < policy.max_attempts
    why: dict[str, Any]
    if retrying:
        assert policy is not None
        delay = policy.backoff(st.tries)
        due = run.now + timedelta(seconds=delay)
        st.status = STEP_LIFECYCLE.next(st.status, StepEvent.RETRY_LATER)
        key = timer_key(run.s.run_id, TimerPurpose.RETRY, cs.target, st.attempt)
        timer = {"step_id": cs.id, "attempt": st.attempt}
        run.effects.append(ScheduleTimer(key, due, TimerPurpose.RETRY, timer))
        why = {
            "retry_at": due,
            "reason": f"try {st.tries} of {policy.max_attempts} failed; retrying in {delay:g}s",
        }
    else:
        st.status = STEP_LIFECYCLE.next(st.status, StepEvent.FAIL)
        if not retryable:
            why = {"reason": "the error is not retryable"}
        elif policy is None:
            why = {"reason": "the step is not retried"}
        else:
            why = {"reason": f"all {policy.max_attempts} tries failed"}
    run.note_step(LogKind.STEP_FAILED, cs, st, {"error": error, **why})
    if retrying:
        return
    run.incident(
        IncidentCode.STEP_FAILED,
        f"step {cs.title!r} ({cs.id}) failed ({why['reason']}): {error}",
        node_id=cs.node_id,
        step_id=cs.id,
    )


def cancel_timer(run: WorkingRun, purpose: TimerPurpose, cs: CompiledStep, attempt: int) -> None:
    """Drop the attempt's pending ``purpose`` timer."""
    run.effects.append(CancelTimer(timer_key(run.s.run_id, purpose, cs.target, attempt)))


def cancel_step(run: WorkingRun, cs: CompiledStep, st: StepState, reason: str) -> None:
    """Cancel an unfinished attempt (``st`` must be owned), withdrawing what it waits on."""
    was = st.status
    if was is StepStatus.WAITING and st.work_item_key:
        run.effects.append(CancelWorkItem(work_item_key=st.work_item_key, reason=reason))
        stop_step_clock(run, cs, st)
    elif was is StepStatus.RETRY_WAIT:
        cancel_timer(run, TimerPurpose.RETRY, cs, st.attempt)
    elif was is StepStatus.RUNNING and cs.is_wait:
        cancel_timer(run, TimerPurpose.WAIT, cs, st.attempt)
    st.status = STEP_LIFECYCLE.next(st.status, StepEvent.CANCEL)
    st.finished_at = run.now
    run.note_step(LogKind.STEP_CANCELLED, cs, st, {"was": was.value, "reason": reason})


def skip_step(run: WorkingRun, st: StepState) -> None:
    """Mark the attempt skipped (``st`` must be owned); the caller logs why."""
    st.status = STEP_LIFECYCLE.next(st.status, StepEvent.SKIP)
    st.finished_at = run.now
