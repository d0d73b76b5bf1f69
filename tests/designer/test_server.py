"""``baton run`` as people start it: gunicorn on a free port, in a process of its own.

The canvas loads, the API answers over kept HTTP/1.1 connections, a Socket.IO client
gets a run's live events over a websocket, and ``/metrics`` shows what a case that ran
did (its step's latency, the outbox it went through, the work item it waits on).
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from live_server import ApiSession, live_server
from prometheus_client.parser import text_string_to_metric_families

from designer.live.follow import LiveClient

pytestmark = pytest.mark.timeout(120)

WORKFLOW = "ops-check"
QUEUE = "ops-reviewers"


def _workflow() -> dict[str, Any]:
    """start -> Prepare (a background step) -> Review (a work item in a queue) -> Done."""
    return {
        "id": WORKFLOW,
        "name": "Operations check",
        "case_schema": [
            {"name": "subject", "label": "Subject", "type": "string", "required": True},
            {"name": "note", "label": "Note", "type": "string"},
        ],
        "trigger": {"kind": "manual"},
        "nodes": [
            {"id": "start", "kind": "start", "name": "Start", "position": {"x": 0, "y": 0}},
            {"id": "prepare", "kind": "stage", "name": "Prepare", "position": {"x": 200, "y": 0},
             "steps": [{"id": "mark", "kind": "background", "name": "Mark",
                        "action": "set_fields",
                        "inputs": {"note": {"type": "string", "value": "prepared"}}}]},
            {"id": "review", "kind": "stage", "name": "Review", "position": {"x": 400, "y": 0},
             "steps": [{"id": "check", "kind": "interactive", "name": "Check",
                        "assignment": {"queue": QUEUE},
                        "form": [{"name": "ok", "label": "OK", "type": "boolean"}]}]},
            {"id": "done", "kind": "end", "name": "Done", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "prepare"},
            {"id": "e2", "source": "prepare", "target": "review"},
            {"id": "e3", "source": "review", "target": "done"},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ApiSession, str]]:
    """A running ``baton run`` with the examples; (URL, an admin's session, an API token)."""
    with live_server(tmp_path_factory.mktemp("server")) as url:
        admin = ApiSession(url)
        status, body = admin.call("POST", "/api/workflows", {"workflow": _workflow()})
        assert status == 201, body
        status, body = admin.call(
            "POST", f"/api/workflows/{WORKFLOW}/publish", {"revision": 1, "activate": True}
        )
        assert status in (200, 201), body
        status, body = admin.call("POST", "/api/tokens", {"username": "admin", "name": "ops"})
        assert status == 201, body
        yield url, admin, body["token"]


def _connection(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def _call(
    conn: http.client.HTTPConnection, method: str, path: str,
    body: bytes | None = None, headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:  # fmt: skip
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_the_canvas_loads(server: tuple[str, ApiSession, str]) -> None:
    url, _, _ = server
    with urllib.request.urlopen(f"{url}/cases", timeout=10) as page:  # a page path
        assert page.status == 200 and page.headers["Server"].startswith("gunicorn")
        html = page.read().decode()
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', html)
    assert scripts, html
    with urllib.request.urlopen(f"{url}{scripts[0]}", timeout=10) as asset:
        assert asset.status == 200 and "javascript" in asset.headers["Content-Type"]
        assert len(asset.read()) > 1000


def test_the_api_answers_over_one_kept_connection(server: tuple[str, ApiSession, str]) -> None:
    url, _, token = server
    conn = _connection(url)
    try:
        health, _ = _call(conn, "GET", "/api/health")
        sock = conn.sock
        assert health.status == 200 and not health.will_close
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        listed, body = _call(conn, "GET", "/api/workflows", headers=auth)
        assert listed.status == 200
        assert {"support-case", WORKFLOW} <= {w["id"] for w in json.loads(body)["workflows"]}
        # Refused before its body is read: the body must not be taken for the next request.
        refused, _ = _call(conn, "POST", "/api/workflows",
                           json.dumps({"workflow": {"id": "x" * 5000}}).encode(),
                           {"Content-Type": "application/json"})  # fmt: skip
        assert refused.status == 401
        ready, body = _call(conn, "GET", "/api/ready")
        assert ready.status == 200 and json.loads(body)["checks"] == {"database": "ok"}
        assert conn.sock is sock  # one connection all along
        closing, _ = _call(conn, "GET", "/api/health", headers={"Connection": "close"})
        assert closing.status == 200 and closing.will_close
    finally:
        conn.close()


def _metrics(url: str, token: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    request = urllib.request.Request(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_case_streams_live_and_shows_in_the_metrics(
    server: tuple[str, ApiSession, str],
) -> None:
    url, admin, token = server
    steps = ("baton_step_duration_seconds_count",
             (("action", "set_fields"), ("outcome", "succeeded")))  # fmt: skip
    before = _metrics(url, token).get(steps, 0.0)
    status, created = admin.call(
        "POST", "/api/cases", {"fields": {"subject": "Watched"}, "workflow_id": WORKFLOW}
    )
    assert status == 201, created
    case_id, run_id = created["case"]["id"], created["runs"][0]["id"]
    with LiveClient(url, token=token) as client:
        assert client.sio.transport() == "websocket"
        follower = client.follow(run_id)
        # The executor in the server's process runs the step after the commit.
        completed = follower.wait_for_kind("step.completed", timeout=30)
        assert completed["step_id"] == "mark"
        seen = follower.last_seq
        status, _ = admin.call("PATCH", f"/api/cases/{case_id}", {"changes": {"note": "live"}})
        assert status == 200
        follower.wait_for_seq(seen + 1, timeout=30)
        assert follower.events[seen]["kind"] == "case.updated"

    figures = _metrics(url, token)
    assert figures[steps] >= before + 1
    assert figures[("baton_store_up", ())] == 1
    assert figures[("baton_work_items_waiting", (("queue", QUEUE),))] == 1
    assert 0 <= figures[("baton_work_items_oldest_wait_seconds", (("queue", QUEUE),))] < 60
    # Every step of every case is done: nothing waits in the outbox, nothing lags.
    deadline = time.monotonic() + 10
    while figures[("baton_outbox_depth", (("kind", "run_step"), ("status", "pending")))]:
        assert time.monotonic() < deadline, "steps still waiting in the outbox"
        time.sleep(0.2)  # the demo cases' steps may still be running
        figures = _metrics(url, token)
    assert figures[("baton_outbox_lag_seconds", ())] < 5
    # The executor in the server's process is alive and says so.
    assert figures[("baton_worker_processes", ())] == 1
    [age] = [v for (name, _), v in figures.items() if name == "baton_worker_heartbeat_age_seconds"]
    assert 0 <= age < 30


def test_metrics_need_a_reader(server: tuple[str, ApiSession, str]) -> None:
    url, _, _ = server
    conn = _connection(url)
    try:
        response, _ = _call(conn, "GET", "/metrics")
        assert response.status == 401
    finally:
        conn.close()

