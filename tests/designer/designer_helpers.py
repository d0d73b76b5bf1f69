"""Helpers for the designer tests: sample documents and an API client wrapper."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

__all__ = ["Api", "broken_document", "error_of", "tiny_document"]


def tiny_document(workflow_id: str = "tiny", name: str = "Tiny") -> dict[str, Any]:
    """A small valid workflow: start -> one stage with a background step -> end."""
    return {
        "id": workflow_id,
        "name": name,
        "case_schema": [{"name": "subject", "type": "string"}],
        "nodes": [
            {"id": "start", "kind": "start", "position": {"x": 0, "y": 0}},
            {
                "id": "work",
                "kind": "stage",
                "name": "Work",
                "position": {"x": 200, "y": 0},
                "steps": [
                    {
                        "id": "mark",
                        "kind": "background",
                        "action": "set_fields",
                        "inputs": {"subject": {"type": "string", "value": "done"}},
                    }
                ],
            },
            {"id": "done", "kind": "end", "position": {"x": 400, "y": 0}},
        ],
        "edges": [
            {"id": "start-work", "source": "start", "target": "work"},
            {"id": "work-done", "source": "work", "target": "done"},
        ],
    }


def broken_document(workflow_id: str = "broken") -> dict[str, Any]:
    """A workflow whose stage has no way on: a valid document, an invalid graph."""
    doc = tiny_document(workflow_id, "Broken")
    doc["edges"] = [doc["edges"][0]]
    return doc


class Api:
    """The API calls the tests repeat, returning the test client's responses."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def create(self, document: dict[str, Any]) -> TestResponse:
        return self.client.post("/api/workflows", json={"workflow": document})

    def get(self, workflow_id: str) -> TestResponse:
        return self.client.get(f"/api/workflows/{workflow_id}")

    def save(self, workflow_id: str, revision: int, document: dict[str, Any]) -> TestResponse:
        return self.client.put(
            f"/api/workflows/{workflow_id}/draft",
            json={"revision": revision, "workflow": document},
        )

    def publish(self, workflow_id: str, revision: int, note: str = "") -> TestResponse:
        return self.client.post(
            f"/api/workflows/{workflow_id}/publish", json={"revision": revision, "note": note}
        )

    def activate(self, workflow_id: str, version: int) -> TestResponse:
        return self.client.post(f"/api/workflows/{workflow_id}/versions/{version}/activate")

    def versions(self, workflow_id: str) -> TestResponse:
        return self.client.get(f"/api/workflows/{workflow_id}/versions")

    def created(self, document: dict[str, Any]) -> dict[str, Any]:
        """Create ``document`` and return the detail, failing the test if refused."""
        response = self.create(document)
        assert response.status_code == 201, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]


def error_of(response: TestResponse, status: int) -> dict[str, Any]:
    """The ``error`` object of a response, asserting its status and the contract's shape."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]
