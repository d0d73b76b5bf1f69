"""Realistic, valid workflows of any size, for benchmarks and property-based tests.

The generated graph has the shape of real case work: a main line of stages (each a
parallel group of one to four steps, some waiting for others), decisions with two or
three outcomes plus a default, outcomes that end the case early, side stages that
rejoin the main line, rework stages and decision outcomes that jump back with go-to
edges, several ends, a typed case schema and conditions over case fields, step
outputs, SLA state and counters. Nodes are laid out left to right.

Generation is pure and deterministic for a seed.

>>> wf = generate_workflow(50, seed=7)
>>> len(wf.nodes)
50
>>> wf == generate_workflow(50, seed=7)
True
>>> from graphs.validation import validate
>>> validate(wf)
[]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphs.conditions import SLA_STATES, Group, Operator, Rule
from graphs.model import (
    SLA,
    Assignment,
    BackgroundStep,
    CaseField,
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    FieldType,
    FormField,
    InteractiveStep,
    Node,
    Outcome,
    Position,
    RetryPolicy,
    RoutingStrategy,
    StageNode,
    StartNode,
    Step,
    StepInput,
    Trigger,
    TriggerEvent,
    Workflow,
)

__all__ = ["CASE_SCHEMA", "build_workflow", "generate_workflow"]

CASE_SCHEMA: tuple[CaseField, ...] = (
    CaseField(name="subject", label="Subject", required=True),
    CaseField(name="description", label="Description"),
    CaseField(
        name="priority",
        label="Priority",
        type=FieldType.PICKLIST,
        values=["low", "medium", "high", "urgent"],
        required=True,
    ),
    CaseField(
        name="status",
        label="Status",
        type=FieldType.PICKLIST,
        values=["new", "open", "pending", "closed"],
    ),
    CaseField(
        name="channel", label="Channel", type=FieldType.PICKLIST, values=["email", "phone", "web"]
    ),
    CaseField(
        name="region", label="Region", type=FieldType.PICKLIST, values=["emea", "amer", "apac"]
    ),
    CaseField(name="amount", label="Amount", type=FieldType.NUMBER),
    CaseField(name="contact_count", label="Contacts", type=FieldType.NUMBER),
    CaseField(name="vip", label="VIP customer", type=FieldType.BOOLEAN),
    CaseField(name="due_at", label="Due", type=FieldType.DATETIME),
    CaseField(name="account_id", label="Account"),
    CaseField(name="contact_email", label="Contact e-mail"),
)
"""The case schema every generated workflow declares."""

_FORMS: tuple[FormField, ...] = (
    FormField(name="approved", label="Approved?", type=FieldType.BOOLEAN, required=True),
    FormField(name="notes", label="Notes"),
    FormField(
        name="category",
        label="Category",
        type=FieldType.PICKLIST,
        values=["billing", "technical", "account", "other"],
    ),
    FormField(name="estimate_hours", label="Estimate (hours)", type=FieldType.NUMBER),
    FormField(name="follow_up_at", label="Follow up at", type=FieldType.DATETIME),
)
_ACTIONS = ("notify", "set_fields", "http_request", "salesforce_update", "assign")
_QUEUES = ("tier1", "tier2", "billing", "claims", "approvals", "field_ops")
_SKILLS = ("english", "german", "billing", "hardware", "network", "legal")
_RESOLUTIONS = ("resolved", "cancelled", "rejected", "duplicate", "escalated_out")
_COLUMN = 240.0
_LANE = 160.0
_MAX_GOTO_REACH = 6


@dataclass
class _Builder:
    """Accumulates one workflow; only :func:`build_workflow` uses it."""

    rng: random.Random
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    main_stages: list[str] = field(default_factory=list)
    # Form fields of interactive steps built so far, for step.<id>.<key> conditions.
    outputs: list[tuple[str, FormField]] = field(default_factory=list)
    # Those of main-line steps without an entry condition: every later stage has seen
    # them, so a step input may read them (validation warns of any other).
    inputs_from: list[tuple[str, FormField]] = field(default_factory=list)
    column: int = 0

    def edge(self, source: str, target: str, kind: EdgeKind, outcome: str | None = None) -> None:
        label = "" if outcome is None else outcome.replace("_", " ")
        self.edges.append(
            Edge(
                id=f"e{len(self.edges) + 1}",
                source=source,
                target=target,
                kind=kind,
                outcome=outcome,
                label=label,
            )
        )

    def position(self, lane: float = 0.0) -> Position:
        return Position(x=self.column * _COLUMN, y=lane * _LANE)


@dataclass(frozen=True)
class _Pending:
    """An edge whose source is drawn and whose target is the next node on the main line."""

    source: str
    kind: EdgeKind
    outcome: str | None = None


def generate_workflow(n_nodes: int, seed: int = 0) -> Workflow:
    """A valid workflow of exactly ``n_nodes`` nodes (at least 2), the same for a seed.

    >>> wf = generate_workflow(12, seed=3)
    >>> [n.kind for n in wf.nodes][:2], wf.nodes[-1].kind
    (['start', 'stage'], 'end')
    """
    return build_workflow(n_nodes, random.Random(seed))


def build_workflow(n_nodes: int, rng: random.Random) -> Workflow:
    """A valid workflow of exactly ``n_nodes`` nodes, drawing every choice from ``rng``.

    Property-based tests pass a Hypothesis-controlled ``rng`` here.

    >>> len(build_workflow(2, random.Random(0)).edges)
    1
    >>> build_workflow(1, random.Random(0))
    Traceback (most recent call last):
    ...
    ValueError: a workflow needs at least 2 nodes (a start and an end), not 1
    """
    if n_nodes < 2:
        raise ValueError(f"a workflow needs at least 2 nodes (a start and an end), not {n_nodes}")
    b = _Builder(rng)
    b.nodes.append(StartNode(id="start", name="Start", position=b.position()))
    pending = [_Pending("start", EdgeKind.NEXT)]
    budget = n_nodes - 2  # the start and the final end are fixed
    while budget > 0:
        b.column += 1
        if budget >= 2 and b.main_stages and rng.random() < 0.35:
            pending, used = _decision(b, pending, budget)
        else:
            pending, used = _main_stage(b, pending), 1
        budget -= used
    b.column += 1
    final = EndNode(id="end", name="Resolved", resolution="resolved", position=b.position())
    b.nodes.append(final)
    _connect(b, pending, final.id)
    return Workflow(
        id=f"generated_{n_nodes}",
        name=f"Generated workflow ({n_nodes} nodes)",
        description="A generated workflow for benchmarks and property-based tests.",
        case_schema=[f.model_copy() for f in CASE_SCHEMA],
        trigger=Trigger(
            kind="record",
            on=TriggerEvent.CREATE_OR_UPDATE,
            condition=Group(rules=[Rule(field="case.status", op=Operator.NE, value="closed")]),
        ),
        nodes=b.nodes,
        edges=b.edges,
    )


def _connect(b: _Builder, pending: list[_Pending], target: str) -> None:
    for p in pending:
        b.edge(p.source, target, p.kind, p.outcome)


def _main_stage(b: _Builder, pending: list[_Pending]) -> list[_Pending]:
    stage = _stage(b, f"stage_{len(b.nodes)}", lane=0.0)
    for step in stage.steps:
        if isinstance(step, InteractiveStep) and step.entry_condition is None:
            b.inputs_from.extend((step.id, f) for f in step.form)
    b.nodes.append(stage)
    _connect(b, pending, stage.id)
    b.main_stages.append(stage.id)
    return [_Pending(stage.id, EdgeKind.NEXT)]


def _decision(b: _Builder, pending: list[_Pending], budget: int) -> tuple[list[_Pending], int]:
    """A decision; its default continues on the main line, other outcomes vary."""
    rng = b.rng
    decision_id = f"decision_{len(b.nodes)}"
    n_outcomes = rng.randint(2, 3)
    outcomes = [
        Outcome(id=f"o{k + 1}", label=f"Outcome {k + 1}", condition=_condition(b))
        for k in range(n_outcomes)
    ]
    default = Outcome(id="otherwise", label="Otherwise")
    b.nodes.append(
        DecisionNode(
            id=decision_id,
            name=f"Decision {len(b.nodes)}",
            outcomes=outcomes,
            default_outcome=default,
            position=b.position(),
        )
    )
    _connect(b, pending, decision_id)
    used = 1
    next_pending = [_Pending(decision_id, EdgeKind.OUTCOME, default.id)]
    for lane, outcome in enumerate(outcomes, start=1):
        roles = ["continue", "goto"] + ["end", "branch", "rework"] * (budget - used > 0)
        role = rng.choice(roles)
        if role == "continue":
            next_pending.append(_Pending(decision_id, EdgeKind.OUTCOME, outcome.id))
        elif role == "goto":
            target = rng.choice(b.main_stages[-_MAX_GOTO_REACH:])
            b.edge(decision_id, target, EdgeKind.GOTO, outcome.id)
        elif role == "end":
            resolution = rng.choice(_RESOLUTIONS)
            end = EndNode(
                id=f"end_{len(b.nodes)}",
                name=resolution.replace("_", " ").capitalize(),
                resolution=resolution,
                position=Position(x=(b.column + 1) * _COLUMN, y=-lane * _LANE),
            )
            b.nodes.append(end)
            b.edge(decision_id, end.id, EdgeKind.OUTCOME, outcome.id)
            used += 1
        else:
            b.column += 1
            side = _stage(b, f"{role}_{len(b.nodes)}", lane=float(lane))
            b.nodes.append(side)
            b.edge(decision_id, side.id, EdgeKind.OUTCOME, outcome.id)
            used += 1
            if role == "branch":
                next_pending.append(_Pending(side.id, EdgeKind.NEXT))
            else:
                target = rng.choice(b.main_stages[-_MAX_GOTO_REACH:])
                b.edge(side.id, target, EdgeKind.GOTO)
    return next_pending, used


def _stage(b: _Builder, stage_id: str, lane: float) -> StageNode:
    rng = b.rng
    steps: list[Step] = []
    for k in range(rng.randint(1, 4)):
        step_id = f"{stage_id}_s{k + 1}"
        after = [steps[rng.randrange(k)].id] if k and rng.random() < 0.4 else []
        entry = (
            Group(rules=[Rule(field="case.vip", op=Operator.EQ, value=True)])
            if rng.random() < 0.1
            else None
        )
        if rng.random() < 0.5:
            steps.append(_interactive(b, step_id, after, entry))
        else:
            steps.append(_background(b, step_id, after, entry))
    for step in steps:
        if isinstance(step, InteractiveStep):
            b.outputs.extend((step.id, f) for f in step.form)
    target = float(rng.choice((60, 240, 480, 1440)))
    return StageNode(
        id=stage_id,
        name=stage_id.replace("_", " ").capitalize(),
        steps=steps,
        owner=rng.choice(_QUEUES),
        sla=SLA(target_minutes=target, warning_minutes=target * 0.75),
        entry_condition=(
            Group(rules=[Rule(field="case.status", op=Operator.NE, value="closed")])
            if rng.random() < 0.15
            else None
        ),
        exit_condition=(
            Group(rules=[Rule(field="case.status", op=Operator.EQ, value="closed")])
            if rng.random() < 0.15
            else None
        ),
        position=b.position(lane),
    )


def _interactive(
    b: _Builder, step_id: str, after: list[str], entry: Group | None
) -> InteractiveStep:
    rng = b.rng
    form = [f.model_copy() for f in rng.sample(_FORMS, rng.randint(1, 3))]
    return InteractiveStep(
        id=step_id,
        name=f"Review {step_id}",
        after=after,
        entry_condition=entry,
        assignment=Assignment(
            queue=rng.choice(_QUEUES),
            skills=rng.sample(_SKILLS, rng.randint(0, 2)),
            strategy=rng.choice([None, *RoutingStrategy]),
        ),
        form=form,
        sla=SLA(target_minutes=120, warning_minutes=90) if rng.random() < 0.5 else None,
    )


def _background(b: _Builder, step_id: str, after: list[str], entry: Group | None) -> BackgroundStep:
    rng = b.rng
    # The random draws come in the order they always did, so a seed gives the workflow
    # it gave before; only the inputs are shaped for the action drawn.
    text = StepInput(type=FieldType.STRING, value=f"template_{rng.randint(1, 9)}")
    with_amount = rng.random() < 0.5
    picked = rng.choice(b.outputs) if b.outputs and rng.random() < 0.3 else None
    action = rng.choice(_ACTIONS)
    # Inputs each built-in action takes, so a generated workflow validates against the
    # runtime's action catalogue (required inputs given, no unknown ones).
    inputs: dict[str, StepInput]
    if action == "notify":
        inputs = {"to": StepInput(type=FieldType.STRING, ref="case.contact_email"), "subject": text}
    elif action == "set_fields":
        inputs = {"status": StepInput(type=FieldType.PICKLIST, value="open")}
        if with_amount:
            inputs["amount"] = StepInput(type=FieldType.NUMBER, ref="case.amount")
    elif action == "http_request":
        url = f"https://svc.example.internal/v1/{text.value}"
        inputs = {"url": StepInput(type=FieldType.STRING, value=url)}
    elif action == "salesforce_update":
        inputs = {"Description": text}
    else:
        inputs = {"queue": StepInput(type=FieldType.STRING, value=_QUEUES[len(step_id) % 6])}
    # Only an output every later stage has seen (see _Builder.inputs_from).
    if picked in b.inputs_from and action in ("notify", "http_request"):
        assert picked is not None
        source_step, form_field = picked
        inputs["body" if action == "notify" else "json"] = StepInput(
            type=form_field.type, ref=f"step.{source_step}.{form_field.name}"
        )
    return BackgroundStep(
        id=step_id,
        name=f"Run {step_id}",
        after=after,
        entry_condition=entry,
        action=action,
        inputs=inputs,
        retry=RetryPolicy(max_attempts=rng.randint(1, 5)),
        timeout_seconds=float(rng.choice((10, 30, 60))),
    )


def _condition(b: _Builder) -> Group:
    """A one- to three-rule condition, sometimes with a nested ``any`` group."""
    rng = b.rng
    rules: list[Rule | Group] = [_rule(b) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.3:
        rules.append(Group(match="any", rules=[_rule(b), _rule(b)]))
    return Group(match=rng.choice(("all", "any")), rules=rules)


def _rule(b: _Builder) -> Rule:
    rng = b.rng
    pick = rng.random()
    if pick < 0.15 and b.outputs:
        step_id, form_field = rng.choice(b.outputs)
        op, value = _comparison(rng, form_field.type, form_field.values)
        return Rule(field=f"step.{step_id}.{form_field.name}", op=op, value=value)
    if pick < 0.22:
        return Rule(field="sla.state", op=Operator.EQ, value=rng.choice(SLA_STATES))
    if pick < 0.27:
        return Rule(field="counter.reopened", op=Operator.LT, value=rng.randint(1, 5))
    case_field = rng.choice(CASE_SCHEMA)
    op, value = _comparison(rng, case_field.type, case_field.values)
    return Rule(field=f"case.{case_field.name}", op=op, value=value)


def _comparison(rng: random.Random, type_: FieldType, values: list[str]) -> tuple[Operator, Any]:
    """An operator and a value that suit a field of this type."""
    if type_ is FieldType.PICKLIST:
        if rng.random() < 0.5:
            return Operator.EQ, rng.choice(values)
        return Operator.IN, rng.sample(values, rng.randint(1, len(values)))
    if type_ is FieldType.NUMBER:
        return rng.choice((Operator.GT, Operator.LTE, Operator.EQ)), rng.randint(0, 5000)
    if type_ is FieldType.BOOLEAN:
        return Operator.EQ, rng.random() < 0.5
    if type_ is FieldType.DATETIME:
        return rng.choice((Operator.LT, Operator.GTE)), f"2026-0{rng.randint(1, 9)}-15T09:00:00Z"
    if rng.random() < 0.5:
        return Operator.IS_SET, None
    return Operator.CONTAINS, rng.choice(("urgent", "refund", "outage"))
