"""Required action inputs known at design time, through the API (issue 15, part 4): the
actions publish their input schemas and what they write, validation reports a missing or
ill-typed input on its step, and publishing refuses it."""

from __future__ import annotations

import copy
from typing import Any

from designer_helpers import Api, error_of, tiny_document
from flask.testing import FlaskClient


def _with_notify(to: Any) -> dict[str, Any]:
    document = tiny_document("notifying", "Notifying")
    document["nodes"][1]["steps"].append(
        {"id": "tell", "kind": "background", "action": "notify", "inputs": {"to": to}}
    )
    return document


def test_actions_publish_their_step_input_schemas_and_case_writes(client: FlaskClient) -> None:
    actions = {a["name"]: a for a in client.get("/api/actions").get_json()["actions"]}
    assert actions["notify"]["input_schema"]["required"] == ["to"]
    assert actions["notify"]["input_schema"]["properties"]["channel"]["enum"] == ["email", "log"]
    assert (actions["assign"]["writes"], actions["assign"]["writes_inputs"]) == (["owner"], False)
    assert actions["set_fields"]["writes_inputs"] is True
    assert actions["set_fields"]["input_schema"]["minProperties"] == 1
    assert actions["salesforce_query"]["writes_named_by"] == "into"


def test_an_empty_recipient_is_an_error_on_its_step_and_is_not_published(
    client: FlaskClient,
) -> None:
    api = Api(client)
    detail = api.created(_with_notify({"value": ""}))
    [problem] = [p for p in detail["problems"] if p["severity"] == "error"]
    assert (problem["code"], problem["node_id"], problem["step_id"], problem["path"]) == (
        "missing_action_input", "work", "tell", "nodes[1].steps[1].inputs.to",
    )  # fmt: skip
    error = error_of(api.publish("notifying", detail["revision"]), 422)
    assert error["code"] == "invalid_workflow" and "tell" in error["message"]
    assert api.versions("notifying").get_json()["versions"] == []
    # The same answer from the validate endpoint, which stores nothing.
    checked = client.post("/api/validate", json={"workflow": _with_notify({"value": ""})})
    assert [p["code"] for p in checked.get_json()["problems"]] == ["missing_action_input"]


def test_a_recipient_given_or_read_from_the_case_publishes(client: FlaskClient) -> None:
    api = Api(client)
    for n, to in enumerate(({"value": "lead@example.com"}, {"ref": "case.subject"})):
        document = copy.deepcopy(_with_notify(to))
        document["id"] = f"notifying_{n}"
        detail = api.created(document)
        assert [p for p in detail["problems"] if p["severity"] == "error"] == []
        assert api.publish(document["id"], detail["revision"]).status_code == 201


def test_an_unknown_action_and_an_ill_typed_input_are_errors(client: FlaskClient) -> None:
    document = tiny_document()
    document["nodes"][1]["steps"].append(
        {"id": "pause", "kind": "background", "action": "wait",
         "inputs": {"duration_minutes": {"type": "number", "value": 0}}}
    )  # fmt: skip
    document["nodes"][1]["steps"].append({"id": "x", "kind": "background", "action": "teleport"})
    problems = client.post("/api/validate", json={"workflow": document}).get_json()["problems"]
    assert sorted((p["code"], p["step_id"]) for p in problems) == [
        ("bad_action_input", "pause"), ("unknown_action", "x"),
    ]  # fmt: skip
