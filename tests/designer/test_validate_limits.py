"""POST /api/validate costs each account no more than its role needs.

Non-designers may send up to 1 MiB; large documents are checked in a pool process, one
at a time per account; small ones inline, as the canvas sends them.
"""

from __future__ import annotations

import json
import multiprocessing
from functools import cache
from typing import Any

import pytest
import requests
from flask import Flask
from live_support import api_token, serve

from designer import validation_pool as pool
from designer.auth.testing import ensure_account
from designer.extensions import state
from graphs.generate import generate_workflow
from graphs.validation import validate
from runtime.actions import action_catalogue


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits scaled down (1 MiB -> 64 KiB, 256 KiB -> 16 KiB): the same rules on
    documents that are quick to make and check."""
    monkeypatch.setattr(pool, "OTHER_ROLES_MAX_BYTES", 64 * 1024)
    monkeypatch.setattr(pool, "INLINE_MAX_BYTES", 16 * 1024)


@cache
def _document(min_bytes: int) -> tuple[bytes, Any]:
    """A valid workflow document of at least ``min_bytes`` (as a validate body)."""
    nodes = 40
    while True:
        workflow = generate_workflow(nodes, seed=3)
        body = json.dumps({"workflow": workflow.model_dump(mode="json")}).encode()
        if len(body) >= min_bytes:
            return body, workflow
        nodes *= 2


def _post(client: Any, body: bytes) -> Any:
    return client.post("/api/validate", data=body, content_type="application/json")


def test_roles_other_than_designers_may_send_up_to_their_limit(app: Flask) -> None:
    body, workflow = _document(pool.OTHER_ROLES_MAX_BYTES + 1)
    for role in ("viewer", "agent", "supervisor"):
        refused = _post(app.test_client(user=f"{role}-1", role=role), body)
        assert refused.status_code == 413, role
        error = refused.get_json()["error"]
        assert error["code"] == "payload_too_large"
        assert error["details"] == {"max_bytes": pool.OTHER_ROLES_MAX_BYTES}
        assert role in error["message"]
    # A designer's is checked, in the pool, and the answer is the same as inline.
    answered = _post(app.test_client(), body)
    assert answered.status_code == 200, answered.get_data(as_text=True)
    expected = [p.model_dump(mode="json") for p in validate(workflow, actions=action_catalogue())]
    assert answered.get_json()["problems"] == expected


def test_small_documents_are_checked_for_every_role(app: Flask) -> None:
    body, workflow = _document(1)
    # Checked against the installed actions: a generated workflow has no errors, and
    # warnings of the data flow (fields its conditions read that nothing writes).
    expected = [p.model_dump(mode="json") for p in validate(workflow, actions=action_catalogue())]
    assert expected and all(p["severity"] == "warning" for p in expected)
    for role in ("viewer", "agent", "supervisor", "admin"):
        answered = _post(app.test_client(user=f"{role}-2", role=role), body)
        assert (answered.status_code, answered.get_json()) == (200, {"problems": expected}), role


def test_one_large_validation_at_a_time_per_account(app: Flask) -> None:
    body, _ = _document(pool.INLINE_MAX_BYTES + 1)
    client = app.test_client()
    account = ensure_account(client, "admin", "admin").account_id
    with pool.ValidationSlot(app, account):  # one of the account's is under way
        busy = _post(client, body)
        assert busy.status_code == 429
        assert busy.get_json()["error"]["code"] == "validation_busy"
        assert busy.headers["Retry-After"] == "2"
        # Another designer is not held up by it.
        assert _post(app.test_client(user="ada", role="admin"), body).status_code == 200
    assert _post(client, body).status_code == 200


def test_the_server_takes_a_bounded_number_of_large_validations(app: Flask) -> None:
    body, _ = _document(pool.INLINE_MAX_BYTES + 1)
    slots = [pool.ValidationSlot(app, 1000 + n) for n in range(pool.MAX_QUEUED)]
    for slot in slots:
        slot.__enter__()
    try:
        busy = _post(app.test_client(user="bo", role="admin"), body)
        assert (busy.status_code, busy.get_json()["error"]["code"]) == (429, "validation_busy")
    finally:
        for slot in slots:
            slot.__exit__(None, None, None)


def test_a_large_body_that_is_not_a_document_is_refused_saying_why(app: Flask) -> None:
    body, _ = _document(pool.INLINE_MAX_BYTES + 1)
    broken = body[:-1]  # the closing brace cut off
    answered = _post(app.test_client(), broken)
    assert answered.status_code == 400
    assert answered.get_json()["error"]["code"] == "malformed_json"
    extra = json.dumps({**json.loads(body), "note": 1}).encode()
    answered = _post(app.test_client(), extra)
    assert answered.status_code == 400
    assert answered.get_json()["error"]["code"] == "invalid_body"


def test_the_workflow_list_does_not_read_drafts_it_has_counted(app: Flask) -> None:
    from sqlalchemy import event

    from designer.extensions import state

    body, workflow = _document(1)
    client = app.test_client()
    created = client.post("/api/workflows", data=body, content_type="application/json")
    assert created.status_code == 201, created.get_data(as_text=True)
    assert client.get("/api/workflows").status_code == 200  # counts it (once per process)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = state(app).engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = client.get("/api/workflows").get_json()["workflows"]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [(w["id"], w["node_count"]) for w in listed] == [(workflow.id, len(workflow.nodes))]
    reads = [s for s in statements if "FROM workflow " in s or "FROM workflow\n" in s]
    assert reads and not any("draft" in s for s in reads), reads


def test_only_designers_may_read_a_stored_workflow_over_the_limit(app: Flask) -> None:
    body, workflow = _document(pool.OTHER_ROLES_MAX_BYTES + 1)
    admin = app.test_client()
    assert (
        admin.post("/api/workflows", data=body, content_type="application/json").status_code == 201
    )
    revision = admin.get(f"/api/workflows/{workflow.id}").get_json()["revision"]
    published = admin.post(f"/api/workflows/{workflow.id}/publish", json={"revision": revision})
    assert published.status_code in (200, 201), published.get_data(as_text=True)
    paths = [
        f"/api/workflows/{workflow.id}",
        f"/api/workflows/{workflow.id}/versions/1",
        f"/api/workflows/{workflow.id}/export",
        f"/api/workflows/{workflow.id}/export?version=1",
        f"/api/workflows/{workflow.id}/diff?from=1&to=draft",
    ]
    for role in ("viewer", "agent", "supervisor"):
        client = app.test_client(user=f"{role}-3", role=role)
        for path in paths:
            refused = client.get(path)
            assert refused.status_code == 403, (role, path)
            error = refused.get_json()["error"]
            assert error["code"] == "too_large_for_role"
            assert error["details"]["max_bytes"] == pool.OTHER_ROLES_MAX_BYTES
        listed = client.get("/api/workflows").get_json()["workflows"]
        assert [w["id"] for w in listed] == [workflow.id]  # the list still names it
    assert admin.get(paths[0]).status_code == 200


def test_a_chunked_body_past_the_role_limit_is_cut_off_and_refused(app: Flask) -> None:
    body, _ = _document(pool.OTHER_ROLES_MAX_BYTES + 1)
    token = api_token(state(app).engine, "vi", "viewer")
    chunks = (body[n : n + 8192] for n in range(0, len(body), 8192))  # no Content-Length
    with serve(app) as url:
        refused = requests.post(
            f"{url}/api/validate", data=chunks, timeout=30,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )  # fmt: skip
    assert refused.request.headers.get("Transfer-Encoding") == "chunked"
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"]["details"] == {"max_bytes": pool.OTHER_ROLES_MAX_BYTES}


def test_a_validation_process_that_dies_answers_429_and_the_next_gets_a_new_one(
    app: Flask,
) -> None:
    body, _ = _document(pool.INLINE_MAX_BYTES + 1)
    client = app.test_client()
    assert _post(client, body).status_code == 200  # the pool process is up
    children = multiprocessing.active_children()
    assert children
    for process in children:  # as the kernel's out-of-memory killer would
        process.kill()
        process.join()
    died = _post(client, body)
    assert (died.status_code, died.get_json()["error"]["code"]) == (429, "validation_busy")
    assert _post(client, body).status_code == 200
