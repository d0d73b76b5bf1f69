"""Baton -> Salesforce -> Baton gives back the shipped examples; edits made in Salesforce win."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from graphs.conditions import Group, Rule
from graphs.examples import example_names, load_example
from graphs.interop import InteropFormat, detect_format, export_workflow, import_document
from graphs.interop.safe_xml import local_name, parse_xml
from graphs.interop.salesforce import export_orchestration, import_orchestration
from graphs.interop.salesforce.vocabulary import children, tag, text
from graphs.io import workflow_to_document
from graphs.model import DecisionNode, StageNode
from graphs.salesforce import SalesforceFieldMapping, SalesforceTrigger
from graphs.validation import validate


@pytest.mark.parametrize("name", example_names())
def test_a_shipped_example_survives_the_round_trip(name: str) -> None:
    original = load_example(name)
    workflow, report = import_orchestration(export_orchestration(original).encode())
    assert workflow_to_document(workflow) == workflow_to_document(original)
    assert report == []


@pytest.mark.parametrize("name", example_names())
def test_the_export_is_an_orchestration_salesforce_can_read(name: str) -> None:
    original = load_example(name)
    xml = export_workflow(original, InteropFormat.SALESFORCE)
    assert detect_format(xml.encode()) is InteropFormat.SALESFORCE
    root = parse_xml(xml.encode())
    assert text(root, "processType") == "Orchestrator"
    stages = children(root, "orchestratedStages")
    assert [text(s, "label") for s in stages] == [
        n.name for n in original.nodes if isinstance(n, StageNode)
    ]
    steps = [text(step, "label") for s in stages for step in children(s, "stageSteps")]
    assert steps == [s.name for n in original.nodes if isinstance(n, StageNode) for s in n.steps]
    for stage in stages:
        for step in children(stage, "stageSteps"):
            assert text(step, "actionType") in ("stepInteractive", "stepBackground")
            assert text(step, "actionName")
    names = [text(e, "name") for e in [*stages, *children(root, "decisions")]]
    assert len(names) == len(set(names)), "API names are unique in a flow"
    assert all("__" not in n and "-" not in n for n in names)


def test_the_record_trigger_becomes_the_start_elements_object_type_and_filters() -> None:
    root = parse_xml(export_orchestration(load_example("support-case")).encode())
    start = root.find(tag("start"))
    assert start is not None
    assert text(start, "object") == "Case"
    assert text(start, "recordTriggerType") == "Create"
    assert text(start, "triggerType") == "RecordAfterSave"
    (row,) = children(start, "filters")
    assert (text(row, "field"), text(row, "operator")) == ("case_type", "EqualTo")
    assert text(start.find(tag("connector")), "targetReference") == "intake"  # type: ignore[arg-type]


def test_a_step_that_waits_for_another_waits_for_its_completion_in_salesforce() -> None:
    root = parse_xml(export_orchestration(load_example("access-request")).encode())
    stage = next(s for s in children(root, "orchestratedStages") if text(s, "name") == "approvals")
    review = next(s for s in children(stage, "stageSteps") if text(s, "name") == "security_review")
    rows = [
        (text(r, "leftValueReference"), text(r, "operator"))
        for r in children(review, "entryConditions")
    ]
    assert rows[:2] == [
        ("manager_approval.Status", "EqualTo"),
        ("owner_approval.Status", "EqualTo"),
    ]
    assert text(review, "entryConditionLogic") == "1 AND 2 AND ((3 OR 4) OR (5 OR 6))"
    assert [text(a, "assigneeType") for a in children(review, "assignees")] == ["Queue"]


def test_a_label_changed_in_salesforce_wins_over_what_baton_left() -> None:
    xml = export_orchestration(load_example("support-case"))
    edited = xml.replace("<label>Triage</label>", "<label>First look</label>", 1)
    workflow, _ = import_orchestration(edited.encode())
    assert workflow.node("triage").name == "First look"
    assert workflow.node("intake").name == "Intake"


def test_a_condition_changed_in_salesforce_wins_over_what_baton_left() -> None:
    xml = export_orchestration(load_example("support-case"))
    edited = xml.replace("<stringValue>spam</stringValue>", "<stringValue>junk</stringValue>", 1)
    workflow, _ = import_orchestration(edited.encode())
    decision = workflow.node("is_valid")
    assert decision.kind == "decision"
    rules = decision.outcomes[0].condition.rules  # type: ignore[union-attr]
    assert [r.value for r in rules] == ["junk", "duplicate"]  # type: ignore[union-attr]


def test_a_step_removed_in_salesforce_is_gone() -> None:
    original = load_example("support-case")
    root_xml = export_orchestration(original)
    start = root_xml.index("<stageSteps>", root_xml.index("<name>triage</name>"))
    end = root_xml.index("</stageSteps>", start) + len("</stageSteps>")
    workflow, _ = import_orchestration((root_xml[:start] + root_xml[end:]).encode())
    stage = workflow.node("triage")
    assert isinstance(stage, StageNode)
    assert [s.id for s in stage.steps] == [
        "review_classification",
        "check_entitlement",
        "enrich_from_account",
        "mark_triaged",
    ]


def test_import_document_detects_an_exported_orchestration() -> None:
    original = load_example("insurance-claim")
    result = import_document(export_orchestration(original))
    assert result.format is InteropFormat.SALESFORCE
    assert result.workflow == original
    assert list(result.problems) == validate(original)


def test_a_salesforce_field_mapping_names_the_record_fields_in_the_export() -> None:
    original = load_example("support-case").model_copy(deep=True)
    original.trigger.source = "salesforce"
    # A trigger on a mapped field: the filter names the record's field.
    original.trigger.condition = Group(rules=[Rule(field="case.subject", op="is_set")])
    original.trigger.salesforce = SalesforceTrigger(
        field_mapping=[
            SalesforceFieldMapping(sf_field="Subject", case_field="subject"),
            SalesforceFieldMapping(sf_field="Priority", case_field="priority"),
        ]
    )
    xml = export_orchestration(original)
    root = parse_xml(xml.encode())
    start = root.find(tag("start"))
    assert start is not None
    assert [text(f, "field") for f in children(start, "filters")] == ["Subject"]
    assert "<leftValueReference>$Record.Priority</leftValueReference>" in xml
    assert "<leftValueReference>$Record.priority</leftValueReference>" not in xml
    workflow, report = import_orchestration(xml.encode())
    assert workflow == original
    assert report == []
    # Edited in Salesforce, a mapped field reads back as its case field.
    edited = xml.replace("<stringValue>urgent</stringValue>", "<stringValue>P1</stringValue>", 1)
    changed, _ = import_orchestration(edited.encode())
    priority = changed.node("priority")
    assert isinstance(priority, DecisionNode)
    assert priority.outcomes[0].condition is not None
    first = priority.outcomes[0].condition.rules[0]
    assert isinstance(first, Rule) and (first.field, first.value) == ("case.priority", "P1")


def test_an_imported_orchestration_maps_the_record_fields_it_reads() -> None:
    path = Path(__file__).parent / "corpus/salesforce/Case_Escalation_Orchestration.flow-meta.xml"
    workflow, report = import_orchestration(path.read_bytes())
    assert workflow.trigger.salesforce is not None
    mapped = {(m.sf_field, m.case_field) for m in workflow.trigger.salesforce.field_mapping}
    assert mapped == {
        ("IsEscalated", "IsEscalated"),
        ("Status", "Status"),
        ("Priority", "Priority"),
    }
    assert workflow.field("salesforce_id") is not None  # $Record.Id: the record Id's case field
    assert any("Salesforce sync copies" in item.reason for item in report)
    # And it goes back out under the same names.
    xml = export_orchestration(workflow)
    assert "<elementReference>$Record.Id</elementReference>" in xml


def test_children_come_in_the_order_a_metadata_deploy_expects() -> None:
    """What an element inherits first (FlowBaseElement, FlowElement, FlowNode), then its
    own fields alphabetically: a deploy refuses an element "invalid at this location"."""
    root = parse_xml(export_orchestration(load_example("access-request")).encode())
    element_fields = ["processMetadataValues", "description", "name"]
    node_fields = [*element_fields, "label", "locationX", "locationY"]

    def in_order(element: Element, inherited: list[str]) -> bool:
        seen = list(dict.fromkeys(local_name(child) for child in element))
        head = [n for n in seen if n in inherited]
        rest = seen[len(head) :]
        return seen[: len(head)] == [n for n in inherited if n in head] and rest == sorted(rest)

    for stage in children(root, "orchestratedStages"):
        assert in_order(stage, node_fields)
        for step in children(stage, "stageSteps"):
            assert in_order(step, [*element_fields, "label"])
    for decision in children(root, "decisions"):
        assert in_order(decision, node_fields)
        for rule in children(decision, "rules"):
            assert in_order(rule, element_fields)
    top = [local_name(child) for child in root]
    assert top == sorted(top)
