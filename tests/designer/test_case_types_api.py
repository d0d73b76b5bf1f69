"""Case data typed against case schemas, explicit starts and trigger overlaps, through the API."""

from __future__ import annotations

from typing import Any

import pytest
from designer_helpers import error_of
from flask import Flask
from flask.testing import FlaskClient
from live_support import install

from designer.extensions import state


def desk(
    workflow_id: str = "intake",
    *,
    condition: dict[str, Any] | None = None,
    trigger: str = "record",
    schema: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """start -> Handle (a work item that keeps the run open) -> end, typed case fields."""
    return {
        "id": workflow_id,
        "name": workflow_id.title(),
        "case_schema": schema
        if schema is not None
        else [
            {"name": "subject", "type": "string", "required": True},
            {"name": "contact_count", "type": "number"},
            {"name": "priority", "type": "picklist", "values": ["low", "high"]},
            {"name": "resolved", "type": "boolean"},
            {"name": "due", "type": "date-time"},
            {"name": "kind", "type": "string"},
        ],
        "trigger": {"kind": trigger, "on": "create", "condition": condition},
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "handle",
                "kind": "stage",
                "name": "Handle",
                "steps": [{"id": "work", "kind": "interactive", "name": "Work"}],
            },
            {"id": "done", "kind": "end"},
        ],
        "edges": [
            {"id": "a", "source": "start", "target": "handle"},
            {"id": "b", "source": "handle", "target": "done"},
        ],
    }


def kind_is(value: str) -> dict[str, Any]:
    return {"kind": "group", "rules": [{"kind": "rule", "field": "case.kind", "op": "eq",
                                        "value": value}]}  # fmt: skip


@pytest.fixture
def intake(app: Flask) -> str:
    return install(state(app).engine, desk())


def cases_stored(client: FlaskClient) -> int:
    return len(client.get("/api/runs?limit=100").json["items"])


def create(client: FlaskClient, fields: dict[str, Any], **body: Any) -> Any:
    return client.post("/api/cases", json={"fields": fields, **body})


# ---------------------------------------------------------------------------- typing


@pytest.mark.parametrize(
    ("fields", "field", "expected", "says"),
    [
        ({"contact_count": "many"}, "contact_count", "a number", "got the string 'many'"),
        ({"contact_count": "2"}, "contact_count", "a number", "send 2"),
        ({"contact_count": True}, "contact_count", "a number", "got the boolean true"),
        ({"priority": "urgent"}, "priority", "one of low, high", "got 'urgent'"),
        ({"resolved": "true"}, "resolved", "true or false", "send true"),
        ({"resolved": 1}, "resolved", "true or false", "send true"),
        ({"due": "next week"}, "due", "a date-time such as", "'next week'"),
        ({"subject": 42}, "subject", "a string", "the number 42"),
    ],
)
def test_a_new_case_of_the_wrong_type_is_refused_naming_the_field_and_nothing_is_stored(
    client: FlaskClient, intake: str, fields: dict[str, Any], field: str, expected: str,
    says: str,
) -> None:  # fmt: skip
    response = create(client, {"subject": "Printer", **fields}, workflow_id=intake)
    error = error_of(response, 400)
    assert error["code"] == "case_fields_invalid"
    assert error["details"]["field"] == field
    assert error["details"]["expected"].startswith(expected)
    assert says in error["details"]["field_errors"][field]
    assert field in error["message"]
    assert cases_stored(client) == 0


def test_empty_values_mean_not_set_and_a_required_field_must_be_set_at_creation(
    client: FlaskClient, intake: str
) -> None:
    ok = create(client, {"subject": "x", "contact_count": None, "priority": ""}, workflow_id=intake)
    assert ok.status_code == 201, ok.json
    # Values of the right types are stored as sent; fields no schema declares are open.
    fields = {"subject": "Printer", "contact_count": 2, "priority": "high", "resolved": False,
              "due": "2026-12-01T09:00:00Z", "undeclared": {"any": ["thing"]}}  # fmt: skip
    typed = create(client, fields, workflow_id=intake)
    assert typed.status_code == 201, typed.json
    assert typed.json["case"]["fields"] == fields
    for fields in ({}, {"subject": ""}, {"subject": None, "contact_count": 1}):
        error = error_of(create(client, fields, workflow_id=intake), 400)
        assert error["details"]["field"] == "subject"
        assert error["details"]["problems"][0]["problem"] == "required"
        assert "required by workflow 'intake'" in error["message"]
    assert cases_stored(client) == 2


def test_a_change_is_typed_by_the_workflows_the_case_runs(client: FlaskClient, intake: str) -> None:
    created = create(client, {"subject": "Printer"}, workflow_id=intake).json
    case_id = created["case"]["id"]
    for changes, field in (
        ({"contact_count": "2"}, "contact_count"),
        ({"priority": "urgent"}, "priority"),
        ({"subject": ""}, "subject"),  # required: not cleared while the run is active
        ({"note": "fine", "resolved": "yes"}, "resolved"),
    ):
        response = client.patch(f"/api/cases/{case_id}", json={"changes": changes})
        assert error_of(response, 400)["details"]["field"] == field
    after = client.get(f"/api/cases/{case_id}").json["case"]
    assert (after["version"], after["fields"]) == (1, {"subject": "Printer"})
    assert len(client.get(f"/api/cases/{case_id}/changes").json["changes"]) == 1

    changed = client.patch(f"/api/cases/{case_id}", json={"changes": {"contact_count": 2}})
    assert changed.status_code == 200
    assert changed.json["case"]["fields"]["contact_count"] == 2


