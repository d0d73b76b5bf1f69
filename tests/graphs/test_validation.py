"""Every validation rule: a mistake that makes it fire, and close variants that stay silent.

Each case starts from one small, realistic, valid workflow (``BASE``), applies a change
to its JSON document, and validates the result.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable
from typing import Any

import pytest

from graphs.model import Workflow
from graphs.problems import Problem, ProblemCode, has_errors
from graphs.validation import validate, workflow_graph

Doc = dict[str, Any]

BASE: Doc = {
    "id": "refund_request",
    "name": "Refund request",
    "case_schema": [
        {"name": "subject", "required": True},
        {"name": "email"},
        {"name": "amount", "type": "number"},
        {"name": "vip", "type": "boolean"},
        {"name": "due_at", "type": "date-time"},
        {"name": "priority", "type": "picklist", "values": ["low", "high"]},
    ],
    "trigger": {
        "kind": "record",
        "on": "create",
        "condition": {"rules": [{"kind": "rule", "field": "case.subject", "op": "is_set"}]},
    },
    "nodes": [
        {"kind": "start", "id": "start"},
        {
            "kind": "stage",
            "id": "intake",
            "owner": "tier1",
            "sla": {"target_minutes": 60, "warning_minutes": 45},
            "steps": [
                {
                    "kind": "interactive",
                    "id": "review",
                    "assignment": {"queue": "tier1"},
                    "form": [
                        {"name": "approved", "type": "boolean"},
                        {"name": "reason", "type": "picklist", "values": ["fraud", "other"]},
                    ],
                    "sla": {"target_minutes": 30, "warning_minutes": 20},
                },
                {
                    "kind": "background",
                    "id": "notify",
                    "action": "notify",
                    "after": ["review"],
                    "inputs": {
                        "to": {"type": "string", "ref": "case.email"},
                        "template": {"type": "string", "value": "refund_received"},
                        "amount": {"type": "number", "ref": "case.amount"},
                    },
                },
            ],
        },
        {
            "kind": "decision",
            "id": "route",
            "outcomes": [
                {
                    "id": "big",
                    "label": "Big refund",
                    "condition": {
                        "rules": [
                            {"kind": "rule", "field": "case.amount", "op": "gt", "value": 500}
                        ]
                    },
                },
                {
                    "id": "rejected",
                    "label": "Rejected",
                    "condition": {
                        "match": "any",
                        "rules": [
                            {
                                "kind": "rule",
                                "field": "step.review.approved",
                                "op": "eq",
                                "value": False,
                            },
                            {
                                "kind": "rule",
                                "field": "step.review.reason",
                                "op": "in",
                                "value": ["fraud"],
                            },
                        ],
                    },
                },
            ],
            "default_outcome": {"id": "small", "label": "Small refund"},
        },
        {
            "kind": "stage",
            "id": "approve",
            "steps": [
                {"kind": "interactive", "id": "sign_off", "assignment": {"queue": "finance"}}
            ],
        },
        {
            "kind": "stage",
            "id": "pay",
            "steps": [{"kind": "background", "id": "payout", "action": "http_call"}],
        },
        {"kind": "end", "id": "paid", "resolution": "resolved"},
        {"kind": "end", "id": "declined", "resolution": "rejected"},
    ],
    "edges": [
        {"id": "e_start", "source": "start", "target": "intake"},
        {"id": "e_intake", "source": "intake", "target": "route"},
        {
            "id": "e_big",
            "source": "route",
            "target": "approve",
            "kind": "outcome",
            "outcome": "big",
        },
        {
            "id": "e_rejected",
            "source": "route",
            "target": "declined",
            "kind": "outcome",
            "outcome": "rejected",
        },
        {
            "id": "e_small",
            "source": "route",
            "target": "pay",
            "kind": "outcome",
            "outcome": "small",
        },
        {"id": "e_approve", "source": "approve", "target": "pay"},
        {"id": "e_pay", "source": "pay", "target": "paid"},
    ],
}


def node(doc: Doc, node_id: str) -> Doc:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def edge(doc: Doc, edge_id: str) -> Doc:
    return next(e for e in doc["edges"] if e["id"] == edge_id)


def step(doc: Doc, step_id: str) -> Doc:
    return next(s for n in doc["nodes"] for s in n.get("steps", []) if s["id"] == step_id)


def outcome(doc: Doc, outcome_id: str) -> Doc:
    return next(o for o in node(doc, "route")["outcomes"] if o["id"] == outcome_id)


def problems_after(change: Callable[[Doc], object]) -> list[Problem]:
    doc = copy.deepcopy(BASE)
    change(doc)
    return validate(Workflow.model_validate(doc))


def rule(field: str, op: str, value: Any = None) -> Doc:
    return {"rules": [{"kind": "rule", "field": field, "op": op, "value": value}]}


def set_condition(outcome_id: str, condition: Doc) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        outcome(doc, outcome_id)["condition"] = condition

    return change


def test_the_base_workflow_is_valid() -> None:
    assert validate(Workflow.model_validate(BASE)) == []


def _loop_back(doc: Doc) -> None:
    """A go-to from the decision back to intake: a rework loop."""
    node(doc, "route")["outcomes"].append(
        {"id": "rework", "label": "Rework", "condition": rule("case.vip", "eq", True)}
    )
    doc["edges"].append(
        {
            "id": "e_rework",
            "source": "route",
            "target": "intake",
            "kind": "goto",
            "outcome": "rework",
        }
    )


def _rework_stage(doc: Doc) -> None:
    """A stage whose one way on is a go-to back to intake."""
    _loop_back(doc)
    edge(doc, "e_rework").update(target="fix", kind="outcome")
    doc["nodes"].append(
        {
            "kind": "stage",
            "id": "fix",
            "owner": "tier1",
            "steps": [{"kind": "interactive", "id": "redo"}],
        }
    )
    doc["edges"].append({"id": "e_fix", "source": "fix", "target": "intake", "kind": "goto"})


def _add_edge(**fields: Any) -> Callable[[Doc], None]:
    return lambda doc: doc["edges"].append(fields)


def _add_node(**fields: Any) -> Callable[[Doc], None]:
    return lambda doc: doc["nodes"].append(fields)


def _escalation(rule_id: str, *actions: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rule_id,
        "condition": {
            "rules": [{"kind": "rule", "field": "sla.state", "op": "eq", "value": "breached"}]
        },
        "actions": list(actions) or [{"kind": "raise_priority"}],
    }


def _salesforce(doc: Doc, **config: Any) -> None:
    doc["trigger"].update(source="salesforce", salesforce=config)


# (case, change, expected code, element the problem must name)
FIRES: list[tuple[str, Callable[[Doc], object], ProblemCode, str | None]] = [
    ("no start", lambda d: d["nodes"].pop(0), ProblemCode.NO_START, None),
    (
        "two starts",
        lambda d: (
            d["nodes"].append({"kind": "start", "id": "start_again"}),
            d["edges"].append({"id": "e_again", "source": "start_again", "target": "intake"}),
        ),
        ProblemCode.MULTIPLE_STARTS,
        "start_again",
    ),
    (
        "no end",
        lambda d: (
            d.update(nodes=[n for n in d["nodes"] if n["kind"] != "end"]),
            d.update(edges=[e for e in d["edges"] if e["id"] not in ("e_pay", "e_rejected")]),
        ),
        ProblemCode.NO_END,
        None,
    ),
    (
        "duplicate node id",
        lambda d: node(d, "declined").update(id="paid"),
        ProblemCode.DUPLICATE_NODE_ID,
        "paid",
    ),
    (
        "duplicate edge id",
        lambda d: edge(d, "e_pay").update(id="e_start"),
        ProblemCode.DUPLICATE_EDGE_ID,
        "e_start",
    ),
    (
        "duplicate step id",
        lambda d: step(d, "payout").update(id="review"),
        ProblemCode.DUPLICATE_STEP_ID,
        "review",
    ),
    (
        "edge to nowhere",
        lambda d: edge(d, "e_pay").update(target="payed"),
        ProblemCode.DANGLING_EDGE,
        "e_pay",
    ),
    (
        "edge from nowhere",
        lambda d: edge(d, "e_approve").update(source="aprove"),
        ProblemCode.DANGLING_EDGE,
        "e_approve",
    ),
    (
        "unreachable node",
        lambda d: (
            d["nodes"].append(
                {
                    "kind": "stage",
                    "id": "orphan",
                    "steps": [{"kind": "background", "id": "o1", "action": "notify"}],
                }
            ),
            d["edges"].append({"id": "e_orphan", "source": "orphan", "target": "paid"}),
        ),
        ProblemCode.UNREACHABLE_NODE,
        "orphan",
    ),
    (
        "node that cannot reach an end",
        lambda d: (
            edge(d, "e_pay").update(target="approve"),
            edge(d, "e_pay").update(kind="goto"),
        ),
        ProblemCode.CANNOT_REACH_END,
        "pay",
    ),
    (
        "loop without go-to",
        lambda d: (_loop_back(d), edge(d, "e_rework").update(kind="outcome")),
        ProblemCode.CYCLE_WITHOUT_GOTO,
        "e_rework",
    ),
    (
        "go-to that closes no loop",
        lambda d: edge(d, "e_approve").update(kind="goto"),
        ProblemCode.GOTO_CLOSES_NO_CYCLE,
        "e_approve",
    ),
    (
        "edge into start",
        _add_edge(id="e_back", source="pay", target="start"),
        ProblemCode.EDGE_INTO_START,
        "e_back",
    ),
    (
        "end with outgoing edge",
        _add_edge(id="e_after", source="paid", target="pay"),
        ProblemCode.END_HAS_OUTGOING_EDGE,
        "e_after",
    ),
    (
        "stage with no way on",
        lambda d: d["edges"].remove(edge(d, "e_approve")),
        ProblemCode.NO_WAY_ON,
        "approve",
    ),
    (
        "start with no way on",
        lambda d: d["edges"].remove(edge(d, "e_start")),
        ProblemCode.NO_WAY_ON,
        "start",
    ),
    (
        "stage with two ways on",
        _add_edge(id="e_shortcut", source="intake", target="paid"),
        ProblemCode.SEVERAL_WAYS_ON,
        "intake",
    ),
    (
        "decision without default",
        lambda d: node(d, "route").update(default_outcome=None),
        ProblemCode.DECISION_WITHOUT_DEFAULT,
        "route",
    ),
    (
        "decision with only a default",
        lambda d: (
            node(d, "route").update(outcomes=[]),
            d.update(edges=[e for e in d["edges"] if e["id"] not in ("e_big", "e_rejected")]),
        ),
        ProblemCode.DECISION_WITHOUT_OUTCOMES,
        "route",
    ),
    (
        "duplicate outcome id",
        lambda d: outcome(d, "rejected").update(id="big"),
        ProblemCode.DUPLICATE_OUTCOME_ID,
        "route",
    ),
    (
        "duplicate outcome label",
        lambda d: outcome(d, "rejected").update(label=" big REFUND"),
        ProblemCode.DUPLICATE_OUTCOME_LABEL,
        "route",
    ),
    (
        "outcome without edge",
        lambda d: d["edges"].remove(edge(d, "e_big")),
        ProblemCode.OUTCOME_WITHOUT_EDGE,
        "route",
    ),
    (
        "outcome with two edges",
        _add_edge(id="e_big_2", source="route", target="pay", kind="outcome", outcome="big"),
        ProblemCode.OUTCOME_WITH_SEVERAL_EDGES,
        "e_big_2",
    ),
    (
        "edge naming an unknown outcome",
        lambda d: edge(d, "e_big").update(outcome="huge"),
        ProblemCode.UNKNOWN_OUTCOME,
        "e_big",
    ),
    (
        "next edge leaving a decision",
        lambda d: edge(d, "e_big").update(kind="next", outcome=None),
        ProblemCode.DECISION_EDGE_WITHOUT_OUTCOME,
        "e_big",
    ),
    (
        "outcome edge leaving a stage",
        lambda d: edge(d, "e_approve").update(kind="outcome", outcome="big"),
        ProblemCode.OUTCOME_EDGE_OUTSIDE_DECISION,
        "e_approve",
    ),
    (
        "outcome without condition",
        lambda d: outcome(d, "big").update(condition=None),
        ProblemCode.OUTCOME_WITHOUT_CONDITION,
        "route",
    ),
    (
        "default outcome with a condition",
        lambda d: node(d, "route")["default_outcome"].update(
            condition=rule("case.vip", "eq", True)
        ),
        ProblemCode.DEFAULT_CONDITION_IGNORED,
        "route",
    ),
    (
        "stage without steps",
        lambda d: node(d, "pay").update(steps=[]),
        ProblemCode.STAGE_WITHOUT_STEPS,
        "pay",
    ),
    (
        "after naming a step of another stage",
        lambda d: step(d, "notify").update(after=["payout"]),
        ProblemCode.UNKNOWN_AFTER_STEP,
        "notify",
    ),
    (
        "after naming no step",
        lambda d: step(d, "notify").update(after=["reveiw"]),
        ProblemCode.UNKNOWN_AFTER_STEP,
        "notify",
    ),
    (
        "after naming itself",
        lambda d: step(d, "notify").update(after=["notify"]),
        ProblemCode.AFTER_SELF,
        "notify",
    ),
    (
        "after loop",
        lambda d: step(d, "review").update(after=["notify"]),
        ProblemCode.AFTER_CYCLE,
        "review",
    ),
    (
        "interactive step nobody sees",
        lambda d: (node(d, "intake").update(owner=None), step(d, "review").update(assignment={})),
        ProblemCode.UNASSIGNED_STEP,
        "review",
    ),
    (
        "stage SLA warning after target",
        lambda d: node(d, "intake")["sla"].update(warning_minutes=60),
        ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET,
        "intake",
    ),
    (
        "step SLA warning after target",
        lambda d: step(d, "review")["sla"].update(warning_minutes=31),
        ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET,
        "review",
    ),
    (
        "unknown case field",
        set_condition("big", rule("case.amout", "gt", 500)),
        ProblemCode.UNKNOWN_FIELD,
        "route",
    ),
    (
        "unknown step",
        set_condition("big", rule("step.reveiw.approved", "eq", True)),
        ProblemCode.UNKNOWN_FIELD,
        "route",
    ),
    (
        "unknown SLA field",
        set_condition("big", rule("sla.status", "eq", "breached")),
        ProblemCode.UNKNOWN_FIELD,
        "route",
    ),
    (
        "unknown root",
        set_condition("big", rule("record.amount", "gt", 1)),
        ProblemCode.UNKNOWN_FIELD,
        "route",
    ),
    (
        "unknown field in a stage entry condition",
        lambda d: node(d, "pay").update(entry_condition=rule("case.paid", "eq", True)),
        ProblemCode.UNKNOWN_FIELD,
        "pay",
    ),
    (
        "unknown field in a step entry condition",
        lambda d: step(d, "payout").update(entry_condition=rule("case.iban", "is_set")),
        ProblemCode.UNKNOWN_FIELD,
        "payout",
    ),
    (
        "unknown field in the trigger",
        lambda d: d["trigger"].update(condition=rule("case.subjet", "is_set")),
        ProblemCode.UNKNOWN_FIELD,
        None,
    ),
    (
        "ordering a boolean",
        set_condition("big", rule("case.vip", "gt", True)),
        ProblemCode.BAD_OPERATOR,
        "route",
    ),
    (
        "contains on a number",
        set_condition("big", rule("case.amount", "contains", 5)),
        ProblemCode.BAD_OPERATOR,
        "route",
    ),
    (
        "changed on an SLA field",
        set_condition("big", rule("sla.state", "changed")),
        ProblemCode.BAD_OPERATOR,
        "route",
    ),
    (
        "text for a number",
        set_condition("big", rule("case.amount", "gt", "500")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "bad date-time",
        set_condition("big", rule("case.due_at", "lt", "next friday")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "value outside the picklist",
        set_condition("big", rule("case.priority", "eq", "urgent")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "list operator without a list",
        set_condition("big", rule("case.priority", "in", "high")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "list with a wrong member",
        set_condition("big", rule("case.priority", "in", ["high", 3])),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "unary operator with a value",
        set_condition("big", rule("case.email", "is_set", "x")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "comparison without a value",
        set_condition("big", rule("case.amount", "eq")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "unknown SLA state",
        set_condition("big", rule("sla.state", "eq", "late")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "form field typed value",
        set_condition("big", rule("step.review.approved", "eq", "no")),
        ProblemCode.BAD_CONDITION_VALUE,
        "route",
    ),
    (
        "empty condition group",
        set_condition("big", {"match": "all", "rules": []}),
        ProblemCode.EMPTY_CONDITION,
        "route",
    ),
    (
        "condition of a manual trigger",
        lambda d: d["trigger"].update(kind="manual"),
        ProblemCode.TRIGGER_CONDITION_IGNORED,
        None,
    ),
    (
        "changed on create",
        lambda d: d["trigger"].update(condition=rule("case.amount", "changed")),
        ProblemCode.CHANGED_ON_CREATE,
        None,
    ),
    (
        "duplicate case field",
        lambda d: d["case_schema"].append({"name": "email"}),
        ProblemCode.DUPLICATE_CASE_FIELD,
        None,
    ),
    (
        "duplicate form field",
        lambda d: step(d, "review")["form"].append({"name": "approved"}),
        ProblemCode.DUPLICATE_FORM_FIELD,
        "review",
    ),
    (
        "picklist case field without values",
        lambda d: d["case_schema"][5].update(values=[]),
        ProblemCode.PICKLIST_WITHOUT_VALUES,
        None,
    ),
    (
        "picklist form field without values",
        lambda d: step(d, "review")["form"][1].update(values=[]),
        ProblemCode.PICKLIST_WITHOUT_VALUES,
        "review",
    ),
    (
        "repeated picklist value",
        lambda d: d["case_schema"][5].update(values=["low", "high", "low"]),
        ProblemCode.DUPLICATE_PICKLIST_VALUE,
        None,
    ),
    (
        "values on a number field",
        lambda d: d["case_schema"][2].update(values=["1", "2"]),
        ProblemCode.VALUES_ON_NON_PICKLIST,
        None,
    ),
    (
        "input with value and ref",
        lambda d: step(d, "notify")["inputs"]["to"].update(value="a@b.c"),
        ProblemCode.INPUT_VALUE_AND_REF,
        "notify",
    ),
    (
        "input with neither",
        lambda d: step(d, "notify")["inputs"]["to"].update(ref=None),
        ProblemCode.INPUT_WITHOUT_VALUE,
        "notify",
    ),
    (
        "input value of the wrong type",
        lambda d: step(d, "notify")["inputs"]["template"].update(type="number"),
        ProblemCode.BAD_INPUT_VALUE,
        "notify",
    ),
    (
        "input ref to an unknown field",
        lambda d: step(d, "notify")["inputs"]["to"].update(ref="case.mail"),
        ProblemCode.UNKNOWN_REF,
        "notify",
    ),
    (
        "input ref of another type",
        lambda d: step(d, "notify")["inputs"]["amount"].update(ref="case.vip"),
        ProblemCode.INPUT_REF_TYPE_MISMATCH,
        "notify",
    ),
    (
        "a Salesforce trigger on a manual workflow",
        lambda d: d["trigger"].update(kind="manual", salesforce={}),
        ProblemCode.SALESFORCE_TRIGGER_MISPLACED,
        None,
    ),
    (
        "a Salesforce sObject name that is not an API name",
        lambda d: _salesforce(d, sobject="Case WHERE"),
        ProblemCode.SALESFORCE_BAD_NAME,
        None,
    ),
    (
        "a SOQL filter that ends the statement",
        lambda d: _salesforce(d, soql_filter="Status = 'New'; DELETE FROM Case"),
        ProblemCode.SALESFORCE_BAD_FILTER,
        None,
    ),
    (
        "a Salesforce field mapped into an undeclared case field",
        lambda d: _salesforce(d, field_mapping=[{"sf_field": "Subject", "case_field": "title"}]),
        ProblemCode.SALESFORCE_UNKNOWN_CASE_FIELD,
        None,
    ),
    (
        "two Salesforce fields mapped into one case field",
        lambda d: _salesforce(
            d,
            field_mapping=[
                {"sf_field": "Subject", "case_field": "subject"},
                {"sf_field": "Description", "case_field": "subject"},
            ],
        ),
        ProblemCode.SALESFORCE_DUPLICATE_MAPPING,
        None,
    ),
    (
        "two escalation rules with one id",
        lambda d: d.update(escalations=[_escalation("e"), _escalation("e")]),
        ProblemCode.DUPLICATE_ESCALATION_ID,
        None,
    ),
    (
        "an escalation that reassigns to nowhere",
        lambda d: d.update(escalations=[_escalation("e", {"kind": "reassign"})]),
        ProblemCode.BAD_ESCALATION_ACTION,
        None,
    ),
    (
        "an escalation that jumps to an unknown stage",
        lambda d: d.update(
            escalations=[_escalation("e", {"kind": "goto_stage", "node_id": "nowhere"})]
        ),
        ProblemCode.UNKNOWN_ESCALATION_STAGE,
        None,
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "element"), [f[1:] for f in FIRES], ids=[f[0] for f in FIRES]
)
def test_rule_fires(
    change: Callable[[Doc], object], code: ProblemCode, element: str | None
) -> None:
    problems = problems_after(change)
    matching = [p for p in problems if p.code is code]
    assert matching, f"expected {code}, got {[(p.code.value, p.message) for p in problems]}"
    if element is not None:
        named = [{p.node_id, p.edge_id, p.step_id, *p.related} for p in matching]
        assert any(element in ids for ids in named), [p.location() for p in matching]
    assert all(p.message[0].isupper() and p.message.endswith((".", "?")) for p in problems)


def test_every_problem_code_has_a_firing_case() -> None:
    # unknown_action needs the installed action names; it has its own tests below. The
    # data-flow codes fire in tests/graphs/test_dataflow_rules.py.
    dataflow = {
        ProblemCode.FIELD_NEVER_WRITTEN,
        ProblemCode.LOOP_EXIT_NOT_WRITTEN,
        ProblemCode.OUTPUT_MAY_NOT_EXIST,
        ProblemCode.MAPPING_TYPE_MISMATCH,
        ProblemCode.UNKNOWN_MAPPED_FIELD,
        ProblemCode.FORM_FIELD_NOT_MAPPED,
        ProblemCode.MISSING_ACTION_INPUT,
        ProblemCode.BAD_ACTION_INPUT,
    }
    # The AI-step codes fire in tests/graphs/test_ai_step_rules.py.
    dataflow |= {code for code in ProblemCode if code.value.startswith("ai_")}
    assert {code for _, _, code, _ in FIRES} | {ProblemCode.UNKNOWN_ACTION} | dataflow == set(
        ProblemCode
    )


def test_an_action_that_is_not_installed_is_an_error_when_actions_are_given() -> None:
    workflow = Workflow.model_validate(BASE)
    (problem,) = validate(workflow, actions={"notify", "set_fields"})
    assert (problem.code, problem.step_id, problem.node_id) == (
        ProblemCode.UNKNOWN_ACTION,
        "payout",
        "pay",
    )
    assert problem.path == "nodes[4].steps[0].action"
    assert "'http_call'" in problem.message and "notify, set_fields" in problem.message


def test_actions_are_not_checked_when_their_names_are_not_given() -> None:
    workflow = Workflow.model_validate(BASE)
    assert validate(workflow) == []
    assert validate(workflow, actions={"notify", "http_call"}) == []


# Close variants of the mistakes above that are correct and must produce no problem.
SILENT: list[tuple[str, Callable[[Doc], object]]] = [
    (
        "a Salesforce trigger with a filter, relationship paths and conversions",
        lambda d: _salesforce(
            d,
            sobject="Case",
            soql_filter="Status != 'Closed' AND (Priority IN ('High', 'Critical') "
            "OR CreatedDate = LAST_N_DAYS:7)",
            field_mapping=[
                {"sf_field": "Subject", "case_field": "subject"},
                {"sf_field": "Account.Owner.Email", "case_field": "email"},
                {"sf_field": "Amount__c", "case_field": "amount", "convert": "number"},
            ],
        ),
    ),
    ("a go-to from a decision that loops back", _loop_back),
    ("a rework stage that jumps back with a go-to", _rework_stage),
    (
        "two outcomes leading to the same node",
        lambda d: (
            node(d, "route")["outcomes"].append(
                {"id": "medium", "label": "Medium", "condition": rule("case.amount", "gt", 100)}
            ),
            d["edges"].append(
                {
                    "id": "e_medium",
                    "source": "route",
                    "target": "pay",
                    "kind": "outcome",
                    "outcome": "medium",
                }
            ),
        ),
    ),
    (
        "a decision with one outcome and a default",
        lambda d: (
            node(d, "route")["outcomes"].pop(0),
            d["edges"].remove(edge(d, "e_big")),
            d["nodes"].remove(node(d, "approve")),
            d["edges"].remove(edge(d, "e_approve")),
        ),
    ),
    (
        "a start leading straight to an end",
        lambda d: d.update(
            nodes=[n for n in d["nodes"] if n["id"] in ("start", "paid")],
            edges=[{"id": "e", "source": "start", "target": "paid"}],
        ),
    ),
    ("steps without after", lambda d: step(d, "notify").update(after=[])),
    (
        "an after chain of three",
        lambda d: node(d, "intake")["steps"].append(
            {
                "kind": "background",
                "id": "archive",
                "action": "notify",
                "after": ["notify", "review"],
            }
        ),
    ),
    ("an unassigned step in an owned stage", lambda d: step(d, "review").update(assignment={})),
    (
        "a step assigned to an agent",
        lambda d: (
            node(d, "intake").update(owner=None),
            step(d, "review").update(assignment={"agent": "ana"}),
        ),
    ),
    (
        "a stage SLA without warning",
        lambda d: node(d, "intake")["sla"].update(warning_minutes=None),
    ),
    (
        "a date-time comparison",
        set_condition("big", rule("case.due_at", "lt", "2026-05-01T12:00:00Z")),
    ),
    (
        "an in-list of picklist values",
        set_condition("big", rule("case.priority", "in", ["low", "high"])),
    ),
    ("an integral number compared", set_condition("big", rule("case.amount", "gte", 10.5))),
    ("is_not_set on any field", set_condition("big", rule("case.due_at", "is_not_set"))),
    ("changed on a case field", set_condition("big", rule("case.priority", "changed"))),
    ("contains on text", set_condition("big", rule("case.subject", "contains", "refund"))),
    ("the SLA state", set_condition("big", rule("sla.state", "in", ["at_risk", "breached"]))),
    ("remaining SLA minutes", set_condition("big", rule("sla.remaining_minutes", "lt", 15))),
    ("a counter", set_condition("big", rule("counter.reopened", "gte", 2))),
    (
        "a background step's output, untyped",
        set_condition("big", rule("step.notify.status", "eq", 200)),
    ),
    (
        "nested groups",
        set_condition(
            "big",
            {
                "match": "any",
                "rules": [
                    {
                        "kind": "group",
                        "match": "all",
                        "rules": [{"kind": "rule", "field": "case.vip", "op": "eq", "value": True}],
                    },
                    {"kind": "rule", "field": "case.amount", "op": "gt", "value": 100},
                ],
            },
        ),
    ),
    (
        "changed in an update trigger",
        lambda d: d["trigger"].update(on="update", condition=rule("case.priority", "changed")),
    ),
    ("a manual trigger without condition", lambda d: d.update(trigger={"kind": "manual"})),
    (
        "an input ref to a picklist as text",
        lambda d: step(d, "notify")["inputs"]["to"].update(ref="case.priority"),
    ),
    (
        "an input ref to a form field",
        lambda d: step(d, "notify")["inputs"].update(
            ok={"type": "boolean", "ref": "step.review.approved"}
        ),
    ),
    (
        "an input ref to a counter",
        lambda d: step(d, "notify")["inputs"]["amount"].update(ref="counter.reminders"),
    ),
]


@pytest.mark.parametrize("change", [s[1] for s in SILENT], ids=[s[0] for s in SILENT])
def test_rule_is_silent_on_a_correct_variant(change: Callable[[Doc], object]) -> None:
    assert problems_after(change) == []


def test_warnings_alone_do_not_block() -> None:
    problems = problems_after(lambda d: d["trigger"].update(kind="manual"))
    assert problems and all(p.severity == "warning" for p in problems)
    assert not has_errors(problems)
    assert has_errors(problems_after(lambda d: node(d, "pay").update(steps=[])))


def test_problems_locate_their_element_in_the_document() -> None:
    def change(doc: Doc) -> None:
        step(doc, "review")["form"][1].update(values=[])
        outcome(doc, "rejected")["condition"]["rules"][1].update(field="step.review.reasons")

    problems = {p.code: p for p in problems_after(change)}
    assert problems[ProblemCode.PICKLIST_WITHOUT_VALUES].path == "nodes[1].steps[0].form[1]"
    unknown = problems[ProblemCode.UNKNOWN_FIELD]
    assert unknown.path == "nodes[2].outcomes[1].condition.rules[1]"
    # A key that is not a form field may be something the runtime records: a warning.
    assert unknown.severity == "warning"
    assert "no form field 'reasons'" in unknown.message


def test_a_loop_without_goto_lists_all_its_edges() -> None:
    def change(doc: Doc) -> None:
        _loop_back(doc)
        edge(doc, "e_rework").update(kind="outcome")

    (problem,) = [p for p in problems_after(change) if p.code is ProblemCode.CYCLE_WITHOUT_GOTO]
    assert problem.edge_id == "e_rework"
    assert problem.related == ["e_intake", "e_rework"]
    assert "intake -> route -> intake" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    def change(doc: Doc) -> None:
        node(doc, "pay").update(steps=[])
        edge(doc, "e_big").update(outcome="huge")
        doc["case_schema"].append({"name": "email"})

    codes = {p.code for p in problems_after(change)}
    assert {
        ProblemCode.STAGE_WITHOUT_STEPS,
        ProblemCode.UNKNOWN_OUTCOME,
        ProblemCode.OUTCOME_WITHOUT_EDGE,
        ProblemCode.DUPLICATE_CASE_FIELD,
    } <= codes


def test_validation_does_not_change_the_workflow() -> None:
    workflow = Workflow.model_validate(BASE)
    before = workflow.model_dump()
    validate(workflow)
    assert workflow.model_dump() == before


def test_the_graph_has_one_edge_per_joined_pair_and_no_dangling_edges() -> None:
    doc = copy.deepcopy(BASE)
    edge(doc, "e_big").update(target="pay")
    edge(doc, "e_pay").update(target="nowhere")
    graph = workflow_graph(Workflow.model_validate(doc))
    assert set(graph.nodes) == {n["id"] for n in BASE["nodes"]}
    assert graph.has_edge("route", "pay") and not graph.has_edge("pay", "nowhere")
    assert graph.graph["index"].pairs[("route", "pay")] == [2, 4]


def test_validation_leaves_the_garbage_collector_as_it_found_it() -> None:
    workflow = Workflow.model_validate(BASE)
    assert gc.isenabled()
    validate(workflow)
    assert gc.isenabled()
    gc.disable()
    try:
        validate(workflow)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_workflow_without_start_and_with_a_loop_reports_both() -> None:
    def change(doc: Doc) -> None:
        doc["nodes"].pop(0)
        doc["edges"].pop(0)
        _loop_back(doc)
        edge(doc, "e_rework").update(kind="outcome")

    codes = {p.code for p in problems_after(change)}
    assert {ProblemCode.NO_START, ProblemCode.CYCLE_WITHOUT_GOTO} <= codes
