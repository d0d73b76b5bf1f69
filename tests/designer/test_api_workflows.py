"""The workflow REST API, endpoint by endpoint, errors included."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from designer_helpers import Api, broken_document, error_of, tiny_document
from flask import Flask
from flask.testing import FlaskClient

from graphs.examples import example_names, example_text, load_example
from graphs.io import load_workflow
from graphs.model import Workflow

# --- list, create, read ---------------------------------------------------------------


def test_list_is_empty_on_a_fresh_database(client: FlaskClient) -> None:
    response = client.get("/api/workflows")
    assert response.status_code == 200
    assert response.get_json() == {"workflows": []}


def test_create_returns_the_detail_and_lists_the_workflow(
    api: Api, client: FlaskClient, tiny: dict[str, Any]
) -> None:
    response = api.create(tiny)
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/workflows/tiny"
    detail = response.get_json()
    assert set(detail) == {
        "id", "revision", "workflow", "active_version", "latest_version", "updated_at",
        "problems",
    }
    assert (detail["id"], detail["revision"]) == ("tiny", 1)
    assert (detail["active_version"], detail["latest_version"]) == (None, None)
    assert Workflow.model_validate(detail["workflow"]) == Workflow.model_validate(tiny)
    assert detail["problems"] == []

    (summary,) = client.get("/api/workflows").get_json()["workflows"]
    assert summary == {
        "id": "tiny",
        "name": "Tiny",
        "description": "",
        "revision": 1,
        "active_version": None,
        "latest_version": None,
        "updated_at": detail["updated_at"],
        "node_count": 3,
        "error_count": 0,
    }


def test_list_counts_errors_of_invalid_drafts(api: Api, client: FlaskClient) -> None:
    api.created(broken_document())
    (summary,) = client.get("/api/workflows").get_json()["workflows"]
    assert summary["error_count"] >= 1


def test_get_returns_what_was_created(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    response = api.get("tiny")
    assert response.status_code == 200
    assert response.get_json()["workflow"]["nodes"][1]["steps"][0]["id"] == "mark"


def test_create_an_existing_id_is_a_conflict(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    changed = copy.deepcopy(tiny)
    changed["name"] = "Other"
    error = error_of(api.create(changed), 409)
    assert error["code"] == "workflow_exists"
    assert api.get("tiny").get_json()["workflow"]["name"] == "Tiny"


def test_get_an_unknown_workflow_is_404(api: Api) -> None:
    error = error_of(api.get("nope"), 404)
    assert error["code"] == "workflow_not_found"
    assert "nope" in error["message"]


# --- bodies that are refused --------------------------------------------------------


def test_malformed_json_names_line_and_column(client: FlaskClient) -> None:
    response = client.post(
        "/api/workflows",
        data='{"workflow": {\n  "id": "x",\n  "name": }}',
        content_type="application/json",
    )
    error = error_of(response, 400)
    assert error["code"] == "malformed_json"
    assert error["details"]["line"] == 3
    assert error["details"]["column"] == 11
    assert "line 3, column 11" in error["message"]


def test_a_body_not_sent_as_json_is_415(client: FlaskClient, tiny: dict[str, Any]) -> None:
    response = client.post(
        "/api/workflows", data=json.dumps({"workflow": tiny}), content_type="text/plain"
    )
    error = error_of(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


def test_an_empty_body_is_refused(client: FlaskClient) -> None:
    error = error_of(client.post("/api/workflows", content_type="application/json"), 400)
    assert error["code"] == "malformed_json"


def test_invalid_utf8_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/api/workflows", data=b'{"workflow": "\xff"}', content_type="application/json"
    )
    assert error_of(response, 400)["code"] == "malformed_json"


def test_an_unknown_field_is_refused_with_its_path(api: Api, tiny: dict[str, Any]) -> None:
    tiny["nodes"][1]["steps"][0]["colour"] = "red"
    error = error_of(api.create(tiny), 400)
    assert error["code"] == "invalid_body"
    paths = [entry["path"] for entry in error["details"]["errors"]]
    # The union tags pydantic puts into locations ("stage", "background") are dropped.
    assert paths == ["workflow.nodes[1].steps[0].colour"]
    assert "workflow.nodes[1].steps[0].colour" in error["message"]
    assert api.client.get("/api/workflows").get_json() == {"workflows": []}


def test_an_unknown_top_level_field_is_refused(client: FlaskClient, tiny: dict[str, Any]) -> None:
    response = client.post("/api/workflows", json={"workflow": tiny, "force": True})
    error = error_of(response, 400)
    assert [e["path"] for e in error["details"]["errors"]] == ["force"]


def test_a_missing_and_a_mistyped_field_are_reported_together(
    api: Api, tiny: dict[str, Any]
) -> None:
    del tiny["nodes"][1]["steps"][0]["action"]
    tiny["max_visits_per_node"] = "many"
    error = error_of(api.create(tiny), 400)
    paths = sorted(entry["path"] for entry in error["details"]["errors"])
    assert paths == ["workflow.max_visits_per_node", "workflow.nodes[1].steps[0].action"]


def test_a_body_that_is_not_an_object_is_refused(client: FlaskClient) -> None:
    error = error_of(client.post("/api/workflows", json=[1, 2]), 400)
    assert error["code"] == "invalid_body"


def test_an_oversized_body_is_413(make_app: Any, tiny: dict[str, Any]) -> None:
    app: Flask = make_app(max_upload_bytes=4096)
    assert app.config["MAX_CONTENT_LENGTH"] == 4096
    client = app.test_client()
    tiny["description"] = "x" * 5000
    error = error_of(client.post("/api/workflows", json={"workflow": tiny}), 413)
    assert error["code"] == "payload_too_large"
    assert error["details"]["max_bytes"] == 4096
    assert client.get("/api/workflows").get_json() == {"workflows": []}


# --- drafts -------------------------------------------------------------------------


def test_save_draft_bumps_the_revision_and_persists(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    tiny["name"] = "Tiny, renamed"
    response = api.save("tiny", 1, tiny)
    assert response.status_code == 200
    assert response.get_json()["revision"] == 2
    detail = api.get("tiny").get_json()
    assert (detail["revision"], detail["workflow"]["name"]) == (2, "Tiny, renamed")


def test_a_stale_save_is_409_with_the_current_revision(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    first = copy.deepcopy(tiny)
    first["name"] = "First"
    assert api.save("tiny", 1, first).status_code == 200
    second = copy.deepcopy(tiny)
    second["name"] = "Second"
    error = error_of(api.save("tiny", 1, second), 409)
    assert error["code"] == "stale_revision"
    assert error["details"] == {"current_revision": 2}
    assert api.get("tiny").get_json()["workflow"]["name"] == "First"


def test_saving_an_invalid_graph_is_allowed_and_reports_problems(
    api: Api, tiny: dict[str, Any]
) -> None:
    api.created(tiny)
    broken = broken_document("tiny")
    response = api.save("tiny", 1, broken)
    assert response.status_code == 200
    problems = response.get_json()["problems"]
    assert problems, "the dangling stage must be reported"
    assert any(p["node_id"] == "work" and p["severity"] == "error" for p in problems)
    assert set(problems[0]) >= {"code", "severity", "message", "node_id", "edge_id", "step_id",
                                "path"}


def test_a_draft_cannot_change_the_workflow_id(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    error = error_of(api.save("tiny", 1, tiny_document("other")), 400)
    assert error["code"] == "id_mismatch"
    assert api.get("tiny").get_json()["revision"] == 1


def test_save_to_an_unknown_workflow_is_404(api: Api, tiny: dict[str, Any]) -> None:
    assert error_of(api.save("tiny", 1, tiny), 404)["code"] == "workflow_not_found"


def test_save_needs_a_revision(client: FlaskClient, api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    response = client.put("/api/workflows/tiny/draft", json={"workflow": tiny})
    error = error_of(response, 400)
    assert [e["path"] for e in error["details"]["errors"]] == ["revision"]


# --- delete -------------------------------------------------------------------------


def test_delete_a_never_published_workflow(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    response = client.delete("/api/workflows/tiny")
    assert response.status_code == 204
    assert response.get_data() == b""
    error_of(api.get("tiny"), 404)


def test_delete_a_published_workflow_is_refused(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    assert api.publish("tiny", 1).status_code == 201
    error = error_of(client.delete("/api/workflows/tiny"), 409)
    assert error["code"] == "has_versions"
    assert api.get("tiny").status_code == 200


def test_delete_an_unknown_workflow_is_404(client: FlaskClient) -> None:
    error_of(client.delete("/api/workflows/nope"), 404)


# --- validate -----------------------------------------------------------------------


def test_validate_reports_problems_without_storing(client: FlaskClient) -> None:
    response = client.post("/api/validate", json={"workflow": broken_document()})
    assert response.status_code == 200
    problems = response.get_json()["problems"]
    assert any(p["node_id"] == "work" for p in problems)
    assert client.get("/api/workflows").get_json() == {"workflows": []}


def test_validate_a_valid_workflow(client: FlaskClient, tiny: dict[str, Any]) -> None:
    assert client.post("/api/validate", json={"workflow": tiny}).get_json() == {"problems": []}


def test_validate_a_non_workflow_is_400_with_paths(client: FlaskClient) -> None:
    response = client.post("/api/validate", json={"workflow": {"id": "x", "nodes": [{}]}})
    error = error_of(response, 400)
    paths = {entry["path"] for entry in error["details"]["errors"]}
    assert "workflow.name" in paths
    assert "workflow.nodes[0]" in paths


# --- publish, versions, activate, diff ---------------------------------------------


def test_publishing_an_invalid_graph_is_422_with_problems(api: Api) -> None:
    api.created(broken_document())
    error = error_of(api.publish("broken", 1), 422)
    assert error["code"] == "invalid_workflow"
    problems = error["details"]["problems"]
    assert any(p["node_id"] == "work" and p["severity"] == "error" for p in problems)
    assert api.versions("broken").get_json() == {"versions": []}


def test_publish_with_a_stale_revision_is_409(api: Api, tiny: dict[str, Any]) -> None:
    api.created(tiny)
    api.save("tiny", 1, tiny)
    error = error_of(api.publish("tiny", 1), 409)
    assert error["code"] == "stale_revision"
    assert error["details"]["current_revision"] == 2
    assert api.versions("tiny").get_json() == {"versions": []}


def test_publish_an_unknown_workflow_is_404(api: Api) -> None:
    error_of(api.publish("nope", 1), 404)


def test_publish_versions_activate_diff_round_trip(
    api: Api, client: FlaskClient, tiny: dict[str, Any]
) -> None:
    api.created(tiny)
    published = api.publish("tiny", 1, note="first")
    assert published.status_code == 201
    assert published.get_json()["version"] == 1
    assert "published_at" in published.get_json()
    assert api.activate("tiny", 1).get_json() == {"active_version": 1, "trigger_overlaps": []}

    # Version 2: the stage moves, a second stage is added, the end is reached from it.
    changed = copy.deepcopy(tiny)
    changed["nodes"][1]["position"] = {"x": 250, "y": 40}
    changed["nodes"].insert(2, {
        "id": "check", "kind": "stage", "position": {"x": 300, "y": 0},
        "steps": [{"id": "check_it", "kind": "background", "action": "set_fields",
                   "inputs": {"subject": {"type": "string", "value": "checked"}}}],
    })
    changed["edges"] = [
        changed["edges"][0],
        {"id": "work-check", "source": "work", "target": "check"},
        {"id": "check-done", "source": "check", "target": "done", "label": "finished"},
    ]
    saved = api.save("tiny", 1, changed)
    assert saved.status_code == 200 and saved.get_json()["problems"] == []
    assert api.publish("tiny", 2, note="second").get_json()["version"] == 2

    versions = api.versions("tiny").get_json()["versions"]
    assert [(v["version"], v["note"], v["active"]) for v in versions] == [
        (2, "second", False), (1, "first", True),
    ]
    detail = api.get("tiny").get_json()
    assert (detail["active_version"], detail["latest_version"]) == (1, 2)

    assert api.activate("tiny", 2).get_json() == {"active_version": 2, "trigger_overlaps": []}
    versions = api.versions("tiny").get_json()["versions"]
    assert [v["active"] for v in versions] == [True, False]

    one = client.get("/api/workflows/tiny/versions/1").get_json()
    assert one["version"] == 1 and one["active"] is False
    assert Workflow.model_validate(one["workflow"]) == Workflow.model_validate(tiny)

    diff = client.get("/api/workflows/tiny/diff?from=1&to=2").get_json()
    assert (diff["from"], diff["to"]) == (1, 2)
    assert diff["nodes"] == {"added": ["check"], "removed": [], "changed": ["work"]}
    assert diff["edges"] == {
        "added": ["work-check", "check-done"], "removed": ["work-done"], "changed": [],
    }
    assert diff["changes"] == [
        {"id": "work", "kind": "node", "fields": ["position"], "steps": []}
    ]

    # The draft equals version 2 until it is edited again.
    same = client.get("/api/workflows/tiny/diff?from=2&to=draft").get_json()
    assert same["nodes"]["changed"] == [] and same["changes"] == []
    back = client.get("/api/workflows/tiny/diff?from=draft&to=1").get_json()
    assert back["nodes"]["removed"] == ["check"]


def test_publish_can_activate_at_once(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    response = client.post(
        "/api/workflows/tiny/publish", json={"revision": 1, "activate": True}
    )
    assert response.get_json()["active"] is True
    assert api.get("tiny").get_json()["active_version"] == 1


def test_unknown_versions_are_404(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    assert error_of(client.get("/api/workflows/tiny/versions/3"), 404)["code"] == (
        "version_not_found"
    )
    error_of(api.activate("tiny", 3), 404)
    error_of(client.get("/api/workflows/tiny/diff?from=1&to=draft"), 404)
    assert error_of(client.get("/api/workflows/nope/versions"), 404)["code"] == (
        "workflow_not_found"
    )
    assert error_of(client.get("/api/workflows/nope/versions/1"), 404)["code"] == (
        "workflow_not_found"
    )


def test_diff_refs_must_be_versions_or_draft(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    error = error_of(client.get("/api/workflows/tiny/diff?from=latest"), 400)
    assert error["code"] == "invalid_query"
    assert error["details"]["errors"][0]["path"].startswith("from")
    error = error_of(client.get("/api/workflows/tiny/diff"), 400)
    assert [e["path"] for e in error["details"]["errors"]] == ["from"]


def test_publish_body_refuses_unknown_fields(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    response = client.post("/api/workflows/tiny/publish", json={"revision": 1, "nte": "x"})
    assert [e["path"] for e in error_of(response, 400)["details"]["errors"]] == ["nte"]


# --- import and export --------------------------------------------------------------


@pytest.mark.parametrize("name", example_names())
def test_import_export_round_trip_of_each_example(client: FlaskClient, name: str) -> None:
    original = load_example(name)
    response = client.post(
        "/api/workflows/import", data=example_text(name), content_type="application/json"
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["problems"] == [] or all(
        p["severity"] == "warning" for p in response.get_json()["problems"]
    )
    exported = client.get(f"/api/workflows/{original.id}/export")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"] == f"attachment; filename={original.id}.json"
    assert load_workflow(exported.get_data()) == original


def test_import_an_existing_id_is_409_unless_replacing(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    renamed = tiny_document(name="Imported")
    text = json.dumps(renamed)
    error = error_of(
        client.post("/api/workflows/import", data=text, content_type="application/json"), 409
    )
    assert error["code"] == "workflow_exists"

    error = error_of(
        client.post(
            "/api/workflows/import?replace=true", data=text, content_type="application/json"
        ),
        409,
    )
    assert error["details"]["current_revision"] == 1

    replaced = client.post(
        "/api/workflows/import?replace=true&revision=1",
        data=text,
        content_type="application/json",
    )
    assert replaced.status_code == 201
    assert replaced.get_json()["revision"] == 2
    assert api.get("tiny").get_json()["workflow"]["name"] == "Imported"

    stale = client.post(
        "/api/workflows/import?replace=true&revision=1", data=text,
        content_type="application/json",
    )
    assert error_of(stale, 409)["details"] == {"current_revision": 2}


def test_import_malformed_json_names_line_and_column(client: FlaskClient) -> None:
    response = client.post(
        "/api/workflows/import",
        data='{\n  "id": "x",\n  "name": "X",,\n}',
        content_type="application/json",
    )
    error = error_of(response, 400)
    (issue,) = error["details"]["issues"]
    assert (issue["line"], issue["column"]) == (3, 15)
    assert "line 3" in error["message"]


def test_import_a_bad_file_names_field_paths(client: FlaskClient) -> None:
    doc = tiny_document()
    doc["edges"][0]["target"] = 7
    doc["nodes"][0]["shape"] = "round"
    response = client.post("/api/workflows/import", json=doc)
    error = error_of(response, 400)
    paths = {issue.get("path") for issue in error["details"]["issues"]}
    assert {"edges[0].target", "nodes[0].shape"} <= paths
    assert client.get("/api/workflows").get_json() == {"workflows": []}


def test_import_upgrades_an_old_schema_version(client: FlaskClient) -> None:
    old = {
        "schema_version": 0,
        "id": "legacy",
        "name": "Legacy",
        "nodes": [
            {"id": "start", "kind": "start", "x": 0, "y": 0},
            {"id": "done", "kind": "end", "x": 100, "y": 0},
        ],
        "edges": [{"id": "e", "from": "start", "to": "done"}],
    }
    response = client.post("/api/workflows/import", json=old)
    assert response.status_code == 201, response.get_json()
    workflow = response.get_json()["workflow"]
    assert workflow["schema_version"] == 1
    assert workflow["edges"][0]["source"] == "start"
    assert workflow["nodes"][1]["position"] == {"x": 100, "y": 0}


def test_import_needs_json(client: FlaskClient) -> None:
    response = client.post(
        "/api/workflows/import", data=json.dumps(tiny_document()), content_type="text/plain"
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"


def test_export_a_version_and_unknown_workflow(api: Api, client: FlaskClient) -> None:
    api.created(tiny_document())
    api.publish("tiny", 1)
    changed = tiny_document(name="Changed")
    api.save("tiny", 1, changed)
    response = client.get("/api/workflows/tiny/export?version=1")
    assert response.headers["Content-Disposition"] == "attachment; filename=tiny-v1.json"
    assert load_workflow(response.get_data()).name == "Tiny"
    assert load_workflow(client.get("/api/workflows/tiny/export").get_data()).name == "Changed"
    error_of(client.get("/api/workflows/nope/export"), 404)
    error_of(client.get("/api/workflows/tiny/export?version=9"), 404)


# --- the rest of the API ------------------------------------------------------------


def test_health(client: FlaskClient) -> None:
    assert client.get("/api/health").get_json() == {"status": "ok"}


def test_schema_is_the_workflow_json_schema(client: FlaskClient) -> None:
    response = client.get("/api/schema")
    assert response.status_code == 200
    schema = json.loads(response.get_data())
    assert schema["title"] == "Baton workflow"
    assert {"id", "name", "nodes", "edges"} <= set(schema["properties"])


def test_actions_lists_the_built_ins_with_schemas(client: FlaskClient) -> None:
    actions = {a["name"]: a for a in client.get("/api/actions").get_json()["actions"]}
    assert {"set_fields", "notify", "http_request", "assign", "wait"} <= set(actions)
    notify = actions["notify"]
    assert notify["description"]
    assert notify["input_schema"]["type"] == "object"
    assert "properties" in notify["output_schema"]


def test_unknown_api_paths_are_json_404s_for_every_method(client: FlaskClient) -> None:
    for method in ("get", "post", "put", "delete"):
        error = error_of(getattr(client, method)("/api/nothing/here"), 404)
        assert error["code"] == "not_found"


def test_a_wrong_method_is_405_naming_the_allowed_ones(client: FlaskClient) -> None:
    error = error_of(client.patch("/api/workflows"), 405)
    assert error["code"] == "method_not_allowed"
    assert error["details"]["allowed"] == ["GET", "HEAD", "OPTIONS", "POST"]


def test_responses_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('{"workflow": {"id": "w", "name": "W", "max_visits_per_node": NaN}}', "NaN"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
    ],
)
def test_bodies_that_python_reads_but_json_has_not(
    client: FlaskClient, body: str, fragment: str
) -> None:
    response = client.post("/api/validate", data=body, content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "malformed_json"
    assert fragment in error["message"]
