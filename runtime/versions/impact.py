"""The impact of a move before anything moves: per source node, where its runs go and why
some cannot; what becomes of work under way. Pure: it counts decisions it is handed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from runtime.engine.types import RunState, SlaClock
from runtime.versions.decide import InFlight, RunDecision, decide
from runtime.versions.move import in_flight, migrate_state
from runtime.versions.plan import Plan

__all__ = ["MAX_LISTED", "Impact", "NodeImpact", "UnmappedRun", "impact_of", "unmapped_run"]

#: how many unmapped runs an impact (or a move) lists, oldest first
MAX_LISTED = 100


class UnmappedRun(BaseModel):
    """A run that cannot move, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    case_id: str
    node_id: str | None
    step_id: str | None
    code: str
    message: str


@dataclass(slots=True)
class NodeImpact:
    """The runs at one source node."""

    source_node: str
    target_node: str | None
    runs: int = 0
    movable: int = 0
    unmapped: int = 0
    #: code -> [message, runs]: the first message stands for the code's runs at this node
    reasons: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(slots=True)
class Impact:
    """What moving a workflow's unfinished runs would do."""

    plan: Plan
    runs: int = 0
    movable: int = 0
    unmapped: int = 0
    nodes: dict[str, NodeImpact] = field(default_factory=dict)
    target_nodes: dict[str, int] = field(default_factory=dict)
    in_flight: InFlight = field(default_factory=InFlight)
    unmapped_runs: list[UnmappedRun] = field(default_factory=list)
    #: what a move does to work under way, per shape of run (see :func:`_shape`)
    _flights: dict[tuple[Any, ...], InFlight] = field(default_factory=dict)

    def count(self, decision: RunDecision, state: RunState) -> None:
        """Count one run, decided (its state is moved in memory to count its work)."""
        self.runs += 1
        source = decision.source_node or ""
        node = self.nodes.get(source)
        if node is None:
            node = self.nodes[source] = NodeImpact(source, decision.target_node)
        node.runs += 1
        problem = decision.problem
        if problem is None:
            self.movable += 1
            node.movable += 1
            target = decision.target_node or ""
            self.target_nodes[target] = self.target_nodes.get(target, 0) + 1
            shape = _shape(state)
            flight = self._flights.get(shape)
            if flight is None:
                flight = self._flights[shape] = in_flight(migrate_state(self.plan, state))
            self.in_flight.add(flight)
            return
        self.unmapped += 1
        node.unmapped += 1
        reason = node.reasons.setdefault(problem.code.value, [problem.message, 0])
        reason[1] += 1
        if len(self.unmapped_runs) < MAX_LISTED:
            self.unmapped_runs.append(unmapped_run(state, decision))


def _clock(clock: SlaClock | None) -> tuple[Any, ...] | None:
    if clock is None:
        return None
    early = clock.warning_at is not None and clock.warning_at < clock.due_at
    return (clock.state, clock.stopped_at is None, early)


def _shape(state: RunState) -> tuple[Any, ...]:
    """What decides a move's effect on work under way: the node, each step's status and
    SLA clock, the stage's clock. Runs of one shape fare alike, so counting one suffices
    (moving 10,000 runs in memory to count them would cost more than reading them)."""
    steps = tuple(
        (sid, st.status, st.work_item_key is None, _clock(st.sla))
        for sid, st in state.steps.items()
    )
    return (state.node_id, steps, _clock(state.sla), state.node_entered_at is None)


def unmapped_run(state: RunState, decision: RunDecision) -> UnmappedRun:
    """The listing of a run that cannot move."""
    problem = decision.problem
    assert problem is not None
    return UnmappedRun(
        run_id=state.run_id,
        case_id=state.case_id,
        node_id=state.node_id,
        step_id=problem.step_id,
        code=problem.code.value,
        message=problem.message,
    )


def impact_of(plan: Plan, states: Iterable[RunState]) -> Impact:
    """The impact of ``plan`` on ``states`` (oldest first, so the listing is too)."""
    impact = Impact(plan)
    for state in states:
        impact.count(decide(plan, state), state)
    return impact
