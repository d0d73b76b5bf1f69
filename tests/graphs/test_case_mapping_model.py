"""The model's mapping of form fields and outputs to case fields (issue 15, part 2): a
workflow saved before it still loads, and its form answers write the case field of the
same name and type; the stored format's schema describes the new fields."""

from __future__ import annotations

from typing import Any

from graphs.dataflow import form_case_fields
from graphs.io import dump_workflow, load_workflow
from graphs.model import InteractiveStep, StageNode, Workflow
from graphs.schema import workflow_json_schema


def _saved_before() -> dict[str, Any]:
    return {
        "id": "old", "name": "Old", "schema_version": 1,
        "case_schema": [{"name": "resolved", "type": "boolean"}, {"name": "code"},
                        {"name": "amount", "type": "number"}],
        "nodes": [{"id": "s", "kind": "stage", "steps": [
            {"id": "work", "kind": "interactive",
             "form": [{"name": "resolved", "type": "boolean"}, {"name": "amount"},
                      {"name": "note"}]}]}],
    }  # fmt: skip


def _step(workflow: Workflow) -> InteractiveStep:
    stage = workflow.nodes[0]
    assert isinstance(stage, StageNode) and isinstance(stage.steps[0], InteractiveStep)
    return stage.steps[0]


def test_a_workflow_saved_before_loads_and_maps_by_name_and_type() -> None:
    workflow = Workflow.model_validate(_saved_before())
    # 'amount' is text on the form but a number in the case: it writes nothing.
    assert form_case_fields(_step(workflow), workflow) == {"resolved": "resolved"}


def test_explicit_mappings_round_trip_through_the_stored_format() -> None:
    document = _saved_before()
    form = document["nodes"][0]["steps"][0]["form"]
    form[1] = {"name": "amount", "type": "number", "to_case": False}
    form[2] = {"name": "note", "case_field": "code"}
    document["case_schema"].append({"name": "card", "sensitive": True})
    workflow = load_workflow(dump_workflow(Workflow.model_validate(document)))
    assert form_case_fields(_step(workflow), workflow) == {"resolved": "resolved", "note": "code"}
    assert workflow.field("card") is not None and workflow.field("card").sensitive  # type: ignore[union-attr]


def test_the_json_schema_describes_the_mapping_fields() -> None:
    definitions = workflow_json_schema()["$defs"]
    assert {"case_field", "to_case"} <= set(definitions["FormField"]["properties"])
    assert "outputs_to_case" in definitions["BackgroundStep"]["properties"]
    assert "sensitive" in definitions["CaseField"]["properties"]
