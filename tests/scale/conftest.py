"""Real PostgreSQL, Redis and Celery worker processes for the scale-out tests.

The relay runs in the test's process (its clock can be simulated); the workers are
``celery -A runtime.scale.celery_app worker`` processes started here (prefork pools, so
the process performing a step can be SIGKILLed and its parent starts another).
Skipped without ``BATON_TEST_POSTGRES_URL`` and ``BATON_TEST_REDIS_URL`` (with-services.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import pytest
import redis
from celery import Celery
from sqlalchemy.engine import Engine

from runtime.db import make_engine
from runtime.scale.celery_app import QUEUE, configure
from runtime.scale.relay import Relay, Send

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL")


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("needs BATON_TEST_REDIS_URL (with-services.sh)")
    redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.fixture
def pg(postgres_url: str, redis_url: str) -> Iterator[tuple[Engine, str]]:
    """An engine on the emptied PostgreSQL test database, and its URL."""
    from tests.db_fixtures import wipe

    engine = make_engine(postgres_url)
    wipe(engine)
    yield engine, postgres_url
    engine.dispose()


@pytest.fixture
def send(redis_url: str) -> Iterator[Send]:
    """Sends tasks to the test's Redis, as the relay's default sends to the configured one."""
    app = Celery("baton-test-sender")
    configure(app, redis_url)

    def send(name: str, args: list[Any]) -> None:
        app.send_task(name, args=args, queue=QUEUE)

    yield send
    app.close()


class Workers:
    """Celery worker nodes started for one test; all stopped at its end."""

    def __init__(self, database_url: str, broker_url: str, log_dir: Path) -> None:
        self.database_url, self.broker_url, self.log_dir = database_url, broker_url, log_dir
        self.nodes: list[subprocess.Popen[bytes]] = []
        self.logs: list[BinaryIO] = []

    def start(self, *, concurrency: int = 1, **env: str) -> subprocess.Popen[bytes]:
        name = f"w{len(self.nodes)}"
        environment = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BATON_DATABASE_URL": self.database_url,
            "BATON_BROKER_URL": self.broker_url,
            "BATON_LEASE_MARGIN_SECONDS": "2",
            "BATON_DEMO_SERVICES": "false",
            **env,
        }
        environment.pop("DATABASE_URL", None)
        log = (self.log_dir / f"{name}.log").open("wb")
        self.logs.append(log)
        node = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "runtime.scale.celery_app", "worker",
             "--pool", "prefork", "--concurrency", str(concurrency), "-Q", QUEUE,
             "--hostname", f"{name}@%h", "--include", "tests.scale.dying_action",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.nodes.append(node)
        return node

    def stop(self) -> None:
        for node in self.nodes:
            if node.poll() is None:
                node.terminate()
        for node in self.nodes:
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait(5)
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(pg: tuple[Engine, str], redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(pg[1], redis_url, tmp_path)
    yield started
    started.stop()


@pytest.fixture
def relay(pg: tuple[Engine, str], send: Send) -> Iterator[Callable[..., Relay]]:
    """Starts a relay in a thread of this process (``clock`` etc. as given); stops it after."""
    stops: list[tuple[threading.Event, threading.Thread]] = []
    made_relays: list[Relay] = []

    def start(*, thread: bool = True, **kw: Any) -> Relay:
        kw.setdefault("poll_seconds", 0.1)
        kw.setdefault("lease_margin_seconds", 2.0)
        kw.setdefault("reclaim_seconds", 0.2)
        made = Relay(pg[0], send=send, **kw)
        made_relays.append(made)
        if thread:
            stop = threading.Event()
            runner = threading.Thread(target=made.run, args=(stop,), daemon=True)
            runner.start()
            stops.append((stop, runner))
        return made

    yield start
    for stop, runner in stops:
        stop.set()
        runner.join(10)
    for made in made_relays:  # one run by hand still holds the lead
        made.leadership.release()


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True
    calls: list[str]  #: the Idempotency-Key of every request, in order
    lock: threading.Lock
    delay: float
    hang_first: threading.Event | None  #: the first call waits for this (its worker dies)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/work"


class _Handler(BaseHTTPRequestHandler):
    server: CountingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.calls.append(str(self.headers["Idempotency-Key"]))
            first = len(self.server.calls) == 1
        if first and self.server.hang_first is not None:
            self.server.hang_first.wait(60)
        time.sleep(self.server.delay)
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
def server() -> Iterator[CountingServer]:
    made = CountingServer(("127.0.0.1", 0), _Handler)
    made.calls, made.lock, made.delay, made.hang_first = [], threading.Lock(), 0.0, None
    thread = threading.Thread(target=made.serve_forever, daemon=True)
    thread.start()
    yield made
    if made.hang_first is not None:
        made.hang_first.set()
    made.shutdown()
    made.server_close()


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
