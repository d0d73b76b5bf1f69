"""Moving running cases to another version over the API: impact, move, progress, refusals."""

from __future__ import annotations

import copy
import subprocess
import time
from typing import Any

import pytest
from designer_helpers import error_of
from flask import Flask
from flask.testing import FlaskClient
from live_support import install, review_loop
from runtime_flows import install_workflow
from sqlmodel import select

from designer.extensions import state
from runtime import services
from runtime.db import session_scope
from runtime.services import migrations
from runtime.store.migration_tables import MigrationRow
from runtime.store.tables import WorkItemRow

WF = "review-loop"


def renamed_review() -> dict[str, Any]:
    """Version 2: the stage ``review`` is now ``assess``; its form gains an optional note."""
    doc = copy.deepcopy(review_loop())
    for node in doc["nodes"]:
        if node["id"] == "review":
            node["id"] = "assess"
            node["steps"][0]["form"].append({"name": "comment", "type": "string"})
    for edge in doc["edges"]:
        for end in ("source", "target"):
            if edge[end] == "review":
                edge[end] = "assess"
        edge["id"] = edge["id"].replace("review", "assess")
    return doc


@pytest.fixture
def three_runs(app: Flask, client: FlaskClient) -> list[str]:
    engine = state(app).engine
    install(engine)
    runs = []
    for n in range(3):
        created = client.post(
            "/api/cases", json={"fields": {"subject": f"case {n}"}, "workflow_id": WF}
        )
        assert created.status_code == 201, created.json
        runs.append(created.json["runs"][0]["id"])
    with session_scope(engine) as session:
        install_workflow(session, renamed_review(), version=2)
    return runs


def _plan(**extra: Any) -> dict[str, Any]:
    return {"from_version": 1, "to_version": 2, "mapping": {"review": "assess"}, **extra}


def _wait_done(client: FlaskClient, migration_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = client.get(f"/api/migrations/{migration_id}").json
        if found["status"] != "running":
            return found  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"migration {migration_id} still running")


def test_the_impact_says_where_each_run_lands_and_what_happens_to_its_work(
    client: FlaskClient, three_runs: list[str]
) -> None:
    response = client.post(f"/api/workflows/{WF}/migrations/impact", json=_plan())
    assert response.status_code == 200, response.json
    impact = response.json
    assert (impact["runs"], impact["movable"], impact["unmapped"]) == (3, 3, 0)
    assert impact["mapping"] == {"review": "assess"}
    assert impact["target_nodes"] == {"assess": 3}
    [node] = impact["nodes"]
    assert (node["source_node"], node["target_node"], node["movable"]) == ("review", "assess", 3)
    # The open items stay (their form only gained an optional field); the stage's SLA
    # timers name the stage, so each is re-issued under the new name.
    assert impact["in_flight"] == {
        "steps_carried": 3, "steps_restarted": 0, "work_items_carried": 3,
        "work_items_reissued": 0, "work_items_cancelled": 0, "timers_rescheduled": 3,
    }  # fmt: skip
    assert impact["unmapped_runs"] == []
    # Nothing moved.
    assert client.get(f"/api/runs/{three_runs[0]}").json["run"]["version"] == 1


def test_without_the_override_every_run_is_listed_as_unmapped(
    client: FlaskClient, three_runs: list[str]
) -> None:
    impact = client.post(f"/api/workflows/{WF}/migrations/impact", json=_plan(mapping={})).json
    assert (impact["movable"], impact["unmapped"]) == (0, 3)
    [node] = impact["nodes"]
    assert node["target_node"] is None
    assert [(r["code"], r["runs"]) for r in node["reasons"]] == [("node_gone", 3)]
    assert {r["run_id"] for r in impact["unmapped_runs"]} == set(three_runs)
    assert all(r["code"] == "node_gone" for r in impact["unmapped_runs"])


def test_the_move_runs_in_the_background_and_each_run_says_so(
    app: Flask, client: FlaskClient, three_runs: list[str]
) -> None:
    started = client.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="rename"))
    assert started.status_code == 202, started.json
    assert started.headers["Location"] == f"/api/migrations/{started.json['id']}"
    assert started.json["status"] == "running" and started.json["total"] == 3
    done = _wait_done(client, started.json["id"])
    assert (done["status"], done["moved"], done["unmapped"], done["error"]) == ("done", 3, 0, None)
    assert done["started_by"] == "admin" and done["reason"] == "rename"
    assert done["finished_at"] is not None
    listed = client.get(f"/api/workflows/{WF}/migrations").json["migrations"]
    assert [m["id"] for m in listed] == [done["id"]]
    for run_id in three_runs:
        run = client.get(f"/api/runs/{run_id}").json["run"]
        assert (run["version"], run["node_id"]) == (2, "assess")
        log = client.get(f"/api/runs/{run_id}/log").json["events"]
        moved = [e for e in log if e["kind"] == "run.migrated"]
        assert len(moved) == 1
        data = moved[0]["data"]
        assert (data["from_version"], data["to_version"], data["mapping"]) == (
            1, 2, {"review": "assess"},
        )  # fmt: skip
        assert (data["by"], data["reason"]) == ("admin", "rename")
    with session_scope(state(app).engine) as session:
        items = session.exec(select(WorkItemRow)).all()
        # The same items, open, with the new form; none doubled.
        assert sorted(i.key for i in items) == sorted(f"{r}:check:1" for r in three_runs)
        assert all(i.status == "open" and len(i.form) == 2 for i in items)
        for run_id in three_runs:
            replayed = services.replay_run(session, run_id=run_id)
            assert (
                replayed.model_dump(mode="json") == services.get_run(session, run_id=run_id).state
            )
    # A second move finds nothing left on version 1.
    again = client.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="again"))
    assert _wait_done(client, again.json["id"])["total"] == 0


