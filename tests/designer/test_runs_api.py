"""The REST API of cases, runs, work items, the monitor and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from live_support import install
from pydantic import BaseModel, ConfigDict
from sqlmodel import select

from designer.extensions import state
from runtime import services
from runtime.actions.base import Action, ActionError
from runtime.db import session_scope
from runtime.engine.state_migrations import RUN_STATE_SCHEMA_VERSION
from runtime.executor import Worker
from runtime.store.tables import RunRow, utcnow


class Boom(Action):
    """Every call fails for good: the run becomes an incident."""

    name = "boom"
    description = "Fails."

    class Input(BaseModel):
        model_config = ConfigDict(extra="allow")

    class Output(BaseModel):
        pass

    def run(self, inputs: Any, ctx: Any) -> Any:
        raise ActionError("the far side said no", retryable=False)


@pytest.fixture
def wf(app: Flask) -> str:
    return install(state(app).engine)


@pytest.fixture
def worker(app: Flask, wf: str) -> Iterator[Worker]:
    yield Worker(state(app).settings, state(app).engine, get_action=lambda name: Boom())


def new_case(client: FlaskClient, subject: str = "Broken printer", **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/api/cases", json={"fields": {"subject": subject, **fields}, "workflow_id": "review-loop"}
    )
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def open_item(client: FlaskClient, run_id: str) -> dict[str, Any]:
    items = client.get(f"/api/work-items?run_id={run_id}").json["items"]
    assert len(items) == 1
    return items[0]  # type: ignore[no-any-return]


def error(response: Any) -> str:
    return response.json["error"]["code"]  # type: ignore[no-any-return]


def test_a_new_case_starts_a_run_that_waits_for_its_reviewer(client: FlaskClient, wf: str) -> None:
    created = new_case(client)
    assert created["case"]["fields"]["subject"] == "Broken printer"
    [run] = created["runs"]
    assert run["title"] == "Broken printer"
    assert (run["status"], run["node_id"], run["node_name"]) == ("running", "review", "Review")
    assert run["assignees"] == ["queue:reviewers"] and run["open_items"] == 1
    assert run["sla"] == "on_track"

    detail = client.get(f"/api/runs/{run['id']}").json
    assert detail["workflow_name"] == "Review loop"
    assert detail["state"]["steps"]["check"]["status"] == "waiting"
    assert [w["step_id"] for w in detail["work_items"]] == ["check"]
    assert detail["runs_of_case"] == [run["id"]]
    assert client.get(f"/api/cases/{created['case']['id']}").json["runs"][0]["id"] == run["id"]


def test_completing_the_work_item_and_a_field_change_move_the_run_on(
    client: FlaskClient, worker: Worker
) -> None:
    created = new_case(client)
    run_id, case_id = created["runs"][0]["id"], created["case"]["id"]
    item = open_item(client, run_id)

    bad = client.post(
        f"/api/work-items/{item['key']}/complete", json={"data": {"verdict": "maybe"}}
    )
    assert bad.status_code == 422 and "verdict" in bad.json["error"]["message"]

    done = client.post(
        f"/api/work-items/{item['key']}/complete", json={"data": {"verdict": "approve"}}
    )
    assert done.status_code == 200 and done.json["status"] == "completed"
    again = client.post(
        f"/api/work-items/{item['key']}/complete", json={"data": {"verdict": "approve"}}
    )
    assert again.status_code == 409
    run = client.get(f"/api/runs/{run_id}").json["run"]
    assert run["node_id"] == "publish" and run["open_items"] == 0

    changed = client.patch(f"/api/cases/{case_id}", json={"changes": {"ready": True}})
    assert changed.status_code == 200 and changed.json["case"]["version"] == 2
    stale = client.patch(
        f"/api/cases/{case_id}", json={"changes": {"note": "x"}, "expected_version": 1}
    )
    assert stale.status_code == 409
    history = client.get(f"/api/cases/{case_id}/changes").json["changes"]
    assert [(c["seq"], c["field"], c["new"]) for c in history][-1] == (2, "ready", True)

    worker.drain()  # the Publish stage's background step fails for good: an incident
    run = client.get(f"/api/runs/{run_id}").json["run"]
    assert run["status"] == "incident" and run["incident"]["code"] == "step_failed"
    assert client.get("/api/runs?status=incident").json["items"][0]["id"] == run_id
    skipped = client.post(f"/api/runs/{run_id}/skip", json={"reason": "done by hand"})
    assert skipped.status_code == 200 and skipped.json["status"] == "completed"

    log = client.get(f"/api/runs/{run_id}/log?after_seq=0&limit=3").json
    assert [e["seq"] for e in log["events"]] == [1, 2, 3] and log["more"] is True
    rest = client.get(f"/api/runs/{run_id}/log?after_seq=3&limit=1000").json
    assert rest["more"] is False and rest["events"][0]["seq"] == 4
    kinds = [e["kind"] for e in rest["events"]]
    assert "decision.taken" in kinds and kinds[-1] == "run.completed"


def test_a_change_that_asks_for_a_minimal_answer_gets_no_body(
    client: FlaskClient, wf: str
) -> None:
    case_id = new_case(client)["case"]["id"]
    quiet = client.patch(
        f"/api/cases/{case_id}",
        json={"changes": {"note": "from an integration"}},
        headers={"Prefer": "respond-async, return=minimal"},
    )
    assert quiet.status_code == 204 and quiet.data == b""
    assert quiet.headers["Preference-Applied"] == "return=minimal"
    case = client.get(f"/api/cases/{case_id}").json["case"]
    assert case["version"] == 2 and case["fields"]["note"] == "from an integration"
    # Any other preference (or none) gets the case and its runs.
    full = client.patch(
        f"/api/cases/{case_id}",
        json={"changes": {"note": "again"}},
        headers={"Prefer": "return=representation"},
    )
    assert full.status_code == 200 and full.json["case"]["version"] == 3
    assert "Preference-Applied" not in full.headers
    # A refused change is an error either way.
    stale = client.patch(
        f"/api/cases/{case_id}",
        json={"changes": {"note": "x"}, "expected_version": 1},
        headers={"Prefer": "return=minimal"},
    )
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"


def test_admin_commands_and_their_refusals(client: FlaskClient, wf: str) -> None:
    run_id = new_case(client)["runs"][0]["id"]
    assert (
        client.post(f"/api/runs/{run_id}/pause", json={"reason": "hold"}).json["status"] == "paused"
    )
    refused = client.post(f"/api/runs/{run_id}/pause", json={})
    assert refused.status_code == 422 and error(refused) == "invalid_command"
    assert client.post(f"/api/runs/{run_id}/resume", json={}).json["status"] == "running"
    assert client.post(f"/api/runs/{run_id}/retry", json={}).status_code == 422
    assert (
        client.post(f"/api/runs/{run_id}/cancel", json={"reason": "dup"}).json["status"]
        == "cancelled"
    )
    assert client.post(f"/api/runs/{run_id}/cancel", json={}).status_code == 422
    assert client.post("/api/runs/nope/pause", json={}).status_code == 404
    assert client.post(f"/api/runs/{run_id}/pause", json={"why": "x"}).status_code == 400
    assert client.post(f"/api/runs/{run_id}/pause", data="x").status_code == 415
    assert client.get("/api/runs/nope").status_code == 404
    assert client.get("/api/runs/nope/log").status_code == 404
    assert client.get("/api/cases/nope").status_code == 404
    assert client.get("/api/work-items/nope").status_code == 404


def test_create_case_and_start_run_errors(client: FlaskClient, wf: str) -> None:
    assert client.post("/api/cases", json={"fields": {"bad name": 1}}).status_code == 400
    assert client.post("/api/cases", json={"fields": {}, "workflow_id": "ghost"}).status_code == 404
    case_id = client.post("/api/cases", json={"fields": {"subject": "Plain"}}).json["case"]["id"]
    started = client.post("/api/runs", json={"workflow_id": "review-loop", "case_id": case_id})
    assert started.status_code == 201 and started.json["case_id"] == case_id
    assert (
        client.post("/api/runs", json={"workflow_id": "review-loop", "case_id": "x"}).status_code
        == 404
    )


def test_the_cases_list_filters_and_pages(client: FlaskClient, app: Flask, wf: str) -> None:
    engine = state(app).engine
    now = utcnow()
    ids = {}
    with session_scope(engine) as session:
        for n, minutes in enumerate((5, 50, 120, 240)):
            case = services.create_case(
                session, fields={"subject": f"Case {n}"}, now=now - timedelta(minutes=minutes)
            )
            ids[minutes] = services.list_runs(session, case_id=case.id).items[0].id

    # SLA of the Review stage: at risk after 45 minutes, breached after 60.
    def listed(query: str) -> list[str]:
        response = client.get(f"/api/runs?{query}")
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert listed("sla=on_track") == [ids[5]]
    assert listed("sla=at_risk") == [ids[50]]
    assert listed("sla=breached") == [ids[120], ids[240]]
    assert listed("older_than_minutes=100") == [ids[120], ids[240]]
    assert listed("newer_than_minutes=60") == [ids[5], ids[50]]
    assert listed("workflow_id=review-loop&node_id=review&status=active") == [
        ids[5], ids[50], ids[120], ids[240]
    ]  # fmt: skip
    assert listed("node_id=publish") == []
    item = open_item(client, ids[50])
    client.post(
        f"/api/work-items/{item['key']}/reassign", json={"assignee": "bo", "reason": "skills"}
    )
    assert listed("assignee=bo") == [ids[50]]

    first = client.get("/api/runs?limit=3").json
    assert len(first["items"]) == 3 and first["next_cursor"]
    second = client.get(f"/api/runs?limit=3&cursor={first['next_cursor']}").json
    assert [i["id"] for i in first["items"] + second["items"]] == [
        ids[m] for m in (5, 50, 120, 240)
    ]
    assert second["next_cursor"] is None
    for bad in ("cursor=%%%", "status=sleeping", "sla=late", "limit=0", "older_than_minutes=-1"):
        response = client.get(f"/api/runs?{bad}")
        assert response.status_code == 400, bad


def test_exports_of_one_run_and_of_a_workflow(client: FlaskClient, wf: str) -> None:
    run_id = new_case(client, subject="Export me, please")["runs"][0]["id"]
    new_case(client, subject="Another")
    as_json = client.get(f"/api/runs/{run_id}/export?format=json")
    assert as_json.status_code == 200 and "attachment" in as_json.headers["Content-Disposition"]
    assert as_json.json["run_id"] == run_id
    assert [e["seq"] for e in as_json.json["events"]][:2] == [1, 2]
    as_csv = client.get(f"/api/runs/{run_id}/export?format=csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0]["kind"] == "run.started" and rows[0]["run_id"] == run_id
    assert len(rows) == len(as_json.json["events"])
    # Names beside the ids, for people; the ids stay for machines.
    assert {r["workflow_name"] for r in rows} == {"Review loop"}
    review = next(r for r in rows if r["node_id"] == "review")
    assert review["node_name"] == "Review"
    assert as_json.json["workflow_name"] == "Review loop"
    assert as_json.json["names"]["nodes"]["approved"] == "Approved?"

    everything = client.get("/api/runs/export?workflow_id=review-loop&format=json").json
    assert len(everything["runs"]) == 2 and everything["workflow_id"] == "review-loop"
    future = client.get("/api/runs/export?workflow_id=review-loop&from=2999-01-01T00:00:00Z").json
    assert future["runs"] == []
    lines = client.get("/api/runs/export?workflow_id=review-loop&format=csv").get_data(as_text=True)
    assert lines.count("run.started") == 2
    assert client.get("/api/runs/export?workflow_id=ghost").status_code == 404
    assert client.get(f"/api/runs/{run_id}/export?format=xml").status_code == 400
    empty = client.get(
        "/api/runs/export?workflow_id=review-loop&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"
    )
    assert empty.status_code == 400


def test_the_monitor_counts_cases_per_node_and_lists_stuck_cases_and_incidents(
    client: FlaskClient, app: Flask, worker: Worker
) -> None:
    engine = state(app).engine
    now = utcnow()
    with session_scope(engine) as session:
        for minutes in (10, 20, 30, 90):
            services.create_case(
                session, fields={"subject": f"{minutes} min"}, now=now - timedelta(minutes=minutes)
            )
    failing = new_case(client, subject="Will fail")
    run_id = failing["runs"][0]["id"]
    item = open_item(client, run_id)
    client.post(f"/api/work-items/{item['key']}/complete", json={"data": {"verdict": "approve"}})
    client.patch(f"/api/cases/{failing['case']['id']}", json={"changes": {"ready": True}})
    worker.drain()

    picture = client.get("/api/monitor/review-loop?stuck_minutes=25").json
    nodes = {n["node_id"]: n for n in picture["nodes"]}
    assert nodes["review"]["count"] == 4 and nodes["publish"]["incidents"] == 1
    assert 1190 <= nodes["review"]["age_p50_seconds"] <= 1600
    assert nodes["review"]["age_p90_seconds"] > 3000
    assert (nodes["review"]["at_risk"], nodes["review"]["breached"]) == (0, 1)
    assert picture["total_active"] == 5 and picture["active_version"] == 1
    assert [r["title"] for r in picture["stuck"]] == ["90 min", "30 min"]
    assert [r["id"] for r in picture["incidents"]] == [run_id]
    assert client.get("/api/monitor/ghost").status_code == 404
    assert client.get("/api/monitor/review-loop?stuck_minutes=-1").status_code == 400

    stuck_id = picture["stuck"][0]["id"]
    bulk = client.post(
        "/api/monitor/bulk",
        json={"command": "retry", "run_ids": [run_id, stuck_id], "reason": "fixed upstream"},
    ).json["results"]
    assert bulk[0]["ok"] is True
    assert bulk[1]["ok"] is False and bulk[1]["error"]["code"] == "invalid_command"
    cancelled = client.post(
        "/api/monitor/bulk", json={"command": "cancel", "run_ids": [stuck_id, "ghost"]}
    ).json["results"]
    assert [r["ok"] for r in cancelled] == [True, False]
    assert cancelled[0]["status"] == "cancelled" and cancelled[1]["error"]["code"] == "not_found"
    assert (
        client.post("/api/monitor/bulk", json={"command": "delete", "run_ids": ["x"]}).status_code
        == 400
    )
    assert (
        client.post("/api/monitor/bulk", json={"command": "cancel", "run_ids": []}).status_code
        == 400
    )


def test_a_run_stored_in_a_newer_format_is_refused_by_name_not_a_server_error(
    client: FlaskClient, wf: str, app: Flask
) -> None:
    [run] = new_case(client)["runs"]
    with session_scope(state(app).engine) as session:
        row = session.exec(select(RunRow).where(RunRow.id == run["id"])).one()
        row.state = {**row.state, "schema_version": RUN_STATE_SCHEMA_VERSION + 1}
        session.add(row)
    response = client.get(f"/api/runs/{run['id']}")
    assert response.status_code == 409
    assert error(response) == "unsupported_run_state_version"
    assert "newer than this Baton reads" in response.json["error"]["message"]


def test_every_filter_of_the_cases_list_reaches_the_search() -> None:
    from dataclasses import fields

    from designer.api.run_schemas import RunListQuery
    from runtime.services.monitor import CaseFilter

    paging = {"limit", "cursor"}
    assert set(RunListQuery.model_fields) - paging == {f.name for f in fields(CaseFilter)}


def test_the_monitor_answer_carries_every_figure_of_the_service() -> None:
    from dataclasses import fields

    from designer.api.run_schemas import MonitorOut
    from runtime.services.monitor import WorkflowMonitor

    service = {f.name for f in fields(WorkflowMonitor)}
    assert set(MonitorOut.model_fields) == service | {"at"}
