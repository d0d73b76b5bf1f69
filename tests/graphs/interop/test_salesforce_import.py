"""Each Salesforce Orchestrator mapping rule, read from files built from the Metadata API
reference (tests/graphs/interop/corpus/salesforce/), and what bad input gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphs.conditions import Group, Rule
from graphs.errors import DocumentTooLarge
from graphs.examples import load_example
from graphs.interop import (
    InteropFormat,
    MalformedXMLError,
    NothingToImport,
    ReportItem,
    ReportKind,
    UnknownDocumentKind,
    UnsafeXMLError,
    import_document,
)
from graphs.interop.salesforce import export_orchestration, import_orchestration
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    EdgeKind,
    InteractiveStep,
    StageNode,
    Workflow,
)

CORPUS = Path(__file__).parent / "corpus" / "salesforce"
Imported = tuple[Workflow, list[ReportItem]]
FLOW = '<Flow xmlns="http://soap.sforce.com/2006/04/metadata">{}</Flow>'


def _load(name: str) -> tuple[Workflow, list[ReportItem]]:
    return import_orchestration((CORPUS / name).read_bytes())


@pytest.fixture(scope="module")
def escalation() -> tuple[Workflow, list[ReportItem]]:
    return _load("Case_Escalation_Orchestration.flow-meta.xml")


@pytest.fixture(scope="module")
def purchase() -> tuple[Workflow, list[ReportItem]]:
    return _load("Purchase_Approval_Orchestration.flow-meta.xml")


def _stage(workflow: Workflow, node_id: str) -> StageNode:
    node = workflow.node(node_id)
    assert isinstance(node, StageNode)
    return node


def _step(workflow: Workflow, stage: str, step: str) -> InteractiveStep | BackgroundStep:
    return next(s for s in _stage(workflow, stage).steps if s.id == step)


def _items(report: list[ReportItem], element_id: str) -> dict[ReportKind, str]:
    return {item.kind: item.reason for item in report if item.element_id == element_id}


def test_stages_become_stages_with_their_steps_in_order(escalation: Imported) -> None:
    workflow, _ = escalation
    assert [n.id for n in workflow.nodes if isinstance(n, StageNode)] == [
        "Triage",
        "Investigate",
        "Wrap_Up",
    ]
    triage = _stage(workflow, "Triage")
    assert (triage.name, triage.position.y) == ("Triage", 158)
    assert [s.name for s in triage.steps] == [
        "Review the case",
        "Update priority",
        "Notify the account owner",
    ]


def test_interactive_steps_go_to_the_queue_or_user_assigned(escalation: Imported) -> None:
    workflow, report = escalation
    review = _step(workflow, "Triage", "Review_Case")
    assert isinstance(review, InteractiveStep)
    assert review.assignment.queue == "Tier1_Support"
    work = _step(workflow, "Investigate", "Work_Case")
    assert isinstance(work, InteractiveStep)
    assert work.assignment.agent == "jane.doe@example.com"
    assert (
        "Review_Case_Screen_Flow" in _items(report, "Review_Case")[ReportKind.UNRESOLVED_REFERENCE]
    )


def test_background_steps_keep_the_flow_they_run_by_name(escalation: Imported) -> None:
    workflow, report = escalation
    step = _step(workflow, "Triage", "Update_Priority")
    assert isinstance(step, BackgroundStep)
    assert step.action == "salesforce_flow"
    assert step.inputs["flow"].value == "Set_Case_Priority"
    assert step.inputs["recordId"].ref == "case.salesforce_id"  # the record Id's case field
    assert step.inputs["Level"].value == 2
    item = next(i for i in report if i.element_id == "Update_Priority")
    assert (item.kind, item.baton_id) == (ReportKind.UNRESOLVED_REFERENCE, "Triage/Update_Priority")
    assert "Set_Case_Priority" in item.reason


def test_waiting_for_another_steps_completion_becomes_after(escalation: Imported) -> None:
    workflow, report = escalation
    assert _step(workflow, "Triage", "Update_Priority").after == ["Review_Case"]
    notify = _step(workflow, "Triage", "Notify_Account_Owner")
    assert notify.after == ["Review_Case"]
    assert notify.entry_condition == Group(
        rules=[Rule(field="case.Priority", op="eq", value="High")]
    )
    assert ReportKind.APPROXIMATED not in _items(report, "Notify_Account_Owner")


def test_a_stage_exit_condition_becomes_the_stages_exit_condition(escalation: Imported) -> None:
    workflow, _ = escalation
    exit_condition = _stage(workflow, "Investigate").exit_condition
    assert exit_condition == Group(
        match="any",
        rules=[
            Rule(field="case.Status", op="eq", value="Closed"),
            Rule(field="step.Work_Case.resolved", op="eq", value=True),
        ],
    )
    assert _stage(workflow, "Triage").exit_condition is None


def test_decisions_keep_their_rules_in_order_and_their_default(escalation: Imported) -> None:
    workflow, _ = escalation
    decision = workflow.node("Resolved_Check")
    assert isinstance(decision, DecisionNode)
    assert [(o.id, o.label) for o in decision.outcomes] == [
        ("Is_Resolved", "Resolved"),
        ("Needs_Manager", "Needs a manager"),
    ]
    assert decision.outcomes[1].condition == Group(
        rules=[
            Rule(field="case.IsEscalated", op="eq", value=True),
            Group(
                match="any",
                rules=[
                    Rule(field="case.Priority", op="eq", value="High"),
                    Rule(field="step.Review_Case.severity", op="gte", value=3),
                ],
            ),
        ]
    )
    assert decision.default_outcome is not None
    assert decision.default_outcome.label == "Not yet"


def test_connectors_become_edges_and_a_connector_back_a_goto(escalation: Imported) -> None:
    workflow, _ = escalation
    edges = {(e.source, e.outcome): (e.target, e.kind) for e in workflow.edges}
    assert edges[("start", None)] == ("Triage", EdgeKind.NEXT)
    assert edges[("Triage", None)] == ("Investigate", EdgeKind.NEXT)
    assert edges[("Resolved_Check", "Is_Resolved")] == ("Wrap_Up", EdgeKind.OUTCOME)
    assert edges[("Resolved_Check", "default")] == ("Investigate", EdgeKind.GOTO)
    # No connector: the run ends there.
    assert edges[("Resolved_Check", "Needs_Manager")][0] == edges[("Wrap_Up", None)][0]
    assert workflow.node(edges[("Wrap_Up", None)][0]).kind == "end"


def test_the_start_becomes_a_record_trigger_on_its_object(escalation: Imported) -> None:
    workflow, _ = escalation
    trigger = workflow.trigger
    assert (trigger.kind, trigger.on.value, trigger.source) == (
        "record",
        "create_or_update",
        "salesforce",
    )
    assert trigger.salesforce is not None and trigger.salesforce.sobject == "Case"
    assert trigger.condition == Group(
        rules=[
            Rule(field="case.IsEscalated", op="eq", value=True),
            Rule(field="case.Status", op="ne", value="Closed"),
        ]
    )


def test_fields_the_orchestration_reads_are_declared(escalation: Imported) -> None:
    workflow, _ = escalation
    types = {f.name: f.type.value for f in workflow.case_schema}
    assert types["IsEscalated"] == "boolean" and types["Status"] == "string"
    work = _step(workflow, "Investigate", "Work_Case")
    assert isinstance(work, InteractiveStep)
    assert [(f.name, f.type.value) for f in work.form] == [("resolved", "boolean")]
    result = import_document((CORPUS / "Case_Escalation_Orchestration.flow-meta.xml").read_bytes())
    assert [p.code.value for p in result.problems if p.severity.value == "error"] == []


def test_an_autolaunched_orchestration_starts_by_hand(purchase: Imported) -> None:
    workflow, _ = purchase
    assert workflow.trigger.kind == "manual"


def test_an_approval_step_becomes_an_interactive_step_with_an_approve_reject_form(
    purchase: Imported,
) -> None:
    workflow, report = purchase
    step = _step(workflow, "Approval", "Manager_Approval")
    assert isinstance(step, InteractiveStep)
    assert (step.form[0].name, step.form[0].values) == ("approvalDecision", ["Approve", "Reject"])
    assert step.assignment.queue == "Purchasing_Managers"
    kinds = [i.kind for i in report if i.element_id == "Manager_Approval"]
    assert kinds.count(ReportKind.APPROXIMATED) == 2  # the group, the approval form
    assert ReportKind.UNRESOLVED_REFERENCE in kinds


def test_a_mulesoft_step_becomes_an_http_request_that_needs_its_url(purchase: Imported) -> None:
    workflow, report = purchase
    step = _step(workflow, "Order", "Place_Order")
    assert isinstance(step, BackgroundStep)
    assert step.action == "http_request"
    assert step.inputs["amount"].ref == "case.Amount"
    assert ReportKind.NEEDS_ACTION in _items(report, "Place_Order")


def test_evaluation_flows_assignee_references_fault_paths_and_variables_are_reported(
    purchase: Imported,
) -> None:
    workflow, report = purchase
    assert (
        "Approval_Complete_Evaluation"
        in _items(report, "Approval")[ReportKind.UNRESOLVED_REFERENCE]
    )
    assert "fault path" in _items(report, "Approval")[ReportKind.NOT_IMPORTED]
    budget = [i.reason for i in report if i.element_id == "Budget_Review"]
    assert any("Budget_Needed_Evaluation" in r for r in budget)
    assert any("$Record.OwnerId" in r for r in budget)
    assert _items(report, "recordId")[ReportKind.NOT_IMPORTED].startswith("a variables element")
    decision = workflow.node("Approved_Decision")
    assert isinstance(decision, DecisionNode)
    rule = decision.outcomes[0].condition.rules[0]  # type: ignore[union-attr]
    assert isinstance(rule, Rule) and rule.field == "step.Manager_Approval.approvalDecision"


def test_a_flow_of_another_process_type_is_refused_saying_what_it_is() -> None:
    with pytest.raises(UnknownDocumentKind) as caught:
        import_document((CORPUS / "Case_Screen_Flow.flow-meta.xml").read_bytes())
    assert "a screen flow (processType Flow)" in str(caught.value)
    assert "processType Orchestrator" in str(caught.value)


def test_malformed_xml_names_its_line_and_column() -> None:
    data = b'<?xml version="1.0"?>\n' + FLOW.format("\n  <label>x</labl>\n").encode()
    with pytest.raises(MalformedXMLError) as caught:
        import_document(data, format=InteropFormat.SALESFORCE)
    issue = caught.value.issues[0]
    assert (issue.line, issue.column) == (3, 13)


def test_entities_are_refused() -> None:
    data = b'<!DOCTYPE Flow [<!ENTITY x "xxxxxxxx">]>' + FLOW.format("<label>&x;</label>").encode()
    with pytest.raises(UnsafeXMLError):
        import_orchestration(data)


def test_an_orchestration_without_stages_has_nothing_to_import() -> None:
    with pytest.raises(NothingToImport):
        import_orchestration(FLOW.format("<processType>Orchestrator</processType>").encode())


def test_a_bpmn_document_is_not_an_orchestration() -> None:
    bpmn = b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'
    with pytest.raises(UnknownDocumentKind, match="BPMN"):
        import_orchestration(bpmn)


def test_a_document_over_the_limit_is_refused_with_its_size() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        import_document(FLOW.format("").encode(), max_bytes=10)
    assert "10" in str(caught.value)


def test_baton_data_nested_past_reading_is_ignored_and_the_salesforce_fields_stand() -> None:

    xml = export_orchestration(load_example("support-case"))
    deep = "[" * 100_000 + "]" * 100_000
    head = '<stringValue>{"id":"support-case"'
    assert head in xml
    workflow, _ = import_orchestration(
        xml.replace(head, '<stringValue>{"x":' + deep + ',"id":"support-case"', 1).encode()
    )
    assert workflow.name == "Support case"
    assert next(n.id for n in workflow.nodes if isinstance(n, StageNode)) == "intake"
