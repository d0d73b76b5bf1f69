"""Form answers reach the case through the API (issue 15, part 2): an agent ticks
Resolved, the case's 'resolved' is set in the same request, its history names the agent,
the 'resolved?' decision sees it and the run ends without a second visit; the run's log
shows the submitted values but not a sensitive one."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from live_support import install
from runtime_flows import tutorial_flow

from designer.extensions import state


def tutorial() -> dict[str, Any]:
    """The tutorial workflow, its work for the support queue (no one agent named)."""
    return tutorial_flow(agent=None)


def _start(client: FlaskClient) -> tuple[str, str, str]:
    created = client.post(
        "/api/cases", json={"fields": {"subject": "Login"}, "workflow_id": "tutorial"}
    )
    assert created.status_code == 201, created.json
    body: dict[str, Any] = created.json or {}
    run_id, case_id = body["runs"][0]["id"], body["case"]["id"]
    [item] = client.get(f"/api/work-items?run_id={run_id}").json["items"]  # type: ignore[index]
    return run_id, case_id, item["key"]


def test_a_resolved_answer_ends_the_run_and_is_in_the_case_history(
    app: Flask, client: FlaskClient
) -> None:
    install(state(app).engine, tutorial())
    run_id, case_id, key = _start(client)
    data = {"resolved": True, "card": "4111", "note": "rebooted"}
    done = client.post(f"/api/work-items/{key}/complete", json={"data": data})
    assert done.status_code == 200, done.json
    run = client.get(f"/api/runs/{run_id}").json["run"]  # type: ignore[index]
    assert (run["status"], run["node_id"]) == ("completed", "end")
    case = client.get(f"/api/cases/{case_id}").json["case"]  # type: ignore[index]
    assert case["fields"]["resolved"] is True
    history = client.get(f"/api/cases/{case_id}/changes").json["changes"]  # type: ignore[index]
    [answer] = [c for c in history if c["field"] == "resolved"]
    assert answer["new"] is True and answer["actor"] == done.json["completed_by"]  # type: ignore[index]
    events = client.get(f"/api/runs/{run_id}/log?after_seq=0&limit=1000").json["events"]  # type: ignore[index]
    completed = next(e for e in events if e["kind"] == "step.completed")
    assert completed["data"]["outputs"] == {"resolved": True, "note": "rebooted"}
    assert completed["data"]["hidden"] == ["card"]


def test_a_bad_answer_changes_neither_the_item_nor_the_case(
    app: Flask, client: FlaskClient
) -> None:
    install(state(app).engine, tutorial())
    run_id, case_id, key = _start(client)
    refused = client.post(f"/api/work-items/{key}/complete", json={"data": {"resolved": "yes"}})
    assert refused.status_code == 422 and "resolved" in refused.json["error"]["message"]  # type: ignore[index]
    case = client.get(f"/api/cases/{case_id}").json["case"]  # type: ignore[index]
    assert "resolved" not in case["fields"]
    assert client.get(f"/api/runs/{run_id}").json["run"]["open_items"] == 1  # type: ignore[index]
