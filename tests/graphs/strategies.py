"""Hypothesis strategies: random valid workflows, and single mutations that break them.

``valid_workflows()`` draws workflows from :func:`graphs.generate.build_workflow` with a
Hypothesis-controlled random source, so failures shrink to a small size and a simple
sequence of choices. ``mutations()`` draws a valid workflow and applies one realistic
mistake to it, returning what :func:`graphs.validation.validate` must report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from hypothesis import assume
from hypothesis import strategies as st

from graphs.conditions import Group, Operator, Rule
from graphs.generate import build_workflow
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    StageNode,
    StartNode,
    Workflow,
)
from graphs.problems import Problem, ProblemCode

__all__ = ["MUTATIONS", "Mutation", "mutations", "valid_workflows"]


def valid_workflows(min_nodes: int = 2, max_nodes: int = 40) -> st.SearchStrategy[Workflow]:
    """Random valid workflows of ``min_nodes`` to ``max_nodes`` nodes."""
    return st.builds(
        build_workflow,
        st.integers(min_value=min_nodes, max_value=max_nodes),
        st.randoms(use_true_random=False),
    )


@dataclass(frozen=True)
class Mutation:
    """A workflow with one mistake, and the problem that must be reported for it."""

    name: str
    workflow: Workflow
    code: ProblemCode
    element_id: str

    def caught_by(self, problem: Problem) -> bool:
        """Whether ``problem`` reports this mistake on the right element."""
        named = {problem.node_id, problem.edge_id, problem.step_id, *problem.related}
        return problem.code is self.code and self.element_id in named


T = TypeVar("T")
Mutator = Callable[[st.DrawFn, Workflow], tuple[ProblemCode, str]]


def _stages(wf: Workflow) -> list[StageNode]:
    return [n for n in wf.nodes if isinstance(n, StageNode)]


def _decisions(wf: Workflow) -> list[DecisionNode]:
    return [n for n in wf.nodes if isinstance(n, DecisionNode)]


def _pick(draw: st.DrawFn, items: list[T]) -> T:
    assume(items)
    return draw(st.sampled_from(items))


def dangling_edge(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    edge = _pick(draw, wf.edges)
    edge.target = "no_such_node"
    return ProblemCode.DANGLING_EDGE, edge.id


def removed_default(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    decision = _pick(draw, _decisions(wf))
    decision.default_outcome = None
    return ProblemCode.DECISION_WITHOUT_DEFAULT, decision.id


def cycle_without_goto(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    edge = _pick(draw, [e for e in wf.edges if e.kind is EdgeKind.GOTO])
    edge.kind = EdgeKind.NEXT if edge.outcome is None else EdgeKind.OUTCOME
    return ProblemCode.CYCLE_WITHOUT_GOTO, edge.id


def forward_goto(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    edge = next(e for e in wf.edges if e.source == "start")
    edge.kind = EdgeKind.GOTO
    return ProblemCode.GOTO_CLOSES_NO_CYCLE, edge.id


def duplicate_node_id(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    first = draw(st.integers(0, len(wf.nodes) - 2))
    second = draw(st.integers(first + 1, len(wf.nodes) - 1))
    wf.nodes[second].id = wf.nodes[first].id
    return ProblemCode.DUPLICATE_NODE_ID, wf.nodes[first].id


def duplicate_edge_id(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    assume(len(wf.edges) >= 2)
    first, second = draw(st.lists(st.sampled_from(wf.edges), min_size=2, max_size=2, unique_by=id))
    second.id = first.id
    return ProblemCode.DUPLICATE_EDGE_ID, first.id


def duplicate_step_id(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    steps = [step for stage in _stages(wf) for step in stage.steps]
    assume(len(steps) >= 2)
    first, second = draw(st.lists(st.sampled_from(steps), min_size=2, max_size=2, unique_by=id))
    second.id = first.id
    return ProblemCode.DUPLICATE_STEP_ID, first.id


def after_cycle(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    stage = _pick(draw, [s for s in _stages(wf) if len(s.steps) >= 2])
    first, second = draw(
        st.lists(st.sampled_from(stage.steps), min_size=2, max_size=2, unique_by=id)
    )
    first.after, second.after = [second.id], [first.id]
    return ProblemCode.AFTER_CYCLE, first.id


def after_unknown_step(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    step = _pick(draw, [step for stage in _stages(wf) for step in stage.steps])
    step.after = [*step.after, "no_such_step"]
    return ProblemCode.UNKNOWN_AFTER_STEP, step.id


def unknown_field(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    decision = _pick(draw, _decisions(wf))
    outcome = draw(st.sampled_from(decision.outcomes))
    assert outcome.condition is not None
    outcome.condition.rules.append(Rule(field="case.no_such_field", op=Operator.IS_SET))
    return ProblemCode.UNKNOWN_FIELD, decision.id


def wrong_value_type(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    decision = _pick(draw, _decisions(wf))
    outcome = draw(st.sampled_from(decision.outcomes))
    outcome.condition = Group(rules=[Rule(field="case.amount", op=Operator.GT, value="lots")])
    return ProblemCode.BAD_CONDITION_VALUE, decision.id


def end_with_outgoing_edge(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    end = _pick(draw, [n for n in wf.nodes if isinstance(n, EndNode)])
    target = draw(st.sampled_from([n.id for n in wf.nodes if not isinstance(n, StartNode)]))
    wf.edges.append(Edge(id="from_end", source=end.id, target=target))
    return ProblemCode.END_HAS_OUTGOING_EDGE, "from_end"


def unreachable_node(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    wf.nodes.append(
        StageNode(id="island", steps=[BackgroundStep(id="island_step", action="notify")])
    )
    wf.edges.append(Edge(id="island_out", source="island", target="end"))
    return ProblemCode.UNREACHABLE_NODE, "island"


def stage_without_steps(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    stage = _pick(draw, _stages(wf))
    stage.steps = []
    # Conditions and inputs may name its steps; those are reported too, and allowed.
    return ProblemCode.STAGE_WITHOUT_STEPS, stage.id


def missing_outcome_edge(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    decision = _pick(draw, _decisions(wf))
    edge = draw(st.sampled_from([e for e in wf.edges if e.source == decision.id]))
    wf.edges.remove(edge)
    return ProblemCode.OUTCOME_WITHOUT_EDGE, decision.id


def second_way_on(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    stage = _pick(draw, _stages(wf))
    wf.edges.append(Edge(id="shortcut", source=stage.id, target="end"))
    return ProblemCode.SEVERAL_WAYS_ON, stage.id


def edge_into_start(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    edge = _pick(draw, [e for e in wf.edges if e.source != "start"])
    edge.target = "start"
    return ProblemCode.EDGE_INTO_START, edge.id


def late_sla_warning(draw: st.DrawFn, wf: Workflow) -> tuple[ProblemCode, str]:
    stage = _pick(draw, [s for s in _stages(wf) if s.sla is not None])
    assert stage.sla is not None
    stage.sla.warning_minutes = stage.sla.target_minutes + draw(st.integers(0, 100))
    return ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET, stage.id


MUTATIONS: dict[str, Mutator] = {
    f.__name__: f
    for f in (
        dangling_edge,
        removed_default,
        cycle_without_goto,
        forward_goto,
        duplicate_node_id,
        duplicate_edge_id,
        duplicate_step_id,
        after_cycle,
        after_unknown_step,
        unknown_field,
        wrong_value_type,
        end_with_outgoing_edge,
        unreachable_node,
        stage_without_steps,
        missing_outcome_edge,
        second_way_on,
        edge_into_start,
        late_sla_warning,
    )
}
"""Every single mistake :func:`mutations` may make, by name."""


@st.composite
def mutations(draw: st.DrawFn, names: tuple[str, ...] = tuple(MUTATIONS)) -> Mutation:
    """A valid workflow with one of the named mistakes applied."""
    workflow = draw(valid_workflows(min_nodes=12, max_nodes=40))
    name = draw(st.sampled_from(names))
    code, element_id = MUTATIONS[name](draw, workflow)
    return Mutation(name, workflow, code, element_id)
