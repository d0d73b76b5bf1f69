"""POST /api/workflows/<id>/whatif: a draft tested on recorded cases, over HTTP."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from designer_helpers import error_of
from flask import Flask
from sqlalchemy import func
from sqlmodel import select
from whatif_cases import SUPPORT, install_support, record_support_cases

from designer.extensions import state
from runtime.db import session_scope
from runtime.store import metadata
from runtime.whatif import parallel

URL = "/api/workflows/support-case/whatif"
CASES = 8


@pytest.fixture
def recorded(app: Flask, tmp_path: Path) -> list[str]:
    engine = state(app).engine
    install_support(engine)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=6)
    runs: list[str] = record_support_cases(engine, tmp_path, count=CASES, start=start)
    return runs


def _draft() -> dict[str, Any]:
    return copy.deepcopy(SUPPORT.model_dump(mode="json"))


def _row_counts(app: Flask) -> dict[str, int]:
    with session_scope(state(app).engine) as session:
        return {
            table.name: int(session.exec(select(func.count()).select_from(table)).one())
            for table in metadata.sorted_tables
        }


def test_the_active_version_as_draft_predicts_what_the_cases_did(
    app: Flask, recorded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = app.test_client()
    client.get("/api/workflows")  # signs in first: that writes the account's session
    before = _row_counts(app)
    response = client.post(URL, json={"draft": _draft()})
    assert response.status_code == 200, response.get_data(True)
    body = response.get_json()
    assert set(body) >= {"workflow_id", "active_version", "cases", "since", "active", "draft",
                         "changes", "listed"}  # fmt: skip
    assert (body["workflow_id"], body["active_version"], body["cases"]) == ("support-case", 1, 8)
    active, draft = body["active"], body["draft"]
    assert set(active) >= {"cases", "node_visits", "edge_share", "stage_minutes",
                           "sla_attainment", "queue_load", "agent_load", "outcomes",
                           "incidents", "loop_guard", "path_changed"}  # fmt: skip
    assert draft == active
    assert draft["path_changed"] == 0 and body["listed"] == []
    # Half the cases are urgent, and cases 1 and 5 went round the rework loop once.
    assert active["edge_share"]["priority--urgent"] == 0.5
    assert active["edge_share"]["is_resolved--rework"] == 0.25
    assert active["outcomes"] == {"resolved": CASES}
    assert not any(body["changes"].values())
    # A looser loop guard reaches every case, so each is simulated through the draft
    # (no case is taken as it was): the simulation gives back what the cases did.
    looser = _draft()
    looser["max_visits_per_node"] += 5
    simulated = client.post(URL, json={"draft": looser}).get_json()
    assert simulated["draft"] == active
    # Played in forked processes (as a large set is), the answer is the same.
    monkeypatch.setattr(parallel, "MIN_CASES", 1)
    forked = client.post(URL, json={"draft": looser}).get_json()
    assert {k: v for k, v in forked.items() if k not in ("since", "until")} == {
        k: v for k, v in simulated.items() if k not in ("since", "until")
    }
    # Nothing was written, sent or assigned.
    assert _row_counts(app) == before


def test_a_changed_decision_moves_its_share_and_is_listed(app: Flask, recorded: list[str]) -> None:
    draft = _draft()
    priority = next(n for n in draft["nodes"] if n["id"] == "priority")
    # Urgent only when the case itself says so: the enterprise rule is dropped.
    urgent = priority["outcomes"][0]["condition"]
    urgent["rules"] = urgent["rules"][:1]
    body = app.test_client().post(URL, json={"draft": draft, "days": 30}).get_json()
    assert body["draft"]["edge_share"].get("priority--urgent", 0) == 0
    assert body["draft"]["edge_share"]["priority--standard"] == 1.0
    assert body["draft"]["path_changed"] == CASES // 2
    assert body["changes"]["changed_nodes"] == ["priority"]
    listed = body["listed"]
    assert [item["case_id"] for item in listed] == [f"case-{n}" for n in range(0, CASES, 2)]
    assert listed[0]["what"] == "path_changed"
    assert "expedite" not in listed[0]["path"] and "expedite" in listed[0]["recorded_path"]
    assert "after 'priority'" in listed[0]["message"]


def test_refusals_name_what_is_wrong_and_change_nothing(app: Flask, recorded: list[str]) -> None:
    client = app.test_client()
    client.get("/api/workflows")  # signs in first: that writes the account's session
    before = _row_counts(app)
    broken = _draft()
    broken["edges"] = [e for e in broken["edges"] if e["id"] != "routing--execution"]
    error = error_of(client.post(URL, json={"draft": broken}), 422)
    assert error["code"] == "invalid_workflow"
    assert any(p["node_id"] == "routing" for p in error["details"]["problems"])

    error = error_of(client.post("/api/workflows/nope/whatif", json={"draft": _draft()}), 404)
    assert "nope" in error["message"]
    error = error_of(client.post(URL, json={"draft": _draft(), "days": 0}), 400)
    assert "days" in error["message"]
    error = error_of(client.post(URL, json={"draft": _draft(), "days": 1}), 404)
    assert error["code"] == "whatif_no_cases" and "last 1 days" in error["message"]
    error = error_of(
        client.post(URL, json={"draft": _draft(), "case_ids": ["case-1", "case-99"]}), 404
    )
    assert error["code"] == "whatif_unknown_cases" and "'case-99'" in error["message"]
    assert "case-1'" not in error["message"]
    error = error_of(client.post(URL, json={"draft": _draft(), "days": 3, "case_ids": ["x"]}), 400)
    assert "either days or case_ids" in error["message"]
    error = error_of(
        client.post(
            URL,
            json={"draft": _draft(), "outputs": {"ghost": {}, "work_case": {"$after_minutes": -5}}},
        ),
        400,
    )
    assert error["code"] == "whatif_bad_outputs"
    assert set(error["details"]["problems"]) == {"ghost", "work_case"}
    other = _draft() | {"id": "access-request"}
    error_of(client.post(URL, json={"draft": other}), 400)
    assert _row_counts(app) == before

    chosen = client.post(URL, json={"draft": _draft(), "case_ids": ["case-1", "case-2"]})
    assert chosen.status_code == 200
    assert (chosen.get_json()["cases"], chosen.get_json()["since"]) == (2, None)


def test_only_designers_may_test_a_draft(app: Flask, recorded: list[str]) -> None:
    supervisor = app.test_client(user="sue", role="supervisor")
    assert supervisor.post(URL, json={"draft": _draft()}).status_code == 403
