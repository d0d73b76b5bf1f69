"""Changed decisions a recorded case still passes as it did, judged on what it recorded.

A what-if need not simulate a case whose recorded path touches no node the draft changes
(:meth:`runtime.whatif.play.Draft.unaffected`). This module widens that to a case whose
path touches changed nodes only at decisions that differ from the old version in their
outcomes alone (conditions, order, default): at each ``decision.taken`` line of the case
on such a decision, the draft's compiled decision is judged on the values that line
recorded (``rules`` and ``not_taken[*].rules``: each rule's ``field`` and the value it
``seen``), and it must pick the same outcome along the very edge the case took. Then
the case walks the draft exactly as it walked the old version, line for line.

Anything the lines cannot settle is left to the simulation: a draft rule on a field the
line did not record, on ``sla.*`` or ``counter.*`` (their values depend on the clock and
on the walk), a ``changed`` rule (it reads the record before), a recorded ``None`` that
could be an absent field or a null one where the rule tells them apart, an entry of the
decision without its line (an incident), a line of another shape. Pure: the draft, the
old version and the case's lines in, a yes or no out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphs.conditions import Facts, Operator
from graphs.explain import CompiledCondition
from graphs.model import Edge
from runtime.engine.definition import CompiledNode, CompiledOutcome, CompiledWorkflow
from runtime.engine.types import LogKind
from runtime.whatif.trace import LogLine

__all__ = ["Choice", "Judged", "choices_of", "judged_decisions", "passes_as_recorded"]

#: What a decision's definition may differ in for its cases to be judged on their lines:
#: its outcomes, which only the judgement reads (and where it sits on the canvas).
_JUDGED_FIELDS = frozenset({"outcomes", "default_outcome", "position"})

#: Roots whose recorded value is what the draft would read at the same moment of the same
#: walk: the case record and step outputs (``sla.*`` and ``counter.*`` are never trusted).
_RECORDED_ROOTS = ("case.", "step.")

#: A decision's line and the line after it (the node entered, or ``None``).
Choice = tuple[LogLine, LogLine | None]


@dataclass(frozen=True, slots=True)
class Judged:
    """The draft's changed decisions whose cases may be judged on their recorded lines."""

    nodes: Mapping[str, CompiledNode]  #: the draft's compiled decisions, by id
    edges: Mapping[str, Edge]  #: the old version's edges leaving them, by edge id


def judged_decisions(
    old: CompiledWorkflow, draft: CompiledWorkflow, touched: Collection[str] | None
) -> Judged:
    """The nodes of ``touched`` that are decisions in both versions and differ only in
    their outcomes (a renamed or described decision, say, is simulated)."""
    nodes: dict[str, CompiledNode] = {}
    edges: dict[str, Edge] = {}
    for node_id in touched or ():
        before, after = old.nodes.get(node_id), draft.nodes.get(node_id)
        if before is None or after is None or not before.kind == after.kind == "decision":
            continue
        if before.spec.model_dump(exclude=set(_JUDGED_FIELDS)) != after.spec.model_dump(
            exclude=set(_JUDGED_FIELDS)
        ):
            continue
        nodes[node_id] = after
        edges.update((edge.id, edge) for edge in before.outgoing)
    return Judged(nodes=nodes, edges=edges)


def choices_of(lines: Sequence[LogLine]) -> list[Choice]:
    """Each ``decision.taken`` line of a log with the line that follows it."""
    return [
        (line, lines[n + 1] if n + 1 < len(lines) else None)
        for n, line in enumerate(lines)
        if line.kind == LogKind.DECISION_TAKEN
    ]


def passes_as_recorded(
    judged: Judged, nodes: Collection[str], path: Sequence[str], choices: Sequence[Choice]
) -> bool:
    """Whether at every pass of the changed decisions ``nodes`` (all of them judged) the
    draft picks what the case picked, along the same edge (``path``: the nodes the case
    entered, in order; ``choices``: :func:`choices_of` its log)."""
    if not all(node_id in judged.nodes for node_id in nodes):
        return False
    passes = 0
    for line, after in choices:
        node = judged.nodes.get(line.node_id or "")
        if node is None or node.id not in nodes:
            continue
        passes += 1
        if not _same_choice(judged, node, line, after):
            return False
    # Every entry of those decisions must have been judged: one entered without its line
    # stopped there (the loop guard, no outcome), which the lines cannot vouch for.
    return passes == sum(1 for node_id in path if node_id in nodes)


def _same_choice(judged: Judged, node: CompiledNode, line: LogLine, after: LogLine | None) -> bool:
    data = line.data
    seen = _recorded(data)
    if seen is None or after is None or after.kind != LogKind.NODE_ENTERED:
        return False
    chosen = _choose(node, seen)
    if chosen is None or chosen.edge is None or chosen.outcome.id != data.get("outcome"):
        return False
    edge = chosen.edge
    entered = after.data
    return (
        judged.edges.get(edge.id) == edge  # the very edge of the old version, unchanged
        and entered.get("edge_id") == edge.id
        and entered.get("from_node") == node.id
        and after.node_id == edge.target
    )


def _recorded(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each field path the line's rules read, with the value seen; ``None`` when the line
    is not of the shape the engine writes, or one path saw two values."""
    try:
        groups = [data["rules"], *(checked["rules"] for checked in data["not_taken"])]
        seen: dict[str, Any] = {}
        for rules in groups:
            for rule in rules:
                path, value = rule["field"], rule["seen"]
                if path in seen and seen[path] != value:
                    return None
                seen[path] = value
    except (KeyError, TypeError):
        return None
    return seen


def _choose(node: CompiledNode, seen: Mapping[str, Any]) -> CompiledOutcome | None:
    """The outcome the draft's decision picks on the values seen, as the engine's
    ``_decide`` would; ``None`` when a condition cannot be judged on them."""
    facts = _facts(seen)
    for co in node.outcomes:
        if co.condition is None:
            return co
        held = _holds(co.condition, seen, facts)
        if held is None:
            return None
        if held:
            return co
    return node.default


def _facts(seen: Mapping[str, Any]) -> Facts:
    case: dict[str, Any] = {}
    steps: dict[str, dict[str, Any]] = {}
    for path, value in seen.items():
        root, _, rest = path.partition(".")
        if root == "case":
            case[rest] = value
        elif root == "step":
            step_id, _, key = rest.partition(".")
            steps.setdefault(step_id, {})[key] = value
    return Facts(case=case, steps=steps)


def _holds(condition: CompiledCondition, seen: Mapping[str, Any], facts: Facts) -> bool | None:
    for rule, check in condition.rules:
        path = rule.field
        if path not in seen or not path.startswith(_RECORDED_ROOTS):
            return None
        if rule.op is Operator.CHANGED:
            return None
        # A recorded None is an absent field or a null one (the log reads both so): the
        # rule must answer the same either way.
        if seen[path] is None and check(facts) != check(_without(facts, path)):
            return None
    return condition(facts)


def _without(facts: Facts, path: str) -> Facts:
    root, _, rest = path.partition(".")
    if root == "case":
        return Facts(case={k: v for k, v in facts.case.items() if k != rest}, steps=facts.steps)
    step_id, _, key = rest.partition(".")
    steps = dict(facts.steps)
    steps[step_id] = {k: v for k, v in steps.get(step_id, {}).items() if k != key}
    return Facts(case=facts.case, steps=steps)