def test_a_run_started_by_hand_checks_the_case_against_its_workflow(
    client: FlaskClient, app: Flask
) -> None:
    install(state(app).engine, desk("manual", trigger="manual"))
    case_id = create(client, {"subject": "Printer", "contact_count": "2"}).json["case"]["id"]
    # Stored: no workflow types it yet (the manual one starts by hand only).
    response = client.post("/api/runs", json={"workflow_id": "manual", "case_id": case_id})
    assert error_of(response, 400)["details"]["field"] == "contact_count"


# ---------------------------------------------------------------------------- starts


def test_an_explicit_start_starts_only_the_named_workflow(client: FlaskClient, app: Flask) -> None:
    install(state(app).engine, desk("intake"))
    install(state(app).engine, desk("billing"))
    named = create(client, {"subject": "Invoice"}, workflow_id="billing").json
    assert [r["workflow_id"] for r in named["runs"]] == ["billing"]
    triggered = create(client, {"subject": "Invoice"}).json
    assert sorted(r["workflow_id"] for r in triggered["runs"]) == ["billing", "intake"]
    assert error_of(create(client, {"subject": "x"}, workflow_id="ghost"), 404)
    assert len(client.get("/api/runs?limit=100").json["items"]) == 3  # nothing for ghost


def test_the_start_preview_says_what_a_new_case_would_start_and_what_is_wrong(
    client: FlaskClient, app: Flask
) -> None:
    install(state(app).engine, desk("intake", condition=kind_is("support")))
    other = [{"name": "subject", "type": "string"}, {"name": "amount", "type": "number",
                                                      "required": True}]  # fmt: skip
    install(state(app).engine, desk("billing", schema=other))
    preview = client.post("/api/cases/start-preview", json={"fields": {"kind": "support"}})
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert [(s["workflow_id"], s["why"]) for s in body["starts"]] == [
        ("billing", "trigger"),
        ("intake", "trigger"),
    ]
    subject = next(f for f in body["fields"] if f["name"] == "subject")
    assert subject["required"] and subject["workflows"] == ["billing", "intake"]
    assert {(p["field"], p["problem"]) for p in body["problems"]} == {
        ("amount", "required"),
        ("subject", "required"),
    }
    named = client.post(
        "/api/cases/start-preview",
        json={"fields": {"subject": "x", "contact_count": "2"}, "workflow_id": "intake"},
    ).json
    assert [(s["workflow_id"], s["why"]) for s in named["starts"]] == [("intake", "named")]
    assert [p["field"] for p in named["problems"]] == ["contact_count"]
    assert cases_stored(client) == 0


# ---------------------------------------------------------------------------- overlaps


def test_activating_a_workflow_names_the_active_ones_whose_triggers_overlap(
    client: FlaskClient, app: Flask
) -> None:
    install(state(app).engine, desk("support", condition=kind_is("support")))
    install(state(app).engine, desk("claims", condition=kind_is("claim")))
    install(state(app).engine, desk("manual", trigger="manual"))
    # A tutorial workflow: every created case.
    created = client.post("/api/workflows", json={"workflow": desk("tutorial")})
    assert created.status_code == 201, created.json
    published = client.post(
        "/api/workflows/tutorial/publish", json={"revision": created.json["revision"]}
    )
    assert published.status_code == 201, published.json

    before = client.get("/api/workflows/tutorial/trigger-overlaps?version=1").json
    assert [o["workflow_id"] for o in before["overlaps"]] == ["claims", "support"]
    assert "both start when a case from 'baton' is created" in before["overlaps"][0]["reason"]
    activated = client.post("/api/workflows/tutorial/versions/1/activate").json
    assert activated["active_version"] == 1
    assert [o["workflow_id"] for o in activated["trigger_overlaps"]] == ["claims", "support"]
    # Apart by their case_type rules: no warning between them.
    assert client.get("/api/workflows/support/trigger-overlaps").json["overlaps"] == [
        {"workflow_id": "tutorial", "name": "Tutorial", "version": 1,
         "reason": "both start when a case from 'baton' is created, and their conditions can "
                   "both hold"},
    ]  # fmt: skip
    assert error_of(client.get("/api/workflows/ghost/trigger-overlaps"), 404)
    # Publishing with activate says the same at once.
    created = client.post("/api/workflows", json={"workflow": desk("second")})
    published = client.post(
        "/api/workflows/second/publish", json={"revision": created.json["revision"],
                                               "activate": True},
    )  # fmt: skip
    assert published.status_code == 201, published.json
    assert [o["workflow_id"] for o in published.json["trigger_overlaps"]] == [
        "claims", "support", "tutorial"
    ]  # fmt: skip
