"""The shipped examples: valid, canonical, well laid out, and behaving as described."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from graphs.conditions import Facts, compile_condition
from graphs.examples import example_names, example_paths, example_text, load_example
from graphs.io import dump_workflow, load_workflow
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    EdgeKind,
    EndNode,
    InteractiveStep,
    StageNode,
    StartNode,
    Workflow,
)
from graphs.validation import validate

NAMES = ["access-request", "insurance-claim", "support-case"]
ACTIONS = {"set_fields", "notify", "http_request", "wait", "assign", "ai"}


def decide(workflow: Workflow, decision_id: str, case: Mapping[str, Any], **facts: Any) -> str:
    """The outcome id a decision takes for this case, as the runtime evaluates it."""
    decision = workflow.node(decision_id)
    assert isinstance(decision, DecisionNode)
    seen = Facts(case=case, **facts)
    for outcome in decision.outcomes:
        if compile_condition(outcome.condition)(seen):
            return outcome.id
    assert decision.default_outcome is not None
    return decision.default_outcome.id


def target(workflow: Workflow, decision_id: str, outcome_id: str) -> tuple[str, EdgeKind]:
    (edge,) = [e for e in workflow.edges if e.source == decision_id and e.outcome == outcome_id]
    return edge.target, edge.kind


def stages(workflow: Workflow) -> list[StageNode]:
    return [node for node in workflow.nodes if isinstance(node, StageNode)]


def test_the_three_examples_are_shipped() -> None:
    assert example_names() == NAMES
    assert all(path.name == f"{name}.json" for name, path in example_paths().items())


def test_an_unknown_example_lists_the_real_ones() -> None:
    with pytest.raises(KeyError, match="access-request, insurance-claim, support-case"):
        load_example("payroll")


@pytest.mark.parametrize("name", NAMES)
def test_example_validates_with_no_problem_at_all(name: str) -> None:
    assert validate(load_example(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_example_round_trips_and_is_stored_canonically(name: str) -> None:
    text = example_text(name)
    workflow = load_workflow(text)
    assert workflow.id == name
    dumped = dump_workflow(workflow)
    assert load_workflow(dumped) == workflow
    assert dump_workflow(load_workflow(dumped)) == dumped
    # The file on disk is exactly what Baton writes, so saving it again changes nothing.
    assert dumped == text


@pytest.mark.parametrize("name", NAMES)
def test_example_is_laid_out_left_to_right(name: str) -> None:
    workflow = load_example(name)
    positions = {node.id: (node.position.x, node.position.y) for node in workflow.nodes}
    assert len(set(positions.values())) == len(positions), "two nodes share a spot"
    start = next(node for node in workflow.nodes if isinstance(node, StartNode))
    assert positions[start.id][0] == min(x for x, _ in positions.values())
    for edge in workflow.edges:
        if edge.kind is not EdgeKind.GOTO:
            assert positions[edge.target][0] >= positions[edge.source][0], edge.id
    # Nodes sit on a grid of 320px columns, and at least one branch has its own row.
    assert all(x % 320 == 0 for x, _ in positions.values())
    assert len({y for _, y in positions.values()}) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_example_uses_only_the_builtin_actions_and_assigns_every_work_item(name: str) -> None:
    workflow = load_example(name)
    steps = [step for stage in stages(workflow) for step in stage.steps]
    assert {s.action for s in steps if isinstance(s, BackgroundStep)} <= ACTIONS
    for step in steps:
        if isinstance(step, InteractiveStep):
            assert step.assignment.queue and step.assignment.strategy, step.id
            assert step.sla is not None, step.id
    assert workflow.trigger.kind == "record" and workflow.trigger.on == "create"


# --------------------------------------------------------------------- support case


def test_support_case_has_the_five_stages_in_order() -> None:
    workflow = load_example("support-case")
    main_line = [
        s.id for s in sorted(stages(workflow), key=lambda s: s.position.x) if s.position.y == 240
    ]
    assert main_line == ["intake", "triage", "routing", "execution", "resolution"]
    assert {n.resolution for n in workflow.nodes if isinstance(n, EndNode)} == {
        "resolved",
        "cancelled",
    }


def test_support_case_requests_missing_fields_only_when_missing() -> None:
    workflow = load_example("support-case")
    intake = workflow.node("intake")
    assert isinstance(intake, StageNode)
    (request,) = [s for s in intake.steps if s.id == "request_missing_fields"]
    needed = compile_condition(request.entry_condition)
    assert needed(Facts(case={"contact_email": "a@example.com"}))
    assert not needed(Facts(case={"contact_email": "a@example.com", "product": "api"}))


def test_support_case_triage_runs_in_parallel_then_marks_the_case() -> None:
    triage = load_example("support-case").node("triage")
    assert isinstance(triage, StageNode)
    starting = [s.id for s in triage.steps if not s.after]
    assert starting == ["classify", "check_entitlement", "enrich_from_account"]


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        ({"priority": "urgent", "account_tier": "standard"}, "urgent"),
        ({"priority": "high", "account_tier": "enterprise"}, "urgent"),
        ({"priority": "high", "account_tier": "premium"}, "standard"),
        ({"priority": "low"}, "standard"),
    ],
)
def test_support_case_priority_decision(case: dict[str, Any], outcome: str) -> None:
    assert decide(load_example("support-case"), "priority", case) == outcome


def test_support_case_resolved_decision_escalates_resolves_or_loops_back() -> None:
    workflow = load_example("support-case")
    unhappy = {"customer_sentiment": "negative", "contact_count": 3}
    assert decide(workflow, "is_resolved", unhappy) == "escalate"
    assert decide(workflow, "is_resolved", {"escalated": True}) == "escalate"
    assert decide(workflow, "is_resolved", {"resolution_code": "fixed"}) == "resolved"
    rework = decide(workflow, "is_resolved", {"resolution_code": "needs_more_work"})
    assert target(workflow, "is_resolved", rework) == ("execution", EdgeKind.GOTO)
    # The same rule ends the Execution stage early, as soon as the context arrives.
    execution = workflow.node("execution")
    assert isinstance(execution, StageNode)
    assert compile_condition(execution.exit_condition)(Facts(case=unhappy))


# ------------------------------------------------------------------ insurance claim


def test_insurance_claim_loops_back_for_missing_documents() -> None:
    workflow = load_example("insurance-claim")
    missing = decide(workflow, "documents_ok", {"documents_complete": False})
    assert target(workflow, "documents_ok", missing) == ("request_documents", EdgeKind.OUTCOME)
    (back,) = [e for e in workflow.edges if e.source == "request_documents"]
    assert (back.target, back.kind) == ("document_check", EdgeKind.GOTO)


@pytest.mark.parametrize(
    ("approved", "amount", "goes_to"),
    [
        (True, 2_500, "payment"),
        (True, 25_000, "manager_approval"),
        (False, 2_500, "rejection"),
        (False, 25_000, "rejection"),
    ],
)
def test_insurance_claim_two_level_approval(approved: bool, amount: int, goes_to: str) -> None:
    workflow = load_example("insurance-claim")
    outcome = decide(
        workflow,
        "adjuster_decision",
        {"approved_amount": amount},
        steps={"approve_settlement": {"approved": approved}},
    )
    assert target(workflow, "adjuster_decision", outcome)[0] == goes_to


def test_insurance_claim_manager_can_decline() -> None:
    workflow = load_example("insurance-claim")
    steps = {"manager_review": {"approved": False}}
    outcome = decide(workflow, "manager_decision", {}, steps=steps)
    assert target(workflow, "manager_decision", outcome)[0] == "rejection"


# ------------------------------------------------------------------- access request


def test_access_request_rejection_is_reached_from_several_places_by_goto() -> None:
    workflow = load_example("access-request")
    into_rejected = [e for e in workflow.edges if e.target == "rejected"]
    assert {e.kind for e in into_rejected} == {EdgeKind.GOTO}
    assert len({e.source for e in into_rejected}) >= 2
    (out,) = [e for e in workflow.edges if e.source == "rejected"]
    final = decide(workflow, "appeal", {"status": "rejected"})
    assert target(workflow, out.target, final) == ("rejected_end", EdgeKind.OUTCOME)


def test_access_request_approvals_run_in_parallel_before_security() -> None:
    approvals = load_example("access-request").node("approvals")
    assert isinstance(approvals, StageNode)
    by_id = {step.id: step for step in approvals.steps}
    assert by_id["manager_approval"].after == [] and by_id["owner_approval"].after == []
    assert by_id["security_review"].after == ["manager_approval", "owner_approval"]
    refused = Facts(case={}, steps={"owner_approval": {"approved": False}})
    assert compile_condition(approvals.exit_condition)(refused)


@pytest.mark.parametrize(
    ("case", "outcome"),
    [
        ({"employment_type": "vendor", "access_level": "admin", "resource": "crm"}, "not_eligible"),
        ({"employment_type": "contractor", "resource": "hr_records"}, "not_eligible"),
        ({"employment_type": "employee", "resource": "hr_records"}, "eligible"),
    ],
)
def test_access_request_eligibility(case: dict[str, Any], outcome: str) -> None:
    assert decide(load_example("access-request"), "eligibility", case) == outcome


def test_access_request_expires_and_revokes() -> None:
    workflow = load_example("access-request")
    active = workflow.node("active_access")
    assert isinstance(active, StageNode)
    waits = [s for s in active.steps if isinstance(s, BackgroundStep) and s.action == "wait"]
    total = sum(s.inputs["duration_minutes"].value for s in waits)
    assert total == 90 * 24 * 60
    (next_edge,) = [e for e in workflow.edges if e.source == "active_access"]
    assert next_edge.target == "revocation"
