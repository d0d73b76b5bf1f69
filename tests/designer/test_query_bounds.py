"""Query and path values are read with bounds: too large is a 400 naming the value, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from designer_helpers import Api, error_of, tiny_document
from flask import Flask
from flask.testing import FlaskClient

from designer.openapi import openapi_document

BIG = "9223372036854775808"  # one past the largest database integer


@pytest.fixture
def run_id(api: Api, client: FlaskClient) -> str:
    api.created(tiny_document())
    assert client.post("/api/workflows/tiny/publish",
                       json={"revision": 1, "activate": True}).status_code == 201
    created = client.post("/api/cases", json={"fields": {"subject": "x"}, "workflow_id": "tiny"})
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["runs"][0]["id"])


# The issue's reproductions, and their kin on every route that reads such a value.
QUERY_CASES = [
    ("/api/monitor/tiny", {"stuck_minutes": "1e12"}, "stuck_minutes"),
    ("/api/monitor/tiny", {"stuck_minutes": "inf"}, "stuck_minutes"),
    ("/api/runs", {"older_than_minutes": "1e10"}, "older_than_minutes"),
    ("/api/runs", {"newer_than_minutes": "1e400"}, "newer_than_minutes"),
    ("/api/runs", {"newer_than_minutes": "nan"}, "newer_than_minutes"),
    ("/api/runs/{run}/log", {"after_seq": BIG}, "after_seq"),
    ("/api/workflows/tiny/export", {"version": BIG}, "version"),
    ("/api/workflows/tiny/diff", {"from": BIG}, "from"),
    ("/api/workflows/tiny/diff", {"from": "1", "to": "99999999999999999999"}, "to"),
    ("/api/metrics", {"end": "0001-01-01T00:00:00Z"}, "end"),
    ("/api/metrics", {"start": "9999-12-31T23:59:59Z"}, "start"),
    ("/api/runs/export", {"workflow_id": "tiny", "from": "0001-01-01T00:00:00"}, "from"),
    ("/api/runs/export", {"workflow_id": "tiny", "to": "9999-12-31T23:59:59-23:59"}, "to"),
]


@pytest.mark.parametrize(("url", "query", "name"), QUERY_CASES)
def test_an_out_of_range_query_value_is_a_400_naming_it(
    client: FlaskClient, run_id: str, url: str, query: dict[str, str], name: str
) -> None:
    error = error_of(client.get(url.format(run=run_id), query_string=query), 400)
    assert error["code"] == "invalid_query"
    assert name in error["message"]
    assert [entry["path"] for entry in error["details"]["errors"]] == [name]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/workflows/tiny/versions/99999999999999999999"),
        ("POST", f"/api/workflows/tiny/versions/{BIG}/activate"),
        ("DELETE", f"/api/tokens/{BIG}"),
    ],
)
def test_an_out_of_range_path_integer_is_a_400_naming_it(
    client: FlaskClient, run_id: str, method: str, url: str
) -> None:
    error = error_of(client.open(url, method=method), 400)
    assert error["code"] == "invalid_path"
    assert error["details"]["parameter"] in error["message"]


def test_values_at_the_bounds_are_read(client: FlaskClient, run_id: str) -> None:
    log = client.get(f"/api/runs/{run_id}/log", query_string={"after_seq": BIG[:-1] + "7"})
    assert log.status_code == 200 and log.get_json()["events"] == []
    century = client.get("/api/runs", query_string={"older_than_minutes": "52704000"})
    assert century.status_code == 200
    missing = client.get("/api/workflows/tiny/versions/9223372036854775807")
    assert error_of(missing, 404)["code"] == "version_not_found"


def test_a_time_without_an_offset_is_utc(client: FlaskClient, run_id: str) -> None:
    # Before, a naive 'from' against an aware 'to' failed comparing them (500).
    answer = client.get("/api/runs/export", query_string={
        "workflow_id": "tiny", "from": "2024-01-01T00:00:00", "to": "2024-01-02T00:00:00Z"})
    assert answer.status_code == 200
    assert answer.get_json()["from"] == "2024-01-01T00:00:00Z"


def test_the_document_states_the_bounds(app: Flask) -> None:
    paths: dict[str, Any] = openapi_document(app)["paths"]
    log = {p["name"]: p for p in paths["/api/runs/{run_id}/log"]["get"]["parameters"]}
    assert log["after_seq"]["schema"]["maximum"] == int(BIG) - 1
    runs = {p["name"]: p for p in paths["/api/runs"]["get"]["parameters"]}
    minutes = next(s for s in runs["older_than_minutes"]["schema"]["anyOf"] if "maximum" in s)
    assert minutes["maximum"] == 52_704_000
    version = paths["/api/workflows/{workflow_id}/versions/{version}"]["get"]
    assert version["parameters"][1]["schema"]["maximum"] == int(BIG) - 1
    assert "400" in version["responses"]
