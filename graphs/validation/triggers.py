"""Triggers: a condition that can hold when the trigger fires, and a Salesforce trigger
with safe names and a mapping into declared case fields."""

from __future__ import annotations

import networkx as nx

from graphs.conditions import Operator, Rule
from graphs.model import Workflow
from graphs.problems import Problem, ProblemCode
from graphs.salesforce import api_name_problem, field_path_problem, soql_filter_problem
from graphs.validation.conditions import walk
from graphs.validation.graph import problem, workflow_graph  # noqa: F401 (doctests)


def check_trigger(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Warnings: a manual trigger's condition is unused; 'changed' never holds on create.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.trigger.kind = "manual"
    >>> [p.code.value for p in check_trigger(wf, workflow_graph(wf))]
    ['trigger_condition_ignored']
    """
    trigger = workflow.trigger
    if trigger.condition is None:
        return []
    if trigger.kind == "manual":
        return [
            problem(
                ProblemCode.TRIGGER_CONDITION_IGNORED,
                "The trigger is manual, so its condition is never evaluated; make it a "
                "record trigger or remove the condition.",
                severity="warning",
                path="trigger.condition",
            )
        ]
    if trigger.on != "create":
        return []
    return [
        problem(
            ProblemCode.CHANGED_ON_CREATE,
            f"The trigger fires on create, when no field has changed yet, so its rule on "
            f"{item.field!r} with 'changed' never holds.",
            severity="warning",
            path=path,
        )
        for item, path in walk(trigger.condition, "trigger.condition")
        if isinstance(item, Rule) and item.op is Operator.CHANGED
    ]


def check_salesforce_trigger(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """The Salesforce trigger: a record trigger from source 'salesforce', safe names and
    filter, and a mapping into declared case fields, each filled once.

    >>> from graphs.generate import generate_workflow
    >>> from graphs.salesforce import SalesforceTrigger
    >>> wf = generate_workflow(3)
    >>> wf.trigger.salesforce = SalesforceTrigger(soql_filter="Status = 'New'")
    >>> [p.code.value for p in check_salesforce_trigger(wf, workflow_graph(wf))]
    ['salesforce_trigger_misplaced']
    """
    trigger = workflow.trigger
    config = trigger.salesforce
    if config is None:
        return []
    found: list[tuple[ProblemCode, str, str]] = []  # code, message, path
    base = "trigger.salesforce"
    if trigger.kind != "record" or trigger.source != "salesforce":
        found.append(
            (
                ProblemCode.SALESFORCE_TRIGGER_MISPLACED,
                "A Salesforce trigger needs a record trigger whose source is 'salesforce' "
                f"(this one is {trigger.kind!r} from {trigger.source!r}).",
                base,
            )
        )
    if (why := api_name_problem(config.sobject)) is not None:
        found.append(
            (ProblemCode.SALESFORCE_BAD_NAME, f"The trigger's sObject: {why}.", f"{base}.sobject")
        )
    if config.soql_filter and (why := soql_filter_problem(config.soql_filter)) is not None:
        found.append(
            (ProblemCode.SALESFORCE_BAD_FILTER, f"SOQL filter: {why}.", f"{base}.soql_filter")
        )
    declared = {f.name for f in workflow.case_schema}
    # The record Id always lands in id_field, so a mapping into it would be a second writer.
    seen: dict[str, int] = {config.id_field: -1}
    for i, mapping in enumerate(config.field_mapping):
        path = f"{base}.field_mapping[{i}]"
        if (why := field_path_problem(mapping.sf_field)) is not None:
            found.append(
                (ProblemCode.SALESFORCE_BAD_NAME, f"Salesforce field {why}.", f"{path}.sf_field")
            )
        if mapping.case_field not in declared:
            found.append(
                (
                    ProblemCode.SALESFORCE_UNKNOWN_CASE_FIELD,
                    f"{mapping.sf_field} maps into case field {mapping.case_field!r}, which "
                    "the case schema does not declare.",
                    f"{path}.case_field",
                )
            )
        first = seen.setdefault(mapping.case_field, i)
        if first != i:
            already = "the record Id" if first < 0 else f"mapping {first + 1}"
            found.append(
                (
                    ProblemCode.SALESFORCE_DUPLICATE_MAPPING,
                    f"Case field {mapping.case_field!r} is filled by {already} and again by "
                    f"{mapping.sf_field}; each case field takes one Salesforce field.",
                    f"{path}.case_field",
                )
            )
    return [problem(code, message, path=path) for code, message, path in found]
