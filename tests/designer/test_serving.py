"""``baton run``'s server keeps HTTP/1.1 connections open, and only when that is safe."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from flask import Flask
from live_support import api_token, serve

from designer.extensions import state


@pytest.fixture
def connection(app: Flask) -> Iterator[http.client.HTTPConnection]:
    with serve(app) as url:
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        yield conn
        conn.close()


def _call(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_requests_share_one_connection(
    app: Flask, connection: http.client.HTTPConnection
) -> None:
    token = api_token(state(app).engine)
    first, _ = _call(connection, "GET", "/api/health")
    sock = connection.sock
    assert first.status == 200 and first.getheader("Connection") != "close"
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created, body = _call(
        connection, "POST", "/api/cases", json.dumps({"fields": {"subject": "Kept"}}).encode(), auth
    )
    assert created.status == 201, body
    case_id = json.loads(body)["case"]["id"]
    changed, body = _call(
        connection,
        "PATCH",
        f"/api/cases/{case_id}",
        json.dumps({"changes": {"subject": "Still kept"}}).encode(),
        {**auth, "Prefer": "return=minimal"},
    )
    assert changed.status == 204 and body == b""
    again, body = _call(connection, "GET", f"/api/cases/{case_id}", headers=auth)
    assert again.status == 200 and json.loads(body)["case"]["fields"]["subject"] == "Still kept"
    assert connection.sock is sock


def test_a_body_left_unread_does_not_spill_into_the_next_request(
    connection: http.client.HTTPConnection,
) -> None:
    # Refused before its body is read (no account): the body's bytes must not be taken
    # for the start of the next request.
    body = json.dumps({"workflow": {"id": "x" * 5000}}).encode()
    refused, _ = _call(
        connection, "POST", "/api/workflows", body, {"Content-Type": "application/json"}
    )
    assert refused.status == 401
    sock = connection.sock
    health, text = _call(connection, "GET", "/api/health")
    assert health.status == 200 and json.loads(text)["status"] == "ok"
    assert connection.sock is sock


def test_a_client_that_asks_to_close_is_closed(connection: http.client.HTTPConnection) -> None:
    response, _ = _call(connection, "GET", "/api/health", headers={"Connection": "close"})
    assert response.status == 200 and response.getheader("Connection") == "close"
    assert response.will_close


def test_a_request_whose_body_end_is_unclear_ends_its_connection(
    connection: http.client.HTTPConnection,
) -> None:
    # Two lengths: a proxy in front might take the other one, and the rest of this body
    # for a request of its own.
    connection.putrequest("POST", "/api/validate")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", "2")
    connection.putheader("Content-Length", "2")
    connection.endheaders(b"{}")
    response = connection.getresponse()
    response.read()
    assert response.will_close
