"""Escalation rules: unique ids, stages that exist, actions that say what to do, and
conditions over known fields."""

from __future__ import annotations

import networkx as nx

from graphs.conditions import Group
from graphs.model import Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.conditions import rule_problems, walk
from graphs.validation.graph import index_of, problem, worded, workflow_graph  # noqa: F401 (doctests)


def check_escalations(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Escalation rules: unique ids, stages that exist, actions that say what to do, and
    conditions over known fields (as every other condition).

    >>> from graphs.generate import generate_workflow
    >>> from graphs.model import EscalationRule
    >>> wf = generate_workflow(3)
    >>> wf.escalations = [EscalationRule.model_validate({"id": "e", "condition": {"rules": [
    ...     {"kind": "rule", "field": "sla.state", "op": "eq", "value": "breached"}]},
    ...     "actions": [{"kind": "goto_stage", "node_id": "nowhere"}]})]
    >>> [(p.code.value, p.path) for p in check_escalations(wf, workflow_graph(wf))]
    [('unknown_escalation_stage', 'escalations[0].actions[0].node_id')]
    """
    if not workflow.escalations:
        return []
    index = index_of(workflow, graph)
    stages = {stage.id for _, stage in index.stages}
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, rule in enumerate(workflow.escalations):
        where = f"escalations[{k}]"
        if rule.id in seen:
            problems.append(
                problem(
                    ProblemCode.DUPLICATE_ESCALATION_ID,
                    f"Two escalation rules have the id {rule.id!r}.",
                    path=f"{where}.id",
                )
            )
        seen.add(rule.id)
        for j, stage_id in enumerate(rule.stages):
            if stage_id not in stages:
                problems.append(
                    problem(
                        ProblemCode.UNKNOWN_ESCALATION_STAGE,
                        f"Escalation rule {rule.id!r} is limited to {stage_id!r}, "
                        "which is not a stage of this workflow.",
                        path=f"{where}.stages[{j}]",
                    )
                )
        for j, action in enumerate(rule.actions):
            at = f"{where}.actions[{j}]"
            kind = action.kind.value
            if kind == "goto_stage" and action.node_id not in stages:
                problems.append(
                    problem(
                        ProblemCode.UNKNOWN_ESCALATION_STAGE,
                        f"Escalation rule {rule.id!r} jumps to {action.node_id!r}, "
                        "which is not a stage of this workflow.",
                        path=f"{at}.node_id",
                    )
                )
            elif kind == "reassign" and not action.queue and not action.skills:
                problems.append(
                    problem(
                        ProblemCode.BAD_ESCALATION_ACTION,
                        f"Escalation rule {rule.id!r} reassigns without naming a queue or skills.",
                        path=at,
                    )
                )
            elif kind == "notify" and not (action.to or "").strip():
                problems.append(
                    problem(
                        ProblemCode.BAD_ESCALATION_ACTION,
                        f"Escalation rule {rule.id!r} notifies nobody: set 'to'.",
                        path=f"{at}.to",
                    )
                )
        for item, path in walk(rule.condition, f"{where}.condition"):
            if isinstance(item, Group):
                continue
            subject = f"A rule in escalation rule {rule.id!r}"
            problems += worded(rule_problems(item, index.catalog), subject, path=path)
    return problems
