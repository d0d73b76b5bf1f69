"""A published workflow version compiled once into the indexes the engine walks.

:func:`compile_workflow` turns a :class:`graphs.model.Workflow` into a
:class:`CompiledWorkflow`: nodes by id, each node's outgoing edge(s), the steps of each
stage in order, and every condition compiled to a predicate. Callers build it once per
published version and cache it; the transition never compiles anything per event.

>>> from graphs.model import Edge, EndNode, StartNode, Workflow
>>> wf = Workflow(id="w", name="W", nodes=[StartNode(id="s"), EndNode(id="e")],
...               edges=[Edge(id="e1", source="s", target="e")])
>>> d = compile_workflow(wf)
>>> d.start_id, d.nodes["s"].next_edge.target
('s', 'e')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Literal

from graphs.conditions import Facts, Reader, read_path, reader
from graphs.dataflow import form_case_fields, hidden_answers
from graphs.explain import CompiledCondition, compile_explained, summarize
from graphs.model import (
    SLA,
    BackgroundStep,
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    EscalationRule,
    InteractiveStep,
    Outcome,
    StageNode,
    StartNode,
    Workflow,
)
from graphs.validation import steps_waiting_for_ever
from runtime.engine.errors import DefinitionError
from runtime.sla.calendar import BusinessCalendar

__all__ = [
    "CompiledCondition",
    "CompiledEscalation",
    "CompiledNode",
    "CompiledOutcome",
    "CompiledSla",
    "CompiledStep",
    "CompiledWorkflow",
    "EscalationPlan",
    "compile_escalations",
    "compile_workflow",
    "read_path",
    "summarize",
]

WAIT_ACTION = "wait"


@dataclass(frozen=True, slots=True)
class CompiledSla:
    """An SLA with its minutes as durations, made once (a clock starts per stage visit
    and interactive step attempt; building the durations there cost 2% of the engine)."""

    spec: SLA
    warning: timedelta | None
    target: timedelta


def _compile_sla(sla: SLA | None) -> CompiledSla | None:
    if sla is None:
        return None
    warning = None if sla.warning_minutes is None else timedelta(minutes=sla.warning_minutes)
    return CompiledSla(sla, warning, timedelta(minutes=sla.target_minutes))


@dataclass(frozen=True, slots=True)
class CompiledStep:
    """One step of a stage, ready to start."""

    id: str
    index: int
    spec: BackgroundStep | InteractiveStep
    node_id: str
    title: str
    interactive: bool
    is_wait: bool
    after: tuple[str, ...]
    entry: CompiledCondition | None
    #: a background step's inputs as (name, literal value, ref) and their declared types
    inputs: tuple[tuple[str, Any, str | None], ...] = ()
    input_types: Mapping[str, Any] | None = None
    #: ``inputs`` with each ref turned into a reader of the facts (``None``: a literal)
    input_plan: tuple[tuple[str, Any, Reader | None], ...] = ()
    #: the inputs by name when none is a ref (they are the same for every run)
    literal_inputs: Mapping[str, Any] | None = None
    #: ``<stage>.<step>``, as timer keys name the step
    target: str = ""
    #: a background step's action and timeout, read off the spec once
    action: str = ""
    timeout_seconds: float = 0.0
    #: form fields whose answers the log leaves out (sensitive case fields)
    hidden: frozenset[str] = frozenset()
    sla: CompiledSla | None = None  #: an interactive step's own SLA


@dataclass(frozen=True, slots=True)
class CompiledOutcome:
    """A decision outcome with its compiled condition and the edge it takes."""

    outcome: Outcome
    condition: CompiledCondition | None  #: ``None`` always holds
    edge: Edge | None
    is_default: bool


@dataclass(frozen=True, slots=True)
class CompiledNode:
    """A node with what the engine needs at it, precomputed."""

    id: str
    kind: Literal["start", "stage", "decision", "end"]
    spec: StartNode | StageNode | DecisionNode | EndNode
    title: str
    outgoing: tuple[Edge, ...]
    next_edge: Edge | None  #: the edge a start or a finished stage leaves by
    steps: tuple[CompiledStep, ...] = ()
    step_index: Mapping[str, CompiledStep] | None = None
    entry: CompiledCondition | None = None
    exit: CompiledCondition | None = None
    outcomes: tuple[CompiledOutcome, ...] = ()
    default: CompiledOutcome | None = None
    sla: CompiledSla | None = None  #: a stage's SLA


@dataclass(frozen=True, slots=True)
class CompiledEscalation:
    """An escalation rule with its condition compiled once per workflow version."""

    rule: EscalationRule
    test: CompiledCondition
    stages: frozenset[str]


@dataclass(frozen=True, slots=True)
class EscalationPlan:
    """A workflow's escalation rules, and which of them watch each stage, worked out once.

    The transition consults it after every event, so "no rule watches this stage" is
    one dict lookup.
    """

    rules: tuple[CompiledEscalation, ...] = ()
    #: per stage node: the rules that watch it (a rule naming no stage watches them all);
    #: nodes that are not stages are absent
    at: Mapping[str, tuple[CompiledEscalation, ...]] = field(default_factory=dict)
    reads_sla: bool = False
    reads_counters: bool = False
    #: the stages where a watching rule reads ``sla.*`` / ``counter.*``: elsewhere the
    #: rules read what every other condition reads, and the run's own facts serve
    sla_at: frozenset[str] = frozenset()
    counters_at: frozenset[str] = frozenset()


def compile_escalations(wf: Workflow) -> EscalationPlan:
    """The escalation rules of ``wf`` compiled, with the rules watching each stage.

    Their counters fall back on the case's ``<name>_count`` fields, which the counters
    of stage, step and decision conditions do not (issue 15 settles which is right).
    """
    rules = tuple(
        CompiledEscalation(rule, test, frozenset(rule.stages))
        for rule in wf.escalations
        if (test := compile_explained(rule.condition)) is not None
    )
    if not rules:
        return EscalationPlan()
    at = {
        node.id: tuple(esc for esc in rules if not esc.stages or node.id in esc.stages)
        for node in wf.nodes
        if isinstance(node, StageNode)
    }
    roots = {node_id: _roots(watching) for node_id, watching in at.items()}
    return EscalationPlan(
        rules=rules,
        at=at,
        reads_sla=any("sla" in read for read in roots.values()),
        reads_counters=any("counter" in read for read in roots.values()),
        sla_at=frozenset(node_id for node_id, read in roots.items() if "sla" in read),
        counters_at=frozenset(node_id for node_id, read in roots.items() if "counter" in read),
    )


def _roots(rules: tuple[CompiledEscalation, ...]) -> set[str]:
    """The field roots (``case``, ``sla``, ...) the rules read."""
    return {r.field.partition(".")[0] for esc in rules for r, _ in esc.test.rules}


@dataclass(frozen=True, slots=True)
class CompiledWorkflow:
    """A workflow version compiled for the engine; immutable and shareable across threads."""

    workflow: Workflow
    nodes: Mapping[str, CompiledNode]
    start_id: str
    max_visits: int
    trigger: CompiledCondition | None
    #: whether any condition reads ``sla.*`` / ``counter.*``: when none does, the engine
    #: skips building those facts on every evaluation
    reads_sla: bool = True
    reads_counters: bool = True
    #: business calendars by name, for SLAs that name one (``SLA.calendar``); the store
    #: attaches them when it compiles a version. An SLA whose calendar is not here runs
    #: on wall-clock minutes.
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    #: the escalation rules, compiled with the version
    escalation: EscalationPlan = field(default_factory=EscalationPlan)
    #: what a completion writes to the case, per step id (the first step of that id, as
    #: ``Workflow.step`` finds it), worked out once per version: a background step's
    #: ``outputs_to_case`` and an interactive step's :func:`form_case_fields`; steps that
    #: write nothing are left out
    output_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    answer_fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The workflow's id."""
        return self.workflow.id

    def matches_trigger(
        self, case: Mapping[str, Any], previous: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether a case record matches the trigger's condition (no condition: always).

        Whether the change *kind* (create or update) starts a run is the caller's call,
        from ``workflow.trigger.on``.
        """
        if self.trigger is None:
            return True
        return self.trigger(Facts(case=case, previous_case=previous))

    def step(self, node_id: str, step_id: str) -> CompiledStep | None:
        """The step ``step_id`` of stage ``node_id``, if there is one."""
        node = self.nodes.get(node_id)
        if node is None or node.step_index is None:
            return None
        return node.step_index.get(step_id)


def _check_after(stage: StageNode) -> None:
    ids = [s.id for s in stage.steps]
    if len(set(ids)) != len(ids):
        raise DefinitionError(f"stage {stage.id!r} has two steps with one id", node_id=stage.id)
    known = set(ids)
    for step in stage.steps:
        for dep in step.after:
            if dep not in known or dep == step.id:
                raise DefinitionError(
                    f"step {step.id!r} of stage {stage.id!r} waits for {dep!r}, "
                    "which is not another step of that stage",
                    node_id=stage.id,
                    step_id=step.id,
                )
    # An ``after`` cycle would leave its steps pending for ever.
    stuck = steps_waiting_for_ever({s.id: s.after for s in stage.steps})
    if stuck:
        raise DefinitionError(
            f"steps {stuck} of stage {stage.id!r} wait for each other in a cycle",
            node_id=stage.id,
        )


def _literal_inputs(step: BackgroundStep | InteractiveStep) -> dict[str, Any] | None:
    inputs = getattr(step, "inputs", {})
    if any(inp.ref is not None for inp in inputs.values()):
        return None
    return {name: inp.value for name, inp in inputs.items()}


def _compile_step(
    wf: Workflow, node_id: str, k: int, step: BackgroundStep | InteractiveStep
) -> CompiledStep:
    """Step ``k`` of stage ``node_id``, ready to start."""
    return CompiledStep(
        hidden=hidden_answers(step, wf) if isinstance(step, InteractiveStep) else frozenset(),
        id=step.id,
        index=k,
        spec=step,
        node_id=node_id,
        title=step.name or step.id,
        interactive=isinstance(step, InteractiveStep),
        is_wait=isinstance(step, BackgroundStep) and step.action == WAIT_ACTION,
        after=tuple(step.after),
        entry=compile_explained(step.entry_condition),
        inputs=tuple(
            (name, inp.value, inp.ref) for name, inp in getattr(step, "inputs", {}).items()
        ),
        input_types={name: inp.type for name, inp in getattr(step, "inputs", {}).items()},
        input_plan=tuple(
            (
                name,
                inp.value,
                None if inp.ref is None else reader(inp.ref, bare_names=True),
            )
            for name, inp in getattr(step, "inputs", {}).items()
        ),
        literal_inputs=_literal_inputs(step),
        target=f"{node_id}.{step.id}",
        action=step.action if isinstance(step, BackgroundStep) else "",
        timeout_seconds=(step.timeout_seconds if isinstance(step, BackgroundStep) else 0.0),
        sla=_compile_sla(step.sla) if isinstance(step, InteractiveStep) else None,
    )


def compile_workflow(wf: Workflow) -> CompiledWorkflow:
    """Compile ``wf`` for the engine.

    Raises
    ------
    DefinitionError
        When the graph cannot be walked at all: no or several start nodes, duplicate
        node ids, an edge to or from an unknown node, or a stage whose ``after`` links
        are unknown or cyclic. (:mod:`graphs.validation` reports these and more to the
        designer; this is the engine's own safety net.)
    """
    specs: dict[str, StartNode | StageNode | DecisionNode | EndNode] = {}
    for node in wf.nodes:
        if node.id in specs:
            raise DefinitionError(f"two nodes have the id {node.id!r}", node_id=node.id)
        specs[node.id] = node
    starts = [n.id for n in wf.nodes if isinstance(n, StartNode)]
    if len(starts) != 1:
        raise DefinitionError(f"a workflow needs exactly one start node, found {len(starts)}")
    outgoing: dict[str, list[Edge]] = {node_id: [] for node_id in specs}
    for edge in wf.edges:
        for end in (edge.source, edge.target):
            if end not in specs:
                raise DefinitionError(f"edge {edge.id!r} refers to unknown node {end!r}")
        outgoing[edge.source].append(edge)

    nodes: dict[str, CompiledNode] = {}
    for node_id, spec in specs.items():
        edges = tuple(outgoing[node_id])
        # A start or stage leaves by its one outcome-less edge (next, or a go-to back).
        plain = [e for e in edges if e.outcome is None and e.kind is not EdgeKind.OUTCOME]
        compiled = CompiledNode(
            id=node_id,
            kind=spec.kind,
            spec=spec,
            title=spec.name or spec.id,
            outgoing=edges,
            next_edge=plain[0] if plain else None,
        )
        if isinstance(spec, StageNode):
            _check_after(spec)
            steps = tuple(_compile_step(wf, node_id, k, step) for k, step in enumerate(spec.steps))
            compiled = replace(
                compiled,
                steps=steps,
                step_index={s.id: s for s in steps},
                entry=compile_explained(spec.entry_condition),
                exit=compile_explained(spec.exit_condition),
                sla=_compile_sla(spec.sla),
            )
        elif isinstance(spec, DecisionNode):
            by_outcome = {e.outcome: e for e in edges if e.outcome is not None}
            default = spec.default_outcome
            compiled = replace(
                compiled,
                next_edge=None,
                outcomes=tuple(
                    CompiledOutcome(o, compile_explained(o.condition), by_outcome.get(o.id), False)
                    for o in spec.outcomes
                ),
                default=None
                if default is None
                else CompiledOutcome(default, None, by_outcome.get(default.id), True),
            )
        nodes[node_id] = compiled
    roots = {
        rule.field.partition(".")[0]
        for node in nodes.values()
        for cond in (
            node.entry,
            node.exit,
            *(o.condition for o in node.outcomes),
            *(s.entry for s in node.steps),
        )
        if cond is not None
        for rule, _ in cond.rules
    }
    inputs = {
        inp.ref.partition(".")[0]
        for node in nodes.values()
        for s in node.steps
        if isinstance(s.spec, BackgroundStep)
        for inp in s.spec.inputs.values()
        if inp.ref
    }
    output_fields: dict[str, Mapping[str, str]] = {}
    answer_fields: dict[str, Mapping[str, str]] = {}
    seen: set[str] = set()
    for stage in wf.nodes:
        for step in stage.steps if isinstance(stage, StageNode) else ():
            if step.id in seen:
                continue
            seen.add(step.id)
            if isinstance(step, BackgroundStep) and step.outputs_to_case:
                output_fields[step.id] = dict(step.outputs_to_case)
            elif isinstance(step, InteractiveStep) and (mapped := form_case_fields(step, wf)):
                answer_fields[step.id] = mapped
    return CompiledWorkflow(
        workflow=wf,
        nodes=nodes,
        start_id=starts[0],
        max_visits=wf.max_visits_per_node,
        trigger=compile_explained(wf.trigger.condition),
        reads_sla="sla" in roots | inputs,
        reads_counters="counter" in roots | inputs,
        escalation=compile_escalations(wf),
        output_fields=output_fields,
        answer_fields=answer_fields,
    )