def test_a_moved_run_carries_on_on_its_new_version(
    client: FlaskClient, three_runs: list[str]
) -> None:
    started = client.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="rename"))
    _wait_done(client, started.json["id"])
    key = f"{three_runs[0]}:check:1"
    done = client.post(f"/api/work-items/{key}/complete", json={"data": {"verdict": "approve"}})
    assert done.status_code == 200, done.json
    run = client.get(f"/api/runs/{three_runs[0]}").json["run"]
    assert run["version"] == 2 and run["node_id"] != "assess"


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "named"),
    [
        ("/api/workflows/nope/migrations/impact", _plan(), 404, "workflow_not_found", "nope"),
        (f"/api/workflows/{WF}/migrations/impact", _plan(to_version=7), 404, "version_not_found",
         "7"),
        (f"/api/workflows/{WF}/migrations/impact", _plan(to_version=1), 400,
         "version_pair_invalid", "both 1"),
        (f"/api/workflows/{WF}/migrations/impact", _plan(mapping={"reviw": "assess",
                                                                   "review": "asess"}),
         422, "mapping_invalid", "'reviw'"),
        (f"/api/workflows/{WF}/migrations/impact", _plan(mapping={"review": "check"}), 422,
         "mapping_invalid", "is a node but 'check' is a step"),
        (f"/api/workflows/{WF}/migrations", _plan(reason=" "), 400, "invalid_input", "reason"),
        (f"/api/workflows/{WF}/migrations", _plan(), 400, "invalid_body", "reason"),
        (f"/api/workflows/{WF}/migrations/impact", {"from_version": 1}, 400, "invalid_body",
         "to_version"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_what_is_wrong_and_changes_nothing(
    client: FlaskClient, three_runs: list[str], path: str, body: dict[str, Any], status: int,
    code: str, named: str,
) -> None:  # fmt: skip
    error = error_of(client.post(path, json=body), status)
    assert error["code"] == code
    assert named in error["message"] + str(error.get("details", ""))
    assert client.get(f"/api/workflows/{WF}/migrations").json["migrations"] == []
    assert client.get(f"/api/runs/{three_runs[0]}").json["run"]["version"] == 1


def test_unknown_ids_are_all_listed(client: FlaskClient, three_runs: list[str]) -> None:
    body = _plan(mapping={"reviw": "assess", "review": "asess"})
    error = error_of(client.post(f"/api/workflows/{WF}/migrations/impact", json=body), 422)
    assert error["details"]["unknown"] == ["asess", "reviw"]


def test_a_second_move_while_one_runs_is_refused(
    app: Flask, client: FlaskClient, three_runs: list[str]
) -> None:
    with session_scope(state(app).engine) as session:
        row = migrations.start_migration(
            session, workflow_id=WF, from_version=1, to_version=2, mapping={"review": "assess"},
            by="admin", reason="first",
        )  # fmt: skip
        first = row.id
    refused = error_of(
        client.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="second")), 409
    )
    assert refused["code"] == "migration_running" and first in refused["message"]
    with session_scope(state(app).engine) as session:
        assert [m.id for m in session.exec(select(MigrationRow)).all()] == [first]
    assert client.get("/api/migrations/nope").status_code == 404


def test_supervisors_see_the_impact_but_only_admins_move(app: Flask, three_runs: list[str]) -> None:
    supervisor = app.test_client(user="sue", role="supervisor")
    assert supervisor.post(f"/api/workflows/{WF}/migrations/impact", json=_plan()).status_code \
        == 200  # fmt: skip
    refused = supervisor.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="x"))
    assert refused.status_code == 403
    agent = app.test_client(user="al", role="agent")
    assert agent.post(f"/api/workflows/{WF}/migrations/impact", json=_plan()).status_code == 403
    assert app.test_client().get(f"/api/workflows/{WF}/migrations").json["migrations"] == []


def test_a_move_whose_process_died_reads_failed_and_starting_it_again_finishes_it(
    app: Flask, client: FlaskClient, three_runs: list[str]
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    with session_scope(state(app).engine) as session:
        row = migrations.start_migration(
            session, workflow_id=WF, from_version=1, to_version=2, mapping={"review": "assess"},
            by="ada", reason="first",
        )  # fmt: skip
        row.pid = gone.pid  # the mover was killed before it moved anything
        first = row.id
    seen = client.get(f"/api/migrations/{first}").json
    assert (seen["status"], seen["moved"]) == ("failed", 0)
    assert "start the same move again" in seen["error"]
    again = client.post(f"/api/workflows/{WF}/migrations", json=_plan(reason="finish it"))
    assert again.status_code == 202 and again.json["id"] == first
    done = _wait_done(client, first)
    assert (done["status"], done["moved"], done["reason"]) == ("done", 3, "first")
