"""SLA clocks and timers of a moved run: kept, re-keyed or re-timed under the target.

A timer's key names its stage (and step): a renamed stage or step re-issues it under
the new key with the same due time; a changed SLA re-times the clock from its start.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from graphs.model import SLA
from runtime.engine.clocks import pending_timer
from runtime.engine.timers import timer_key
from runtime.engine.types import SlaClock, StepState, StepStatus, TimerPurpose
from runtime.sla.calendar import add_business_minutes

__all__ = ["TimerMove", "held_timer", "moved_clock", "step_timer"]


@dataclass(frozen=True, slots=True)
class TimerMove:
    """A pending timer withdrawn (``new_key`` None) or issued under a new key.

    ``due_at`` None: keep the old timer's due time (only its key changes).
    """

    old_key: str | None
    new_key: str | None
    purpose: str
    due_at: datetime | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def _due(sla: SLA, start: datetime, minutes: float, calendars: Mapping[str, Any]) -> datetime:
    calendar = calendars.get(sla.calendar) if sla.calendar else None
    if calendar is None:
        return start + timedelta(minutes=minutes)
    return add_business_minutes(calendar, start, minutes)


def _pending(clock: SlaClock | None) -> TimerPurpose | None:
    """The SLA timer a clock has pending, or none (no clock, or stopped)."""
    if clock is None or clock.stopped_at is not None:
        return None
    return pending_timer(clock)


def moved_clock(
    clock: SlaClock | None,
    before: SLA | None,
    after: SLA | None,
    *,
    started: datetime | None,
    old: tuple[str, str, int],
    new: tuple[str, str, int],
    calendars: Mapping[str, Any],
    timers: list[TimerMove],
) -> SlaClock | None:
    """An SLA clock under the target's SLA, its pending timer re-keyed or re-timed.

    ``old``/``new``: (run, target, n) of the timer keys before and after the move.
    """
    purpose = _pending(clock)
    old_key = None if purpose is None else timer_key(old[0], purpose, old[1], old[2])
    if after is None:
        if old_key is not None and purpose is not None:
            timers.append(TimerMove(old_key, None, purpose))
        return None
    if clock is None:
        if started is None:
            return None
        clock = SlaClock(started_at=started, warning_at=None, due_at=started)  # re-timed below
        before = None
    elif clock.stopped_at is not None:
        return clock
    if before == after:
        moved = clock
    else:
        start = clock.started_at
        warning = after.warning_minutes
        moved = replace(
            clock,
            warning_at=None if warning is None else _due(after, start, warning, calendars),
            due_at=_due(after, start, after.target_minutes, calendars),
        )
    purpose_now = _pending(moved)
    new_key = None if purpose_now is None else timer_key(new[0], purpose_now, new[1], new[2])
    if old_key == new_key and before == after:
        return moved
    if old_key is not None and purpose is not None and new_key != old_key:
        timers.append(TimerMove(old_key, None, purpose))
    if new_key is not None and purpose_now is not None:
        due = moved.warning_at if purpose_now is TimerPurpose.SLA_WARNING else moved.due_at
        timers.append(
            TimerMove(old_key, new_key, purpose_now, due, {"target": new[1], "n": new[2]})
        )
    return moved


def held_timer(st: StepState, wait: bool) -> TimerPurpose | None:
    """The timer a step holds, if any: a retry's back-off, or a running wait step's."""
    if st.status is StepStatus.RETRY_WAIT:
        return TimerPurpose.RETRY
    if st.status is StepStatus.RUNNING and wait:
        return TimerPurpose.WAIT
    return None


def step_timer(
    run_id: str, st: StepState, wait: bool, old: tuple[str, str], new: tuple[str, str]
) -> list[TimerMove]:
    """A carried retry or wait timer under its new key (its stage or step renamed).

    ``old``/``new``: (stage, step) before and after the move; ``wait``: a wait step.
    """
    purpose = held_timer(st, wait)
    if purpose is None:
        return []
    before = timer_key(run_id, purpose, f"{old[0]}.{old[1]}", st.attempt)
    after = timer_key(run_id, purpose, f"{new[0]}.{new[1]}", st.attempt)
    if before == after:
        return []
    return [TimerMove(before, after, purpose, None, {"step_id": new[1], "attempt": st.attempt})]
