"""What operators see: the store's gauges, step latencies, and the probes of worker processes."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from runtime_flows import T0, Flaky, background_flow, lookup_with, review_flow
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.executor import Worker
from runtime.observability.metrics import StoreCollector, exposition
from runtime.observability.probes import ProbeServer, serve_configured_probes, serve_probes
from runtime.observability.readiness import broker_problem, problems, ready_check
from runtime.settings import Settings
from runtime.store.tables import TimerRow, WorkerProcessRow, WorkItemRow

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _samples(text: str) -> Samples:
    """``(sample name, sorted labels) -> value`` of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _store_samples(db: Engine, now: Any) -> Samples:
    collector = StoreCollector(db, clock=lambda: now)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def _start(db: Engine, workflow_id: str) -> str:
    with session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        return services.start_run(
            s, workflow_id=workflow_id, case_id=case.id, actor="ada", now=T0
        ).id


def _step_sample(suffix: str, action: str, outcome: str) -> float:
    key = (f"baton_step_duration_seconds{suffix}", (("action", action), ("outcome", outcome)))
    return _samples(exposition().decode()).get(key, 0.0)


def _step_count(action: str, outcome: str) -> float:
    return _step_sample("_count", action, outcome)


def _step_seconds(action: str, outcome: str) -> float:
    return _step_sample("_sum", action, outcome)


def test_the_store_gauges_show_what_waits_and_for_how_long(db: Engine, install: Any) -> None:
    install(background_flow())
    queued = review_flow("queued")
    queued["nodes"][1]["steps"][0]["assignment"] = {"queue": "reviewers"}
    install(queued)
    step_run = _start(db, "auto")
    _start(db, "queued")
    with session_scope(db) as s:
        s.add(TimerRow(key="sla", run_id=step_run, due_at=T0 + timedelta(seconds=10),
                       purpose="sla", created_at=T0))  # fmt: skip
        s.add(WorkerProcessRow(id="w1", host="box", pid=42, started_at=T0, heartbeat_at=T0))
        [item] = s.exec(select(WorkItemRow)).all()
        assert (item.queue, item.assignee) == ("reviewers", None)

    later = T0 + timedelta(seconds=30)
    figures = _store_samples(db, later)
    assert figures[("baton_store_up", ())] == 1
    assert figures[("baton_outbox_depth", (("kind", "run_step"), ("status", "pending")))] == 1
    assert figures[("baton_outbox_depth", (("kind", "run_step"), ("status", "claimed")))] == 0
    assert figures[("baton_outbox_lag_seconds", ())] == pytest.approx(30, abs=1)
    assert figures[("baton_timers_due", ())] == 1
    assert figures[("baton_timer_lag_seconds", ())] == pytest.approx(20)
    assert figures[("baton_work_items_waiting", (("queue", "reviewers"),))] == 1
    assert figures[
        ("baton_work_items_oldest_wait_seconds", (("queue", "reviewers"),))
    ] == pytest.approx(30, abs=1)
    assert figures[("baton_worker_processes", ())] == 1
    heartbeat = ("baton_worker_heartbeat_age_seconds",
                 (("host", "box"), ("pid", "42"), ("worker", "w1")))  # fmt: skip
    assert figures[heartbeat] == pytest.approx(30)

    # Before anything is due, nothing lags.
    early = _store_samples(db, T0 - timedelta(minutes=5))
    assert early[("baton_outbox_lag_seconds", ())] == 0
    assert early[("baton_timers_due", ())] == 0
    assert early[("baton_timer_lag_seconds", ())] == 0


def test_a_store_that_does_not_answer_is_said_not_to_be_up() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        figures = _store_samples(engine, T0)
    finally:
        engine.dispose()
    assert figures == {("baton_store_up", ()): 0}


