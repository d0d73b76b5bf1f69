"""The data-flow rules of issue 15: each fires on the tutorial's mistakes and is silent
once they are fixed (graphs.validation.dataflow, on graphs.dataflow)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from graphs.action_specs import ActionSpec
from graphs.dataflow import data_flow
from graphs.model import Workflow
from graphs.problems import ProblemCode
from graphs.validation import validate

CATALOGUE = {
    "set_fields": ActionSpec(
        "set_fields", {"type": "object", "minProperties": 1}, {}, writes_inputs=True
    ),
    "notify": ActionSpec(
        "notify",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"to": {"type": "string", "minLength": 1}, "subject": {"type": "string"}},
            "required": ["to"],
        },
        {"properties": {"sent": {"type": "boolean"}, "subject": {"type": "string"}}},
    ),
    "classify": ActionSpec(
        "classify",
        {},
        {"properties": {"category": {"type": "string"}, "score": {"type": "number"}}},
    ),
}


def _rule(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"kind": "group", "rules": [{"kind": "rule", "field": field, "op": op, "value": value}]}


def tutorial() -> dict[str, Any]:
    """Salesforce's tutorial orchestration, as the admin of issue 15 built it."""
    return {
        "id": "tutorial",
        "name": "Tutorial",
        "case_schema": [
            {"name": "subject", "required": True},
            {"name": "priority", "type": "picklist", "values": ["low", "high"], "required": True},
            {"name": "category"},
            {"name": "resolved", "type": "boolean"},
        ],
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "triage", "kind": "stage", "steps": [
                {"id": "classify", "kind": "background", "action": "classify",
                 "outputs_to_case": {"category": "category"}},
                {"id": "tell", "kind": "background", "action": "notify",
                 "inputs": {"to": {"value": "team@example.com"}}},
            ]},
            {"id": "agent_work", "kind": "stage", "steps": [
                {"id": "work", "kind": "interactive", "assignment": {"queue": "support"},
                 "form": [{"name": "resolved", "type": "boolean"},
                          {"name": "note", "type": "string"}]},
            ]},
            {"id": "is_resolved", "kind": "decision",
             "outcomes": [{"id": "yes", "label": "Resolved",
                           "condition": _rule("case.resolved", "eq", True)}],
             "default_outcome": {"id": "no", "label": "Not yet"}},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "triage"},
            {"id": "e2", "source": "triage", "target": "agent_work"},
            {"id": "e3", "source": "agent_work", "target": "is_resolved"},
            {"id": "e4", "source": "is_resolved", "target": "end", "kind": "outcome",
             "outcome": "yes"},
            {"id": "back", "source": "is_resolved", "target": "agent_work", "kind": "goto",
             "outcome": "no"},
        ],
    }  # fmt: skip


def _codes(document: dict[str, Any], actions: Any = CATALOGUE) -> list[tuple[str, str | None]]:
    problems = validate(Workflow.model_validate(document), actions=actions)
    return [(p.code.value, p.edge_id or p.step_id or p.node_id) for p in problems]


