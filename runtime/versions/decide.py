"""Whether one run can move under a plan, and what becomes of each step under way.

The impact counts these decisions and the move applies them, so both say the same.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from graphs.case_types import is_empty
from graphs.model import InteractiveStep
from runtime.engine.timers import TimerKey
from runtime.engine.types import (
    FINISHED_STEP_STATUSES,
    RunState,
    StepState,
    StepStatus,
    TimerFired,
)
from runtime.versions.plan import FormFit, Plan, StepMove, Unmapped

__all__ = ["Fate", "InFlight", "Problem", "RunDecision", "decide", "step_fate"]


class Fate(StrEnum):
    """What becomes of one step of the stage a run is at."""

    CARRIED = "carried"  #: kept as it stands (renamed when the mapping says so)
    DROPPED = "dropped"  #: not in the target and nothing of it is under way
    RESTARTED = "restarted"  #: its work under way is superseded; a fresh attempt starts
    ITEM_CARRIED = "item_carried"  #: its open work item stays, under the same key
    ITEM_REISSUED = "item_reissued"  #: its open item is withdrawn and issued again, new key
    ITEM_CANCELLED = "item_cancelled"  #: its open item is withdrawn: the target step is background
    GONE = "gone"  #: under way but not in the target: the run cannot move
    FORM_CHANGED = "form_changed"  #: its open item's form changed incompatibly: cannot move


_BLOCKING = {Fate.GONE: Unmapped.STEP_GONE, Fate.FORM_CHANGED: Unmapped.FORM_CHANGED}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a run cannot move."""

    code: Unmapped
    message: str
    step_id: str | None = None


@dataclass(slots=True)
class InFlight:
    """What a move does to work under way (one run, or summed over many)."""

    steps_carried: int = 0
    steps_restarted: int = 0
    work_items_carried: int = 0
    work_items_reissued: int = 0
    work_items_cancelled: int = 0
    timers_rescheduled: int = 0

    def add(self, other: InFlight) -> None:
        """Add ``other``'s counts to these."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class RunDecision:
    """One run under a plan: where it lands, or why it stays; and its steps' fates."""

    source_node: str | None
    target_node: str | None
    problem: Problem | None
    fates: dict[str, Fate] = field(default_factory=dict)

    @property
    def movable(self) -> bool:
        """Whether the run can move."""
        return self.problem is None


def step_fate(move: StepMove | None, st: StepState) -> Fate:
    """What becomes of step state ``st`` under ``move`` (``None``: not a step of the plan)."""
    status = st.status
    target = None if move is None else move.target
    if status in FINISHED_STEP_STATUSES or status is StepStatus.PENDING:
        return Fate.DROPPED if target is None else Fate.CARRIED
    if move is None or target is None:
        return Fate.GONE
    if status is StepStatus.FAILED:
        return Fate.CARRIED  # nothing under way: an admin retries or skips it by its new id
    if status is StepStatus.WAITING:
        if not isinstance(target, InteractiveStep):
            return Fate.ITEM_CANCELLED
        if move.form_fit is FormFit.INCOMPATIBLE:
            return Fate.FORM_CHANGED
        return Fate.ITEM_CARRIED if move.target_id == move.source_id else Fate.ITEM_REISSUED
    return Fate.CARRIED if move.same else Fate.RESTARTED


def _deferred_problem(plan: Plan, state: RunState) -> Problem | None:
    """Events held for a paused run (or one at an incident) that name what the move renames:
    applied after the move, they would miss their stage or step and be ignored."""
    for held in state.deferred:
        event = held.event
        named: list[tuple[str, str, bool]] = []  # (id, what it becomes, a step's id)
        if isinstance(event, TimerFired):
            key = TimerKey.parse(event.timer_key)
            if key is not None:
                named = [(key.node_id, plan.node_of(key.node_id), False)]
                if key.step_id:
                    named.append((key.step_id, plan.step_of(key.step_id), True))
        elif (step_id := getattr(event, "step_id", None)) is not None:
            named = [(step_id, plan.step_of(step_id), True)]
        for name, becomes, is_step in named:
            if becomes != name:
                return Problem(
                    Unmapped.DEFERRED_EVENTS,
                    f"an event held while the run was {state.status.value} names "
                    f"{name!r}, which the move renames; resume the run first",
                    name if is_step else None,
                )
    return None


def decide(plan: Plan, state: RunState) -> RunDecision:
    """Whether ``state``'s run can move under ``plan``, and how its steps fare."""
    source = state.node_id
    node = plan.nodes.get(source) if source is not None else None
    if node is None:
        message = f"node {source!r} is not in version {plan.from_version}"
        return RunDecision(source, None, Problem(Unmapped.NODE_GONE, message))
    if node.problem is not None:
        if node.problem is Unmapped.NODE_GONE:
            message = f"node {source!r} is not in version {plan.to_version}; map it (old=new)"
        else:
            message = f"node {source!r} becomes {node.target_id!r}, which is another kind of node"
        return RunDecision(source, node.target_id, Problem(node.problem, message))
    decision = RunDecision(source, node.target_id, None)
    for sid, st in state.steps.items():
        move = node.steps.get(sid)
        fate = step_fate(move, st)
        decision.fates[sid] = fate
        blocked = _BLOCKING.get(fate)
        if blocked is not None and decision.problem is None:
            target = plan.step_of(sid)
            message = (
                f"step {sid!r} is {st.status.value} and is not in stage {node.target_id!r} "
                f"of version {plan.to_version}; map it (old=new)"
                if blocked is Unmapped.STEP_GONE
                else f"the open work item of step {sid!r} has a form that {target!r} in "
                f"version {plan.to_version} changes incompatibly (a field removed, retyped "
                "or newly required)"
            )
            decision.problem = Problem(blocked, message, sid)
    if decision.problem is None:
        decision.problem = _deferred_problem(plan, state)
    if decision.problem is None:
        missing = [name for name in plan.required if is_empty(state.case.get(name))]
        if missing:
            decision.problem = Problem(
                Unmapped.MISSING_REQUIRED_FIELD,
                f"version {plan.to_version} requires case field(s) "
                f"{', '.join(repr(m) for m in missing)}, which the case leaves empty",
            )
    return decision