def test_steps_record_their_latency_by_action_once_committed(db: Engine, install: Any) -> None:
    flaky = Flaky()
    flaky.sleep = 0.05
    install(background_flow(action="flaky", max_attempts=2))
    _start(db, "auto")
    settings = Settings(worker_threads=2, clock_interval_seconds=0.05)
    worker = Worker(settings, db, get_action=lookup_with(flaky))
    failed, succeeded = _step_count("flaky", "failed"), _step_count("flaky", "succeeded")
    slept = _step_seconds("flaky", "succeeded")  # the registry is the process's: other tests add
    worker.drain(now=T0)  # fails, a retry timer waits
    assert _step_count("flaky", "failed") == failed + 1
    flaky.failing = False
    worker.drain(now=T0 + timedelta(seconds=5))
    assert _step_count("flaky", "succeeded") == succeeded + 1
    assert _step_count("flaky", "failed") == failed + 1
    assert _step_seconds("flaky", "succeeded") - slept >= 0.05  # the call slept 50 ms


@pytest.fixture
def probes() -> Iterator[tuple[ProbeServer, list[bool]]]:
    answer = [True]
    server = serve_probes(0, lambda: answer[0], "test-relay", host="127.0.0.1")
    yield server, answer
    server.stop()


def _get(port: int, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_probes_say_alive_ready_or_not_and_serve_metrics(
    probes: tuple[ProbeServer, list[bool]],
) -> None:
    server, answer = probes
    status, _, body = _get(server.port, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "process": "test-relay"}
    status, _, body = _get(server.port, "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"
    answer[0] = False
    status, _, body = _get(server.port, "/readyz")
    assert status == 503 and json.loads(body)["status"] == "not ready"
    status, content_type, body = _get(server.port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert {"baton_step_duration_seconds", "process_cpu_seconds"} <= names
    assert "baton_outbox_depth" not in names  # no store given: the process's own only
    status, _, body = _get(server.port, "/nowhere")
    assert status == 404 and "/healthz" in json.loads(body)["error"]


def test_a_readiness_check_that_breaks_means_not_ready() -> None:
    def broken() -> bool:
        raise RuntimeError("boom")

    server = serve_probes(0, broken, "broken", host="127.0.0.1")
    try:
        status, _, _ = _get(server.port, "/readyz")
        assert status == 503
        assert _get(server.port, "/healthz")[0] == 200  # alive all the same
    finally:
        server.stop()


def test_probes_serve_the_store_gauges_when_given_the_store(db: Engine) -> None:
    server = serve_probes(0, ready_check(db), "relay", host="127.0.0.1", store=db)
    try:
        assert _get(server.port, "/readyz")[0] == 200
        _, _, body = _get(server.port, "/metrics")
        assert ("baton_store_up", ()) in _samples(body.decode())
    finally:
        server.stop()


def test_readiness_names_what_does_not_answer(db: Engine) -> None:
    assert problems(db) == {"database": None}
    closed = "redis://127.0.0.1:1/0"
    found = problems(db, closed)
    assert found["database"] is None
    assert found["broker"] is not None and "broker does not answer" in found["broker"]
    assert not ready_check(db, closed)()
    assert ready_check(db)()
    assert "broker does not answer" in str(broker_problem("amqp://guest@127.0.0.1:1//"))
    assert broker_problem("memory://") is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_probes_are_served_where_baton_probe_port_says(db: Engine) -> None:
    assert serve_configured_probes(_settings(probe_port=None), db, "worker") is None
    settings = _settings(probe_port=_free_port(), redis_url=None)
    server = serve_configured_probes(settings, db, "worker")
    assert server is not None and server.port == settings.probe_port
    try:
        assert _get(server.port, "/readyz")[0] == 200
    finally:
        server.stop()
    # A broker that does not answer: not ready.
    settings = _settings(probe_port=_free_port(), redis_url="redis://127.0.0.1:1/0")
    server = serve_configured_probes(settings, db, "worker", store=True)
    assert server is not None
    try:
        assert _get(server.port, "/readyz")[0] == 503
        _, _, body = _get(server.port, "/metrics")
        assert ("baton_store_up", ()) in _samples(body.decode())
    finally:
        server.stop()
