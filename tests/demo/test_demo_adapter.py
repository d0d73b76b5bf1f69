"""The demo services seen through the http_request action: which hosts they answer, and when."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from runtime.actions import ActionError, get_action, run_action
from runtime.demo.adapter import DemoServicesAdapter, demo_session
from runtime.settings import Settings
from tests.action_contexts import action_context


def call(settings: Settings, **inputs: Any) -> dict[str, Any]:
    ctx = action_context(settings, step_id="classify")
    return run_action(get_action("http_request"), inputs, ctx).outputs


ON = Settings(demo_services=True)
OFF = Settings(demo_services=False)


# ---------------------------------------------------------------------------- the setting


def test_demo_services_are_on_in_development_and_off_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BATON_DEMO_SERVICES", raising=False)
    assert Settings(env="development").demo_services_enabled() is True
    assert Settings(env="production").demo_services_enabled() is False
    assert Settings(env="production", demo_services=True).demo_services_enabled() is True
    monkeypatch.setenv("BATON_DEMO_SERVICES", "false")
    assert Settings(env="development").demo_services_enabled() is False


# ---------------------------------------------------------------------------- on


def test_a_demo_host_is_answered_in_process() -> None:
    outputs = call(
        ON, method="POST", url="https://nlp.example.internal/v1/classify", json="Wrong VAT"
    )
    assert outputs["status"] == 200
    assert outputs["json"]["category"] == "billing"
    assert outputs["json"]["served_by"] == "baton demo nlp"
    assert outputs["text"] is None


def test_an_unknown_demo_path_is_an_incident_that_names_it() -> None:
    with pytest.raises(ActionError) as info:
        call(ON, method="POST", url="https://nlp.example.internal/v9/classify", json="x")
    assert not info.value.retryable  # a 404 will not pass on a later attempt
    assert info.value.message.startswith(
        "POST https://nlp.example.internal/v9/classify answered 404: "
    )
    assert "no demo endpoint POST nlp.example.internal/v9/classify" in info.value.message


def test_input_a_demo_service_cannot_use_is_refused_for_good() -> None:
    with pytest.raises(ActionError, match="answered 422") as info:
        call(ON, method="POST", url="https://payments.example.internal/v1/payouts", json=-1)
    assert not info.value.retryable
    assert "expected a positive amount" in info.value.message


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        self.server.seen.append(f"{self.path} {self.headers.get('Idempotency-Key')}")
        body = json.dumps({"from": "the local server"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_every_other_host_still_goes_over_the_network(server: _Server) -> None:
    host, port = server.server_address[:2]
    outputs = call(ON, method="POST", url=f"http://{host!s}:{port}/v1/classify", json="x")
    assert outputs["json"] == {"from": "the local server"}
    assert server.seen == ["/v1/classify r1:classify:1"]


class _Recorder(BaseAdapter):
    """Stands in for the network: records what the demo adapter passes on."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request.url or "")
        response = requests.Response()
        response.status_code = 204
        return response

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("url", "in_process"),
    [
        ("https://nlp.example.internal/v1/classify", True),
        ("http://NLP.Example.Internal./v1/classify", True),  # case and a trailing dot
        ("https://nlp.example.internal:8443/v1/classify", True),
        ("https://example.internal/v1/classify", False),  # the domain itself: no service
        ("https://nlp.example.internal.evil.test/v1/classify", False),
        ("https://nlp-example.internal/v1/classify", False),
        ("https://api.example.com/example.internal/v1", False),
    ],
)
def test_the_adapter_takes_only_hosts_under_example_internal(url: str, in_process: bool) -> None:
    network = _Recorder()
    session = requests.Session()
    session.mount("http://", DemoServicesAdapter(fallback=network))
    session.mount("https://", DemoServicesAdapter(fallback=network))
    with session:
        response = session.post(url, json="Invoice wrong")
    assert (network.sent == []) is in_process
    assert response.status_code == (200 if in_process else 204)


def test_a_streamed_body_is_refused_with_a_clear_error() -> None:
    with demo_session() as session:
        response = session.post("https://nlp.example.internal/v1/classify", data=iter([b'"text"']))
    assert response.status_code == 400
    assert "demo services take a JSON body" in response.json()["error"]


# ---------------------------------------------------------------------------- off


def test_with_demo_services_off_a_demo_host_fails_as_before() -> None:
    with pytest.raises(ActionError) as info:
        call(OFF, method="POST", url="https://nlp.example.internal/v1/classify", json="x")
    assert info.value.retryable  # no connection: a later attempt might pass
    assert info.value.message.startswith("POST https://nlp.example.internal/v1/classify failed: ")
    assert "nlp.example.internal" in info.value.message.split("failed: ", 1)[1]
