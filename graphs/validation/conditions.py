"""Conditions: rules name known fields, with operators and values that suit their types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from graphs.conditions import (
    LIST_OPERATORS,
    ORDER_OPERATORS,
    UNARY_OPERATORS,
    Group,
    Operator,
    Rule,
)
from graphs.model import FieldType, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.catalog import Catalog, expected, fits
from graphs.validation.graph import Finding, Index, index_of, problem, worded, workflow_graph  # noqa: F401 (doctests)


@dataclass(frozen=True, slots=True)
class _ConditionSite:
    """Where a condition sits; its description and path are only built for a problem."""

    condition: Group
    attr: str
    node_index: int | None = None
    node_id: str | None = None
    sub_index: int | None = None
    step_id: str | None = None
    outcome_label: str | None = None

    def where(self) -> tuple[str, str]:
        """What the condition is, as a message names it, and its path in the document."""
        if self.node_index is None:
            return "the trigger", "trigger.condition"
        at = f"nodes[{self.node_index}]"
        if self.step_id is not None:
            return (
                f"the entry condition of step {self.step_id!r}",
                f"{at}.steps[{self.sub_index}].entry_condition",
            )
        if self.outcome_label is not None:
            return (
                f"outcome {self.outcome_label!r} of decision {self.node_id!r}",
                f"{at}.outcomes[{self.sub_index}].condition",
            )
        return f"the {self.attr.replace('_', ' ')} of stage {self.node_id!r}", f"{at}.{self.attr}"


def _condition_sites(workflow: Workflow, index: Index) -> Iterator[_ConditionSite]:
    if workflow.trigger.condition is not None:
        yield _ConditionSite(workflow.trigger.condition, "condition")
    for node_index, stage in index.stages:
        if stage.entry_condition is not None:
            yield _ConditionSite(stage.entry_condition, "entry_condition", node_index, stage.id)
        if stage.exit_condition is not None:
            yield _ConditionSite(stage.exit_condition, "exit_condition", node_index, stage.id)
    for node_index, k, stage, step in index.catalog.gated:
        assert step.entry_condition is not None
        yield _ConditionSite(
            step.entry_condition, "entry_condition", node_index, stage.id, k, step.id
        )
    for node_index, decision in index.decisions:
        for k, outcome in enumerate(decision.outcomes):
            if outcome.condition is not None:
                yield _ConditionSite(
                    outcome.condition,
                    "condition",
                    node_index,
                    decision.id,
                    k,
                    outcome_label=outcome.label,
                )


def walk(group: Group, path: str) -> Iterator[tuple[Rule | Group, str]]:
    """Every rule and group below ``group`` (itself included) with its document path."""
    yield group, path
    for k, item in enumerate(group.rules):
        if isinstance(item, Rule):
            yield item, f"{path}.rules[{k}]"
        else:
            yield from walk(item, f"{path}.rules[{k}]")


def rule_problems(rule: Rule, catalog: Catalog) -> list[Finding]:
    """What is wrong with one rule: (code, reason, severity) for each problem."""
    found: list[Finding] = []
    field, op, value = rule.field, rule.op, rule.value
    info, why, severity = catalog.resolve(field)
    if info is None:
        found.append((ProblemCode.UNKNOWN_FIELD, f"names unknown field {field!r}: {why}", severity))
    if op in UNARY_OPERATORS:
        if op is Operator.CHANGED and not field.startswith("case."):
            found.append(
                (ProblemCode.BAD_OPERATOR, "uses 'changed', which applies to case fields", "error")
            )
        if value is not None:
            found.append((ProblemCode.BAD_CONDITION_VALUE, f"'{op}' takes no value", "error"))
        return found
    type_ = info.type if info is not None else None
    if op in ORDER_OPERATORS and type_ not in (None, FieldType.NUMBER, FieldType.DATETIME):
        found.append(
            (
                ProblemCode.BAD_OPERATOR,
                f"compares {field!r} with '{op}', but a {type_} field has no order",
                "error",
            )
        )
    if op in _TEXT_OPERATORS and type_ not in (None, FieldType.STRING):
        found.append(
            (
                ProblemCode.BAD_OPERATOR,
                f"uses '{op}' on {field!r}, a {type_} field; it applies to text",
                "error",
            )
        )
    if op in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            found.append(
                (ProblemCode.BAD_CONDITION_VALUE, f"'{op}' needs a non-empty list", "error")
            )
        elif info is not None:
            bad = [v for v in value if not fits(v, info)]
            if bad:
                found.append(
                    (
                        ProblemCode.BAD_CONDITION_VALUE,
                        f"lists {bad[0]!r} for {field!r}, which takes {expected(info)}",
                        "error",
                    )
                )
    elif value is None:
        found.append(
            (
                ProblemCode.BAD_CONDITION_VALUE,
                f"'{op}' needs a value (to test for emptiness use is_set or is_not_set)",
                "error",
            )
        )
    elif info is not None and not fits(value, info):
        found.append(
            (
                ProblemCode.BAD_CONDITION_VALUE,
                f"compares {field!r} with {value!r}, but it takes {expected(info)}",
                "error",
            )
        )
    return found


_TEXT_OPERATORS = frozenset({Operator.CONTAINS, Operator.NOT_CONTAINS})


def _group_problems(
    group: Group,
    site: _ConditionSite,
    trail: tuple[int, ...],
    catalog: Catalog,
    problems: list[Problem],
) -> None:
    def path(*more: int) -> str:
        return site.where()[1] + "".join(f".rules[{k}]" for k in (*trail, *more))

    if not group.rules:
        problems.append(
            problem(
                ProblemCode.EMPTY_CONDITION,
                f"A condition group in {site.where()[0]} has no rules; "
                f"it is always {'true' if group.match == 'all' else 'false'}.",
                severity="warning",
                node_id=site.node_id,
                step_id=site.step_id,
                path=path(),
            )
        )
    for k, item in enumerate(group.rules):
        if isinstance(item, Group):
            _group_problems(item, site, (*trail, k), catalog, problems)
        elif found := rule_problems(item, catalog):
            problems += worded(
                found,
                f"A rule in {site.where()[0]}",
                node_id=site.node_id,
                step_id=site.step_id,
                path=path(k),
            )


def check_conditions(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Conditions name known fields, with operators and values that suit their types.

    Covers the trigger, stage entry and exit conditions, step entry conditions and
    decision outcomes. Field paths are ``case.<declared field>``,
    ``step.<step id>.<output>`` (typed by the form of an interactive step),
    ``sla.state`` / ``sla.remaining_minutes`` and ``counter.<name>``. An empty group is
    a warning (``all`` of nothing is always true).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.trigger.condition.rules[0].field = "case.stauts"
    >>> [(p.code.value, p.path) for p in check_conditions(wf, workflow_graph(wf))]
    [('unknown_field', 'trigger.condition.rules[0]')]
    """
    index = index_of(workflow, graph)
    problems: list[Problem] = []
    for site in _condition_sites(workflow, index):
        _group_problems(site.condition, site, (), index.catalog, problems)
    return problems
