"""The OpenAPI document describes every /api route, and only with resolvable schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from designer_helpers import error_of
from flask import Flask, jsonify
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from designer.openapi import UndocumentedRoute, api_rules, openapi_document


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_api_route_and_method_is_described(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    rules = api_rules(app)
    assert len(rules) >= 15
    for rule in rules:
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in document["paths"], rule.rule
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            assert operation["summary"]
            assert any(status.startswith("2") for status in operation["responses"])


def test_the_contract_endpoints_are_all_there(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    expected = {
        ("/api/workflows", "get"), ("/api/workflows", "post"),
        ("/api/workflows/{workflow_id}", "get"), ("/api/workflows/{workflow_id}", "delete"),
        ("/api/workflows/{workflow_id}/draft", "put"), ("/api/validate", "post"),
        ("/api/workflows/{workflow_id}/publish", "post"),
        ("/api/workflows/{workflow_id}/versions", "get"),
        ("/api/workflows/{workflow_id}/versions/{version}", "get"),
        ("/api/workflows/{workflow_id}/versions/{version}/activate", "post"),
        ("/api/workflows/{workflow_id}/diff", "get"),
        ("/api/workflows/{workflow_id}/export", "get"), ("/api/workflows/import", "post"),
        ("/api/schema", "get"), ("/api/actions", "get"), ("/api/openapi.json", "get"),
        ("/api/health", "get"),
    }
    described = {(path, method) for path, ops in paths.items() for method in ops}
    assert expected <= described


def test_every_schema_reference_resolves(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    refs = _refs(document["paths"]) + _refs(schemas)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_bodies_parameters_and_errors_are_described(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    save = paths["/api/workflows/{workflow_id}/draft"]["put"]
    body_ref = save["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("SaveDraftBody")
    assert {"400", "404", "409", "413"} <= set(save["responses"])
    assert save["parameters"][0] == {
        "name": "workflow_id", "in": "path", "required": True,
        "description": "The workflow's id", "schema": {"type": "string"},
    }
    diff = paths["/api/workflows/{workflow_id}/diff"]["get"]
    assert {p["name"] for p in diff["parameters"]} == {"workflow_id", "from", "to"}
    publish = paths["/api/workflows/{workflow_id}/publish"]["post"]
    assert "422" in publish["responses"]
    change = paths["/api/cases/{case_id}"]["patch"]
    prefer = next(p for p in change["parameters"] if p["in"] == "header")
    assert prefer["name"] == "Prefer" and "return=minimal" in prefer["description"]
    assert "content" not in change["responses"]["204"]
    version = paths["/api/workflows/{workflow_id}/versions/{version}"]["get"]
    assert version["parameters"][1]["schema"] == {
        "type": "integer", "minimum": 0, "maximum": 2**63 - 1,
    }


def test_an_undocumented_route_is_an_error(app: Flask) -> None:
    app.add_url_rule("/api/secret", "secret", lambda: jsonify({}))
    with pytest.raises(UndocumentedRoute, match="/api/secret"):
        openapi_document(app)


def test_refusals_that_follow_from_a_route_are_listed(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    tokens = paths["/api/tokens"]["get"]["responses"]  # a query: 400 for a bad value
    assert {"400", "401", "403"} <= set(tokens)
    bulk = paths["/api/monitor/bulk"]["post"]["responses"]  # a body
    assert {"400", "401", "403", "413", "415"} <= set(bulk)
    health = paths["/api/health"]["get"]  # public: no 403, but a bad token is still 401
    assert "403" not in health["responses"] and "401" in health["responses"]
    assert {} in health["security"]
    password = paths["/api/session/password"]["post"]  # no API tokens here
    assert password["security"] == [{"session": []}]


def test_the_runs_export_lists_both_of_its_formats(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/runs/export", "/api/runs/{run_id}/export"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content == {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        }


def test_allow_lists_only_the_methods_a_path_has(client: FlaskClient) -> None:
    # The canvas's fallback once matched /api paths, adding GET to every one.
    def allow(response: TestResponse) -> set[str]:
        return set(response.headers["Allow"].split(", "))

    assert allow(client.options("/api/cases")) == {"OPTIONS", "POST"}
    assert allow(client.options("/api/workflows/w/draft")) == {"OPTIONS", "PUT"}
    traced = client.open("/api/cases", method="TRACE")
    assert traced.status_code == 405 and allow(traced) == {"OPTIONS", "POST"}
    assert traced.get_json()["error"]["details"]["allowed"] == ["OPTIONS", "POST"]
    assert client.get("/api/cases").status_code == 405


def test_a_number_is_no_date_though_pydantic_would_read_one(client: FlaskClient) -> None:
    # 0 became 1970-01-01 where the schema says an ISO 8601 string.
    agent = {"id": "ada", "name": "Ada", "out_of_office_until": 0}
    error = error_of(client.put("/api/agents/ada", json=agent), 400)
    assert error["details"]["errors"][0]["path"] == "out_of_office_until"
    calendar = {"name": "office", "holidays": [0]}
    error = error_of(client.put("/api/calendars/office", json=calendar), 400)
    assert error["details"]["errors"][0]["path"] == "holidays[0]"
    error = error_of(client.get("/api/metrics", query_string={"end": "0.5"}), 400)
    assert error["details"]["errors"][0]["path"] == "end"
    agent["out_of_office_until"] = "2030-01-01T00:00:00Z"
    assert client.put("/api/agents/ada", json=agent).status_code == 200


def test_rules_the_server_keeps_are_in_the_schema(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for model, field in (("PasswordResetBody", "password"), ("PasswordBody", "new_password")):
        assert schemas[model]["properties"][field]["minLength"] == 10
    error = error_of(client.put("/api/accounts/admin/password", json={"password": "short"}), 400)
    assert error["details"]["errors"][0]["path"] == "password"
    metrics = document["paths"]["/api/metrics"]["get"]
    assert "at most 366 days" in metrics["description"]
    skill = document["paths"]["/api/skills/{name}"]["put"]["parameters"][0]
    assert "must be the same" in skill["description"]
