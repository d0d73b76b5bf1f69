"""SLA clocks: started when a stage or an interactive step begins, marked by their timers.

One SLA timer is pending per clock at a time: the warning, then (once it fired) the
breach. A stage that finishes in time costs one timer and one cancel. A clock's level as
conditions see it is the worse of what its timers marked and what the time implies
(:func:`runtime.engine.facts.clock_level`), so a late timer never hides a breach.
"""

from __future__ import annotations

from datetime import datetime

from graphs.model import InteractiveStep, StageNode
from runtime.engine.definition import CompiledNode, CompiledSla, CompiledStep
from runtime.engine.timers import timer_key
from runtime.engine.types import (
    CancelTimer,
    LogKind,
    ScheduleTimer,
    SlaClock,
    SlaLevel,
    StepState,
    TimerPurpose,
)
from runtime.engine.working import WorkingRun
from runtime.sla.calendar import add_business_minutes
from runtime.sla.levels import minutes

__all__ = [
    "mark_stage_clock",
    "mark_step_clock",
    "pending_timer",
    "start_clock",
    "stop_stage_clock",
    "stop_step_clock",
]

#: the level each SLA timer marks its clock at
_MARKS = {TimerPurpose.SLA_WARNING: SlaLevel.AT_RISK, TimerPurpose.SLA_BREACH: SlaLevel.BREACHED}
#: the timer pending on a running clock at each level it is marked at (a breached clock
#: has none; one without a warning point waits for its breach from the start)
_PENDING = {SlaLevel.ON_TRACK: TimerPurpose.SLA_WARNING, SlaLevel.AT_RISK: TimerPurpose.SLA_BREACH}


def _schedule(run: WorkingRun, purpose: TimerPurpose, target: str, n: int, due: datetime) -> None:
    key = timer_key(run.s.run_id, purpose, target, n)
    run.effects.append(ScheduleTimer(key, due, purpose, {"target": target, "n": n}))


def start_clock(run: WorkingRun, sla: CompiledSla, target: str, n: int) -> SlaClock:
    """A new SLA clock from now, on its business calendar's working time when it names
    one, and its first timer: the warning, or the breach when it has no warning."""
    now = run.now
    spec = sla.spec
    calendar = run.d.calendars.get(spec.calendar) if spec.calendar else None
    if calendar is None:
        warning_at = None if sla.warning is None else now + sla.warning
        due_at = now + sla.target
    else:
        warning = spec.warning_minutes
        warning_at = None if warning is None else add_business_minutes(calendar, now, warning)
        due_at = add_business_minutes(calendar, now, spec.target_minutes)
    clock = SlaClock(now, warning_at, due_at)  # started, warning, due
    if warning_at is not None and warning_at < due_at:
        _schedule(run, TimerPurpose.SLA_WARNING, target, n, warning_at)
    else:
        _schedule(run, TimerPurpose.SLA_BREACH, target, n, due_at)
    return clock


def pending_timer(clock: SlaClock) -> TimerPurpose | None:
    """The SLA timer a running clock has pending: the warning, then the breach; none once
    breached."""
    purpose = _PENDING.get(clock.state)
    if purpose is TimerPurpose.SLA_WARNING and (
        clock.warning_at is None or clock.warning_at >= clock.due_at
    ):
        return TimerPurpose.SLA_BREACH  # no warning point: no warning timer
    return purpose


def _stop(run: WorkingRun, clock: SlaClock, target: str, n: int) -> SlaClock:
    """The running ``clock`` stopped now, its pending timer cancelled."""
    purpose = pending_timer(clock)
    if purpose is not None:
        run.effects.append(CancelTimer(timer_key(run.s.run_id, purpose, target, n)))
    return clock.stopped(run.now)


def stop_stage_clock(run: WorkingRun, node: CompiledNode) -> None:
    """Stop the stage's clock, if it runs."""
    clock = run.s.sla
    if clock is None or clock.stopped_at is not None:
        return
    run.s.sla = _stop(run, clock, node.id, run.s.visits[node.id])


def stop_step_clock(run: WorkingRun, cs: CompiledStep, st: StepState) -> None:
    """Stop an interactive step attempt's clock, if it runs (``st`` must be owned)."""
    clock = st.sla
    if clock is None or clock.stopped_at is not None:
        return
    st.sla = _stop(run, clock, cs.target, st.attempt)


def _mark(
    run: WorkingRun, clock: SlaClock, purpose: TimerPurpose, target: str, n: int
) -> SlaClock | None:
    """The clock marked at the timer's level, or ``None`` for a repeated delivery."""
    level = _MARKS[purpose]
    if level.severity <= clock.state.severity:
        run.note(
            LogKind.EVENT_IGNORED,
            node_id=run.s.node_id,
            event="timer_fired",
            reason=f"the SLA is already {clock.state.value}",
        )
        return None
    if level is SlaLevel.AT_RISK:
        _schedule(run, TimerPurpose.SLA_BREACH, target, n, clock.due_at)
    return clock.marked(level)


def _reached(level: SlaLevel) -> str:
    return "warning" if level is SlaLevel.AT_RISK else "target"


def mark_stage_clock(run: WorkingRun, purpose: TimerPurpose) -> None:
    """The stage's warning or breach timer fired: mark its clock and say so."""
    s = run.s
    clock = s.sla
    node_id = s.node_id
    if clock is None or clock.stopped_at is not None:
        run.note(
            LogKind.EVENT_IGNORED,
            node_id=node_id,
            event="timer_fired",
            reason="the stage's SLA clock is not running",
        )
        return
    assert node_id is not None
    marked = _mark(run, clock, purpose, node_id, s.visits[node_id])
    if marked is None:
        return
    s.sla = marked
    spec = run.d.nodes[node_id].spec
    assert isinstance(spec, StageNode) and spec.sla is not None
    run.note(
        LogKind.sla(marked.state),
        node_id=node_id,
        target_minutes=spec.sla.target_minutes,
        elapsed_minutes=minutes(run.now - clock.started_at),
        reason=f"stage SLA {_reached(marked.state)} reached",
    )


def mark_step_clock(
    run: WorkingRun, cs: CompiledStep, st: StepState, purpose: TimerPurpose
) -> None:
    """An interactive step's warning or breach timer fired: mark its clock and say so."""
    clock = st.sla
    spec = cs.spec
    if clock is None or not isinstance(spec, InteractiveStep) or spec.sla is None:
        run.note(
            LogKind.EVENT_IGNORED,
            node_id=cs.node_id,
            step_id=cs.id,
            event="timer_fired",
            reason="the step has no SLA clock running",
        )
        return
    marked = _mark(run, clock, purpose, cs.target, st.attempt)
    if marked is None:
        return
    st.sla = marked
    run.note_step(
        LogKind.sla(marked.state),
        cs,
        st,
        {
            "target_minutes": spec.sla.target_minutes,
            "elapsed_minutes": minutes(run.now - clock.started_at),
            "reason": f"step SLA {_reached(marked.state)} reached",
        },
    )
