"""The http_request action against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from runtime.actions import ActionError, get_action, run_action
from runtime.actions.http import MAX_BODY_BYTES
from tests.action_contexts import action_context


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    release: threading.Event  #: set at teardown so a deliberately slow handler ends
    seen: list[dict[str, Any]]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.route(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.route(json.loads(self.rfile.read(length)) if length else None)

    def route(self, payload: Any) -> None:
        self.server.seen.append(
            {"path": self.path, "json": payload, "key": self.headers.get("Idempotency-Key")}
        )
        if self.path == "/ok":
            self.send(200, json.dumps({"ticket": 42, "echo": payload}).encode())
        elif self.path == "/created":
            self.send(201, b"made it", "text/plain")
        elif self.path == "/fail":
            self.send(500, b"database on fire", "text/plain")
        elif self.path == "/busy":
            self.send(429, b"slow down", "text/plain")
        elif self.path == "/missing":
            self.send(404, json.dumps({"error": "no such ticket"}).encode())
        elif self.path == "/big":
            self.send(200, b"x" * (MAX_BODY_BYTES * 2), "text/plain")
        elif self.path == "/slow":
            self.server.release.wait(10)
            self.send(200, b"{}")


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.release = threading.Event()
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def url(server: _Server, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


CTX = action_context()


def call(**inputs: Any) -> dict[str, Any]:
    return run_action(get_action("http_request"), inputs, CTX).outputs


def test_success_returns_status_and_parsed_json(server: _Server) -> None:
    outputs = call(method="post", url=url(server, "/ok"), json={"case": "c1"})
    assert outputs["status"] == 200
    assert outputs["json"] == {"ticket": 42, "echo": {"case": "c1"}}
    assert outputs["text"] is None
    assert server.seen[0]["key"] == "r1:call:1"


def test_text_bodies_and_expected_status(server: _Server) -> None:
    outputs = call(url=url(server, "/created"), expected_status=201)
    assert outputs == {
        "status": 201,
        "json": None,
        "text": "made it",
        "truncated": False,
        "elapsed_ms": outputs["elapsed_ms"],
    }


def test_a_2xx_other_than_the_expected_status_fails(server: _Server) -> None:
    with pytest.raises(ActionError, match="answered 200") as info:
        call(url=url(server, "/ok"), expected_status=[201, 202])
    assert not info.value.retryable


def test_server_error_is_retryable(server: _Server) -> None:
    with pytest.raises(ActionError, match="answered 500: database on fire") as info:
        call(url=url(server, "/fail"))
    assert info.value.retryable


def test_too_many_requests_is_retryable(server: _Server) -> None:
    with pytest.raises(ActionError, match="429") as info:
        call(url=url(server, "/busy"))
    assert info.value.retryable


def test_not_found_is_not_retryable_and_quotes_the_response(server: _Server) -> None:
    with pytest.raises(ActionError, match="404") as info:
        call(url=url(server, "/missing"))
    assert not info.value.retryable
    assert "no such ticket" in info.value.message


def test_timeout_is_retryable(server: _Server) -> None:
    with pytest.raises(ActionError, match=r"timed out after 0\.2s") as info:
        call(url=url(server, "/slow"), timeout_seconds=0.2)
    assert info.value.retryable


def test_connection_refused_is_retryable(server: _Server) -> None:
    address = url(server, "/ok")
    server.shutdown()
    server.server_close()
    with pytest.raises(ActionError, match="failed") as info:
        call(url=address)
    assert info.value.retryable


def test_large_bodies_are_capped(server: _Server) -> None:
    outputs = call(url=url(server, "/big"))
    assert outputs["truncated"] is True
    assert len(outputs["text"]) == MAX_BODY_BYTES


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ActionError, match=r"url: .*http") as info:
        call(url="file:///etc/passwd")
    assert not info.value.retryable
