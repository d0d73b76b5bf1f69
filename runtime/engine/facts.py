"""What conditions read of a run: its counters and its SLA clocks, worked out on demand.

Conditions read ``counter.loops``, ``counter.visits.<node>`` and the ``sla.*`` facts
(``sla.state``, ``sla.remaining_minutes``, and ``sla.<step>.state`` for an interactive
step's own clock). An SLA's level and minutes left come from the one rule in
:mod:`runtime.sla.levels`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from graphs.conditions import Facts
from runtime.engine.types import RunState, SlaClock
from runtime.sla.levels import SlaLevel, level_at, remaining_minutes

__all__ = ["EMPTY", "Counters", "SlaView", "clock_level", "clock_remaining", "facts_of"]

EMPTY: Mapping[str, Any] = {}
_MISSING = object()


class Counters(Mapping[str, int]):
    """``counter.loops`` (go-tos taken), ``counter.visits.<node>`` (visits of a node).

    A counter the engine does not keep (``counter.contacts``) is not here: the one
    reader of field paths (:func:`graphs.conditions.reader`) reads it from the case's
    ``<name>_count`` field, the same wherever a rule stands (issue 15).

    >>> c = Counters({"triage": 2}, 1)
    >>> c["loops"], c["visits.triage"], c.get("contacts", 0)
    (1, 2, 0)
    """

    __slots__ = ("_loops", "_visits")

    def __init__(self, visits: Mapping[str, int], loops: int) -> None:
        self._visits = visits
        self._loops = loops

    def __getitem__(self, key: str) -> int:
        if key == "loops":
            return self._loops
        if key.startswith("visits."):
            return self._visits.get(key.removeprefix("visits."), 0)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield "loops"
        for node_id in self._visits:
            yield f"visits.{node_id}"

    def __len__(self) -> int:
        return 1 + len(self._visits)


def clock_level(clock: SlaClock, at: datetime) -> SlaLevel:
    """The clock's level at ``at`` (or where it stopped): never better than it was marked."""
    return level_at(
        clock.due_at, clock.stopped_at or at, warning_at=clock.warning_at, marked=clock.state
    )


def clock_remaining(clock: SlaClock, at: datetime) -> float:
    """Minutes left on the clock at ``at`` (or where it stopped); negative when late."""
    return remaining_minutes(clock.due_at, clock.stopped_at or at)


class SlaView(Mapping[str, Any]):
    """The ``sla.*`` facts of a run, each worked out when read: for a caller that reads
    it at once, before anything changes the clocks."""

    __slots__ = ("_now", "_state")

    def __init__(self, state: RunState, now: datetime) -> None:
        self._state = state
        self._now = now

    def _clock(self, key: str) -> tuple[SlaClock | None, str]:
        if key == "state":  # the stage's, what escalation rules read
            return self._state.sla, key
        step_id, dot, name = key.rpartition(".")
        if not dot:
            return self._state.sla, name
        st = self._state.steps.get(step_id)
        return (None if st is None else st.sla), name

    def get(self, key: str, default: Any = None) -> Any:
        clock, name = self._clock(key)
        if clock is None:
            return default
        if name == "state":
            return clock_level(clock, self._now)
        if name == "remaining_minutes":
            return clock_remaining(clock, self._now)
        return default

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        if self._state.sla is not None:
            yield from ("state", "remaining_minutes")
        for st in self._state.steps.values():
            if st.sla is not None:
                yield from (f"{st.step_id}.state", f"{st.step_id}.remaining_minutes")

    def __len__(self) -> int:
        return sum(1 for _ in self)


def has_clocks(state: RunState) -> bool:
    """Whether the run has an SLA clock at its stage or at one of its steps."""
    return state.sla is not None or any(st.sla is not None for st in state.steps.values())


def sla_facts(state: RunState, now: datetime) -> Mapping[str, Any]:
    """Every ``sla.*`` fact of the run now, as a plain dict (empty without clocks)."""
    if not has_clocks(state):
        return EMPTY
    return dict(SlaView(state, now).items())


def facts_of(state: RunState, *, sla: Mapping[str, Any], counters: Mapping[str, int]) -> Facts:
    """What conditions read of ``state``: its case, step outputs, ``sla`` and ``counters``."""
    # In order (case, previous case, steps, sla, counters): built on most events, and
    # calling a class with keywords builds a dict for them.
    return Facts(state.case, state.previous_case, state.step_outputs, sla, counters)
