"""Crash recovery in seconds: SIGKILL during an HTTP step, restart at once, the call comes again.

The step's lease is its timeout (60 s) plus the worker's margin (30 s). A restarted
worker must not wait that out: it finds the process that held the claim gone and
delivers the step again within seconds, with the same ``Idempotency-Key``, and the run's
log, its export and the live stream say so (``step.redelivered`` naming the key).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.services.exports import export_run_log
from runtime.store.tables import ExecutionRow, RunRow

SCRIPT = Path(__file__).resolve().parent / "crash_http_worker.py"
REDELIVERY_BOUND_S = 15.0


class _Service(ThreadingHTTPServer):
    daemon_threads = True
    calls: list[tuple[float, str]]  #: (monotonic time, Idempotency-Key) per request
    release: threading.Event  #: the first call hangs until then (the worker dies in it)
    lock: threading.Lock


class _Handler(BaseHTTPRequestHandler):
    server: _Service

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        with self.server.lock:
            self.server.calls.append((time.monotonic(), self.headers["Idempotency-Key"]))
            first = len(self.server.calls) == 1
        if first:
            self.server.release.wait(30)
        body = json.dumps({"ok": True}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the caller was killed


@pytest.fixture
def service() -> Iterator[_Service]:
    server = _Service(("127.0.0.1", 0), _Handler)
    server.calls, server.release, server.lock = [], threading.Event(), threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def _spawn(url: str, service: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), url, service],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_for(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_step_cut_off_by_sigkill_is_delivered_again_within_seconds_of_the_restart(
    tmp_path: Path, service: _Service
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    address = f"http://127.0.0.1:{service.server_address[1]}/orders"
    first = _spawn(url, address)
    assert first.stdout is not None and first.stdout.readline().strip() == "STARTED"
    assert _wait_for(lambda: len(service.calls) == 1, 20), "the step never called out"
    first.send_signal(signal.SIGKILL)  # mid-call: the service holds the request open
    first.wait()
    first.stdout.close()

    restarted_at = time.monotonic()
    second = _spawn(url, address)
    try:
        assert _wait_for(lambda: len(service.calls) >= 2, 40), "the call never came again"
        out, _ = second.communicate(timeout=30)
    finally:
        second.kill()
    (_, key), (again_at, again_key) = service.calls[:2]
    delay = again_at - restarted_at
    print(f"repeated call {delay:.2f} s after the restart")
    assert again_key == key  # the far side can tell the repeat
    assert delay < REDELIVERY_BOUND_S, f"repeated only {delay:.1f} s after the restart"
    assert "ALL DONE" in out

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            run = s.exec(select(RunRow)).one()
            assert run.status == "completed"
            log = services.read_log(s, run_id=run.id, limit=1000)
            redelivered = [e for e in log if e.kind == "step.redelivered"]
            assert [
                (e.step_id, e.data["idempotency_key"], e.data["delivery"]) for e in redelivered
            ] == [("call", key, 2)]
            kinds = [e.kind for e in log]
            assert kinds.index("step.redelivered") < kinds.index("step.completed")
            exported = "".join(export_run_log(s, run_id=run.id, fmt="json"))
            assert "step.redelivered" in exported and key in exported
            execution = s.get(ExecutionRow, key)
            assert execution is not None and execution.deliveries == 2
    finally:
        engine.dispose()
