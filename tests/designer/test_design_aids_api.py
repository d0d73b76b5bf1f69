"""What the canvas asks while a workflow is drawn: its data flow, the demo services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _tutorial(mapped: bool) -> dict[str, Any]:
    """A form whose "done" answer writes case.resolved when ``mapped``; a decision reads it."""
    form: dict[str, Any] = {"name": "done", "type": "boolean"}
    if mapped:
        form["case_field"] = "resolved"
    return {
        "id": "tut",
        "name": "Tutorial",
        "case_schema": [{"name": "resolved", "type": "boolean"}],
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "steps": [{"id": "handle", "kind": "interactive", "form": [form]}],
            },
            {
                "id": "check",
                "kind": "decision",
                "outcomes": [
                    {
                        "id": "yes",
                        "label": "Resolved",
                        "condition": {
                            "kind": "group",
                            "match": "all",
                            "rules": [{"kind": "rule", "field": "case.resolved", "op": "eq",
                                       "value": True}],
                        },
                    }
                ],
                "default_outcome": {"id": "no", "label": "Not yet"},
            },
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "check"},
            {"id": "e3", "source": "check", "target": "end", "outcome": "yes"},
            {"id": "e4", "source": "check", "target": "work", "outcome": "no", "kind": "goto"},
        ],
    }  # fmt: skip


def _flow(client: FlaskClient, document: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/design/data-flow", json={"workflow": document})
    assert response.status_code == 200, response.get_json()
    return {f["field"]: f for f in response.get_json()["fields"]}


def test_the_data_flow_says_what_writes_a_field_and_what_reads_it(client: FlaskClient) -> None:
    resolved = _flow(client, _tutorial(mapped=True))["case.resolved"]
    assert [(w["node_id"], w["step_id"]) for w in resolved["writers"]] == [("work", "handle")]
    assert any(r["node_id"] == "check" for r in resolved["readers"])
    # Without the mapping, nothing in the workflow writes it (the rule builder says so).
    unmapped = _flow(client, _tutorial(mapped=False))["case.resolved"]
    assert unmapped["writers"] == [] and unmapped["readers"]


def test_the_data_flow_refuses_what_is_not_a_workflow(client: FlaskClient) -> None:
    bad = client.post("/api/design/data-flow", json={"workflow": {"id": "x"}})
    assert bad.status_code == 400 and "workflow" in bad.get_json()["error"]["message"]
    big = client.post(
        "/api/design/data-flow",
        data=b'{"workflow": "' + b"x" * (1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert big.status_code == 413


def test_demo_service_addresses_only_while_they_answer(
    client: FlaskClient, make_app: Callable[..., Flask]
) -> None:
    on = client.get("/api/design/demo-services").get_json()
    assert on["enabled"] is True
    assert any(e["url"].startswith("https://nlp.example.internal/") for e in on["endpoints"])
    off = make_app(demo_services=False).test_client().get("/api/design/demo-services")
    assert off.get_json() == {"enabled": False, "endpoints": []}