def _form(document: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = document["nodes"][2]["steps"][0]["form"][0]
    return form


def test_the_tutorial_as_mapped_has_no_problems() -> None:
    assert _codes(tutorial()) == []


def test_the_form_answer_writes_the_case_field_of_its_name() -> None:
    flow = data_flow(Workflow.model_validate(tutorial()), CATALOGUE)
    writers = flow.writers_of("case.resolved")
    assert [(w.kind, w.step_id, w.path) for w in writers] == [
        ("form", "work", "nodes[2].steps[0].form[0]")
    ]
    assert [(r.kind, r.node_id, r.edge_id) for r in flow.readers_of("case.resolved")] == [
        ("decision", "is_resolved", "e4")
    ]
    assert [w.kind for w in flow.writers_of("case.category")] == ["output"]
    assert [w.kind for w in flow.writers_of("case.subject")] == ["creation"]


def test_without_the_mapping_the_decision_and_the_loop_are_named() -> None:
    document = tutorial()
    _form(document)["to_case"] = False
    problems = validate(Workflow.model_validate(document), actions=CATALOGUE)
    found = {(p.code, p.node_id, p.edge_id, p.field, p.severity) for p in problems}
    assert found == {
        (ProblemCode.FIELD_NEVER_WRITTEN, "is_resolved", "e4", "case.resolved", "warning"),
        (ProblemCode.LOOP_EXIT_NOT_WRITTEN, "is_resolved", "back", "case.resolved", "warning"),
    }
    # Written by a step inside the loop, the loop can end again.
    document["nodes"][2]["steps"].append(
        {"id": "mark", "kind": "background", "action": "set_fields",
         "inputs": {"resolved": {"type": "boolean", "value": True}}}
    )  # fmt: skip
    assert _codes(document) == []


def test_a_loop_whose_field_is_written_outside_it_only_is_named() -> None:
    document = tutorial()
    _form(document)["to_case"] = False
    document["nodes"][1]["steps"].append(
        {"id": "mark", "kind": "background", "action": "set_fields",
         "inputs": {"resolved": {"type": "boolean", "value": False}}}
    )  # fmt: skip
    assert _codes(document) == [("loop_exit_not_written", "back")]


def test_a_required_field_is_written_at_creation() -> None:
    document = tutorial()
    _form(document)["to_case"] = False
    document["case_schema"][3]["required"] = True
    assert _codes(document) == [("loop_exit_not_written", "back")]


def test_a_mapping_to_a_field_of_another_type_is_an_error() -> None:
    document = tutorial()
    _form(document)["type"] = "string"
    _form(document)["case_field"] = "resolved"
    assert ("mapping_type_mismatch", "work") in _codes(document)
    # Without the explicit mapping the same name writes nothing, and the canvas says so.
    del _form(document)["case_field"]
    codes = _codes(document)
    assert ("form_field_not_mapped", "work") in codes
    assert ("field_never_written", "e4") in codes


def test_a_mapping_to_an_unknown_case_field_is_an_error() -> None:
    document = tutorial()
    _form(document)["case_field"] = "solved"
    assert ("unknown_mapped_field", "work") in _codes(document, actions=None)


def test_outputs_must_exist_and_fit_the_case_field() -> None:
    document = tutorial()
    step = document["nodes"][1]["steps"][0]
    step["outputs_to_case"] = {"score": "resolved"}
    assert ("mapping_type_mismatch", "classify") in _codes(document)
    step["outputs_to_case"] = {"label": "category"}
    assert ("unknown_mapped_field", "classify") in _codes(document)


def test_notify_without_a_recipient_is_an_error_on_its_step() -> None:
    document = tutorial()
    document["nodes"][1]["steps"][1]["inputs"] = {"to": {"value": ""}}
    problems = validate(Workflow.model_validate(document), actions=CATALOGUE)
    assert [(p.code, p.step_id, p.path, p.severity) for p in problems] == [
        (ProblemCode.MISSING_ACTION_INPUT, "tell", "nodes[1].steps[1].inputs.to", "error")
    ]
    document["nodes"][1]["steps"][1]["inputs"] = {"to": {"type": "number", "value": 5}}
    assert _codes(document) == [("bad_action_input", "tell")]
    # Without a catalogue, validation does as it always did.
    assert _codes(document, actions=None) == []


def test_an_input_reading_a_step_that_may_not_have_run() -> None:
    document = tutorial()
    # In the same stage, beside the step it reads: it may not have run yet.
    document["nodes"][1]["steps"][1]["inputs"]["subject"] = {"ref": "step.classify.category"}
    assert _codes(document) == [("output_may_not_exist", "tell")]
    document["nodes"][1]["steps"][1]["after"] = ["classify"]
    assert _codes(document) == []
    # Skipped by its entry condition, it may not have run either.
    document["nodes"][1]["steps"][0]["entry_condition"] = _rule("case.priority", "eq", "high")
    assert _codes(document) == [("output_may_not_exist", "tell")]
    # Unless the reader is skipped by the same condition ("ask if missing, then store").
    document["nodes"][1]["steps"][1]["entry_condition"] = _rule("case.priority", "eq", "high")
    assert _codes(document) == []


def test_an_input_reading_a_later_stage_never_sees_its_output() -> None:
    document = tutorial()
    document["nodes"][1]["steps"][1]["inputs"]["subject"] = {"ref": "step.work.note"}
    problems = validate(Workflow.model_validate(document), actions=CATALOGUE)
    assert [(p.code.value, p.step_id, p.severity) for p in problems] == [
        ("output_may_not_exist", "tell", "error")
    ]


def test_an_input_reading_a_stage_on_one_branch_only() -> None:
    document = tutorial()
    nodes, edges = document["nodes"], document["edges"]
    nodes.insert(1, {"id": "route", "kind": "decision",
                     "outcomes": [{"id": "hot", "label": "Hot",
                                   "condition": _rule("case.priority", "eq", "high")}],
                     "default_outcome": {"id": "cold", "label": "Cold"}})  # fmt: skip
    edges[0]["target"] = "route"
    edges.append({"id": "hot", "source": "route", "target": "triage", "kind": "outcome",
                  "outcome": "hot"})  # fmt: skip
    edges.append({"id": "cold", "source": "route", "target": "agent_work", "kind": "outcome",
                  "outcome": "cold"})  # fmt: skip
    inputs = {"to": {"value": "a@example.com"}, "subject": {"ref": "step.classify.category"}}
    nodes[3]["steps"].append(
        {"id": "log", "kind": "background", "action": "notify", "inputs": inputs}
    )
    problems = validate(Workflow.model_validate(document), actions=CATALOGUE)
    assert [(p.code.value, p.step_id, p.severity) for p in problems] == [
        ("output_may_not_exist", "log", "warning")
    ]


@pytest.mark.parametrize("path", sorted(Path("graphs/examples").glob("*.json")))
def test_shipped_examples_have_no_data_flow_errors(path: Path) -> None:
    from runtime.actions import action_catalogue

    workflow = Workflow.model_validate(json.loads(path.read_text()))
    errors = [p for p in validate(workflow, actions=action_catalogue()) if p.severity == "error"]
    assert errors == []


def test_the_data_flow_is_plain_json() -> None:
    flow = data_flow(Workflow.model_validate(tutorial()), CATALOGUE).to_dict()
    assert json.loads(json.dumps(flow)) == flow
    resolved = next(f for f in flow["fields"] if f["field"] == "case.resolved")
    assert resolved["writers"][0]["kind"] == "form"
    assert copy.deepcopy(flow)["complete"] is True
