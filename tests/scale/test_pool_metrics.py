"""Step latency by action reaches a Celery worker's probe ``/metrics`` from its pool processes.

Steps finish in the prefork pool's processes; the worker's main process serves the probe.
Its ``/metrics`` must count every step any pool process finished, one killed by SIGKILL
included, and keep answering.
"""

from __future__ import annotations

import os
import signal
import socket
import urllib.request
from collections import Counter
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from runtime.db import session_scope
from runtime.scale.relay import Relay
from runtime.store.tables import WorkerProcessRow
from tests.scale.conftest import CountingServer, Workers, wait_for
from tests.scale.flows import create_cases, flow, http_step, install, run_statuses

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(90)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int) -> dict[str, float]:
    """``baton_step_duration_seconds_count`` by outcome, for ``http_request`` steps."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        assert answer.status == 200
        text = answer.read().decode()
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "baton_step_duration_seconds_count"
                and sample.labels.get("action") == "http_request"
            ):
                counts[sample.labels["outcome"]] = sample.value
    return counts


def _pool_pids(engine: Engine) -> set[int]:
    """The pool processes that have performed a step (each is on record from its first)."""
    with session_scope(engine, read_only=True) as s:
        pids = s.exec(select(WorkerProcessRow.pid).where(col(WorkerProcessRow.pid) != os.getpid()))
        return set(pids.all())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_probe_metrics_count_the_steps_of_every_pool_process_a_killed_one_included(
    pg: tuple[Engine, str], workers: Workers, relay: Callable[..., Relay], server: CountingServer
) -> None:
    engine = pg[0]
    server.delay = 0.3  # calls overlap, so both pool processes take some
    install(engine, flow("calls", [http_step("call", server.url)]))
    port = _free_port()
    workers.start(concurrency=2, BATON_PROBE_PORT=str(port))
    relay()
    create_cases(engine, [f"case-{n}" for n in range(4)])
    wait_for(lambda: run_statuses(engine) == Counter(completed=4), 40, "4 runs to complete")
    wait_for(lambda: _scrape(port).get("succeeded") == 4, 10, "4 steps in the probe's metrics")
    pool = _pool_pids(engine)
    assert len(pool) == 2  # both pool processes finished steps: the probe summed them

    killed = min(pool)
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: not _alive(killed), 5, "the pool process to be gone")
    assert _scrape(port) == {"succeeded": 4}  # its steps still count; the probe answers

    create_cases(engine, ["case-4", "case-5"])  # done by the survivor and the replacement
    wait_for(lambda: run_statuses(engine) == Counter(completed=6), 40, "6 runs to complete")
    wait_for(lambda: _scrape(port).get("succeeded") == 6, 10, "6 steps in the probe's metrics")
    assert _scrape(port) == {"succeeded": 6} and len(server.calls) == 6
