"""The scale-out set-up the Procfile names, run as an operator runs it: the ``web``
process under gunicorn, the ``relay`` and a Celery ``worker``, Redis between them
(the broker and the stream), production settings.

A case created through the web process's REST API is started there; its run's events
reach a Socket.IO client of the web process after the worker process has published
them through Redis.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import free_port, stop, wait_healthy
from live_support import api_token, install

from designer.live.follow import LiveClient
from runtime.db import make_engine

REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not REDIS_URL, reason="needs BATON_TEST_REDIS_URL (with-services.sh)"),
]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if re.match(r"^\w+: ", line))


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The Procfile's processes on a fresh SQLite file; (web URL, database URL)."""
    database_url = f"sqlite:///{tmp_path / 'baton.db'}"
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "BATON_ENV": "production",
        "BATON_SECRET_KEY": "a production secret for this test only",
        "BATON_INSTANCE_PATH": str(tmp_path),
        "BATON_DATABASE_URL": database_url,
        "BATON_REDIS_URL": str(REDIS_URL),
        "BATON_LOAD_EXAMPLES": "false",
        "BATON_CLOCK_INTERVAL_SECONDS": "0.1",
        "BATON_WORKER_PROCESSES": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    commands = _procfile()
    log = (tmp_path / "processes.log").open("wb")
    processes = []
    try:
        for name in ("web", "relay", "worker"):
            processes.append(
                subprocess.Popen(
                    ["bash", "-c", f"exec {commands[name]}"],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, processes, timeout=30)
        yield url, database_url
    finally:
        for process in processes:
            stop(process)
        log.close()


def test_the_procfile_processes_serve_and_stream_a_case(deployed: tuple[str, str]) -> None:
    url, database_url = deployed
    engine = make_engine(database_url)  # the web process has migrated it
    try:
        install(engine)
        token = api_token(engine)
    finally:
        engine.dispose()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            f"{url}{path}", data=json.dumps(body).encode(), headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status in (200, 201)
            return json.loads(answer.read())

    created = call("POST", "/api/cases", {"fields": {"subject": "Printer on fire"}})
    case_id, run_id = created["case"]["id"], created["runs"][0]["id"]
    with LiveClient(url, token=token) as client:
        assert client.sio.transport() == "websocket"
        follower = client.follow(run_id)
        caught_up = created["runs"][0]["seq"]
        follower.wait_for_seq(caught_up, timeout=30)  # caught up from the log
        # Committed by the web process, published by the relay process through Redis:
        # only that path tells this follower that something new happened.
        changed = call("PATCH", f"/api/cases/{case_id}", {"changes": {"note": "called back"}})
        assert changed["case"]["fields"]["note"] == "called back"
        follower.wait_for_seq(caught_up + 1, timeout=30)
        assert follower.events[caught_up]["kind"] == "case.updated"
        assert [event["seq"] for event in follower.events] == list(
            range(1, len(follower.events) + 1)
        )
