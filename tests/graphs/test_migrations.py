"""Upgrading stored workflows of older formats on load."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from graphs.errors import WorkflowFormatError
from graphs.io import dump_workflow, load_workflow
from graphs.migrations import MIGRATIONS, OLDEST_SCHEMA_VERSION, migrate, migration
from graphs.model import SCHEMA_VERSION, DecisionNode, EdgeKind
from graphs.validation import validate


def version_0_document() -> dict[str, Any]:
    """A pre-release workflow as it was stored: from/to edges, outcomes known by label."""
    return {
        "schema_version": 0,
        "id": "refunds",
        "name": "Refunds",
        "case_schema": [{"name": "amount", "type": "number"}],
        "nodes": [
            {"id": "start", "kind": "start", "x": 0, "y": 200},
            {"id": "check", "kind": "stage", "owner": "finance", "x": 320, "y": 200,
             "steps": [{"id": "review", "kind": "interactive",
                        "assignment": {"queue": "finance"}}]},
            {"id": "size", "kind": "decision", "x": 640, "y": 200.5,
             "outcomes": [
                 {"label": "Large refund",
                  "condition": {"kind": "group", "rules": [
                      {"kind": "rule", "field": "case.amount", "op": "gt", "value": 500}]}},
                 {"label": "Needs rework",
                  "condition": {"kind": "group", "rules": [
                      {"kind": "rule", "field": "case.amount", "op": "lte", "value": 0}]}},
             ],
             "default": "Small refund"},
            {"id": "approve", "kind": "stage", "owner": "finance", "x": 960, "y": 40,
             "steps": [{"id": "sign", "kind": "interactive",
                        "assignment": {"queue": "managers"}}]},
            {"id": "paid", "kind": "end", "x": 1280, "y": 200},
        ],
        "edges": [
            {"id": "e1", "from": "start", "to": "check"},
            {"id": "e2", "from": "check", "to": "size"},
            {"id": "e3", "from": "size", "to": "approve", "kind": "outcome",
             "outcome": "Large refund"},
            {"id": "e4", "from": "size", "to": "paid", "kind": "outcome",
             "outcome": "Small refund"},
            {"id": "e5", "from": "size", "to": "check", "kind": "goto",
             "outcome": "Needs rework"},
            {"id": "e6", "from": "approve", "to": "paid"},
        ],
    }  # fmt: skip


def test_a_version_0_workflow_loads_as_a_valid_current_one() -> None:
    workflow = load_workflow(version_0_document())
    assert workflow.schema_version == SCHEMA_VERSION
    assert validate(workflow) == []

    decision = workflow.node("size")
    assert isinstance(decision, DecisionNode)
    assert [(o.id, o.label) for o in decision.outcomes] == [
        ("large_refund", "Large refund"),
        ("needs_rework", "Needs rework"),
    ]
    assert decision.default_outcome is not None
    assert (decision.default_outcome.id, decision.default_outcome.label) == (
        "small_refund",
        "Small refund",
    )
    edges = {edge.id: edge for edge in workflow.edges}
    assert (edges["e3"].source, edges["e3"].target, edges["e3"].outcome) == (
        "size",
        "approve",
        "large_refund",
    )
    assert edges["e5"].kind is EdgeKind.GOTO and edges["e5"].outcome == "needs_rework"
    assert workflow.node("size").position.y == 200.5
    assert workflow.node("approve").position.x == 960


def test_an_upgraded_workflow_is_written_in_the_current_format() -> None:
    text = dump_workflow(load_workflow(version_0_document()))
    assert '"schema_version": 1' in text
    assert '"from"' not in text and '"default"' not in text
    assert load_workflow(text) == load_workflow(version_0_document())


def test_migrate_leaves_its_input_alone() -> None:
    document = version_0_document()
    before = copy.deepcopy(document)
    migrate(document)
    assert document == before


def test_labels_that_slug_alike_get_distinct_ids() -> None:
    document = version_0_document()
    size = document["nodes"][2]
    size["outcomes"][1]["label"] = "large refund!"
    size["default"] = "Large-refund"
    upgraded = migrate(document)["nodes"][2]
    ids = [o["id"] for o in upgraded["outcomes"]] + [upgraded["default_outcome"]["id"]]
    assert ids == ["large_refund", "large_refund_2", "large_refund_3"]
    assert upgraded["default_outcome"]["label"] == "Large-refund"
    # The edges follow the labels to the right ids.
    edges = {e["id"]: e["outcome"] for e in migrate(document)["edges"] if "outcome" in e}
    assert edges == {"e3": "large_refund", "e4": "Small refund", "e5": "Needs rework"}


def test_a_document_without_version_is_taken_as_current() -> None:
    document = {"id": "w", "name": "W", "edges": [{"id": "e", "source": "a", "target": "b"}]}
    assert migrate(document) == document


def test_a_malformed_old_document_is_reported_by_path_after_upgrading() -> None:
    document = version_0_document()
    document["edges"][1] = {"id": "e2", "from": "check"}
    document["nodes"][2]["default"] = {"label": "Small refund"}
    with pytest.raises(WorkflowFormatError) as caught:
        load_workflow(document)
    assert {(issue.path, issue.message) for issue in caught.value.issues} == {
        ("edges[1].target", "required field is missing"),
        ("nodes[2].default", "unknown field (did you mean 'default_outcome'?)"),
    }


def test_every_old_version_has_an_upgrade() -> None:
    assert sorted(MIGRATIONS) == list(range(OLDEST_SCHEMA_VERSION, SCHEMA_VERSION))


def test_an_upgrade_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="already registered"):
        migration(from_version=0)(lambda document: document)
