"""The import preview, and import and export of BPMN 2.0 and Salesforce documents over REST."""

from __future__ import annotations

from pathlib import Path

import pytest
from designer_helpers import Api, error_of, tiny_document
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from graphs.examples import load_example
from graphs.interop import InteropFormat, export_workflow, import_document
from graphs.io import load_workflow

CORPUS = Path(__file__).parents[1] / "graphs" / "interop" / "corpus" / "salesforce"
PURCHASE = (CORPUS / "Purchase_Approval_Orchestration.flow-meta.xml").read_bytes()
XML = "application/xml"


def preview(client: FlaskClient, data: bytes | str, content_type: str = XML) -> TestResponse:
    return client.post("/api/workflows/import/preview", data=data, content_type=content_type)


def test_a_preview_shows_the_workflow_report_and_problems_and_saves_nothing(
    client: FlaskClient, api: Api
) -> None:
    response = preview(client, PURCHASE)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["format"] == "salesforce"
    assert body["workflow"]["id"] == "purchase-approval"
    assert body["existing_revision"] is None
    place = next(i for i in body["report"] if i["element_id"] == "Place_Order")
    assert place["kind"] == "needs_action" and place["baton_id"] == "Order/Place_Order"
    assert place["element_type"] == "stageSteps (stepMuleSoft)"
    assert [p["code"] for p in body["problems"]] == ["unassigned_step"]
    assert api.get("purchase-approval").status_code == 404


def test_a_preview_of_a_workflow_that_exists_gives_its_revision(
    client: FlaskClient, api: Api
) -> None:
    api.created(tiny_document())
    body = preview(client, export_workflow(load_workflow(tiny_document()), InteropFormat.BPMN))
    assert body.get_json()["existing_revision"] == 1


@pytest.mark.parametrize("fmt", ["bpmn", "salesforce"])
def test_import_saves_a_draft_from_bpmn_or_salesforce(client: FlaskClient, fmt: str) -> None:
    original = load_example("access-request")
    text = export_workflow(original, InteropFormat(fmt))
    response = client.post("/api/workflows/import", data=text, content_type="text/xml")
    assert response.status_code == 201, response.get_json()
    detail = response.get_json()
    assert detail["revision"] == 1 and detail["latest_version"] is None
    assert load_workflow(detail["workflow"]) == original


def test_an_imported_orchestration_is_the_previewed_workflow(client: FlaskClient) -> None:
    previewed = preview(client, PURCHASE).get_json()["workflow"]
    saved = client.post("/api/workflows/import?format=salesforce", data=PURCHASE, content_type=XML)
    assert saved.status_code == 201
    assert load_workflow(saved.get_json()["workflow"]) == load_workflow(previewed)


@pytest.mark.parametrize(
    ("fmt", "media_type", "name"),
    [
        ("bpmn", "application/xml", "support-case.bpmn"),
        ("salesforce", "application/xml", "support-case.flow-meta.xml"),
        ("baton", "application/json", "support-case.json"),
    ],
)
def test_export_in_each_format_reads_back_as_the_same_workflow(
    client: FlaskClient, fmt: str, media_type: str, name: str
) -> None:
    original = load_example("support-case")
    created = client.post("/api/workflows", json={"workflow": original.model_dump(mode="json")})
    assert created.status_code == 201
    response = client.get(f"/api/workflows/support-case/export?format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    result = import_document(response.get_data())
    assert result.format.value == fmt
    assert result.workflow == original


def test_export_defaults_to_baton_json(client: FlaskClient, api: Api) -> None:
    api.created(tiny_document())
    response = client.get("/api/workflows/tiny/export")
    assert response.mimetype == "application/json"
    assert load_workflow(response.get_data()).id == "tiny"


def test_an_unknown_export_format_is_a_400_naming_it(client: FlaskClient, api: Api) -> None:
    api.created(tiny_document())
    error = error_of(client.get("/api/workflows/tiny/export?format=visio"), 400)
    assert "format" in str(error)


def test_malformed_xml_is_a_400_with_line_and_column(client: FlaskClient) -> None:
    error = error_of(preview(client, b"<Flow>\n  <a></b>\n</Flow>"), 400)
    assert error["code"] == "malformed_xml"
    assert error["details"]["issues"][0]["line"] == 2
    assert error["details"]["issues"][0]["column"] == 8


def test_entities_are_refused(client: FlaskClient, api: Api) -> None:
    bomb = b'<!DOCTYPE Flow [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><Flow>&b;</Flow>'
    assert error_of(preview(client, bomb), 400)["code"] == "unsafe_xml"
    assert error_of(client.post("/api/workflows/import", data=bomb, content_type=XML), 400)
    assert client.get("/api/workflows").get_json()["workflows"] == []


def test_another_kind_of_document_says_what_it_is(client: FlaskClient) -> None:
    screen_flow = (CORPUS / "Case_Screen_Flow.flow-meta.xml").read_bytes()
    error = error_of(preview(client, screen_flow), 400)
    assert error["code"] == "unknown_document_kind"
    assert "screen flow" in error["details"]["issues"][0]["message"]
    error = error_of(preview(client, b"<html><body/></html>"), 400)
    assert "<html>" in error["details"]["issues"][0]["message"]


def test_a_body_of_another_media_type_is_a_415(client: FlaskClient) -> None:
    error = error_of(preview(client, PURCHASE, content_type="text/plain"), 415)
    assert "application/xml" in error["message"]
    assert error_of(
        client.post(
            "/api/workflows/import", data=PURCHASE, content_type="application/x-www-form-urlencoded"
        ),
        415,
    )


def test_only_designers_may_preview(app: Flask) -> None:
    for role in ("viewer", "supervisor", "agent"):
        other = app.test_client(user=role, role=role)  # type: ignore[call-arg]
        assert preview(other, PURCHASE).status_code == 403, role


def test_the_openapi_document_lists_the_preview_with_its_media_types(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/workflows/import/preview"]["post"]
    assert set(operation["requestBody"]["content"]) >= {"application/json", "application/xml"}
    assert "200" in operation["responses"]
    export = spec["paths"]["/api/workflows/{workflow_id}/export"]["get"]
    assert "format" in [p["name"] for p in export["parameters"]]
