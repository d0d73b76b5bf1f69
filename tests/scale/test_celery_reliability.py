"""At-least-once with keys on Celery: real PostgreSQL, Redis and worker processes.

The outbox is the truth and Celery the doorbell: a worker SIGKILLed mid-call, a flushed
broker, a timer far beyond the visibility timeout, many events racing on one run and a
step that kills every worker it reaches must each end with every case where it should
be, every effect performed as often as the documented redelivery allows.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import redis
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from runtime.db import session_scope
from runtime.scale.celery_app import QUEUE
from runtime.scale.relay import Relay
from runtime.store.tables import (
    ExecutionRow,
    OutboxRow,
    RunEventRow,
    TimerRow,
    TimerStatus,
    WorkerProcessRow,
    utcnow,
)
from tests.scale.conftest import CountingServer, Workers, wait_for
from tests.scale.flows import create_cases, flow, http_step, install, log_kinds, run_statuses
from tests.scale.flows import undone_outbox as undone

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(120)]

Pg = tuple[Engine, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_worker_killed_mid_call_the_step_completes_called_once_more(
    pg: Pg, workers: Workers, relay: Callable[..., Relay], server: CountingServer
) -> None:
    engine = pg[0]
    server.hang_first = threading.Event()
    install(engine, flow("calls", [http_step("call", server.url, timeout_seconds=30)]))
    workers.start()
    relay()
    create_cases(engine, ["case-1"])
    wait_for(lambda: len(server.calls) == 1, 30, "the first call")

    with session_scope(engine, read_only=True) as s:
        pid = s.exec(
            select(WorkerProcessRow.pid)
            .join(OutboxRow, col(OutboxRow.claimed_by) == col(WorkerProcessRow.id))
            .where(col(OutboxRow.kind) == "run_step")
        ).one()
    os.kill(pid, signal.SIGKILL)  # the pool process in the middle of the call

    wait_for(lambda: run_statuses(engine) == Counter(completed=1), 40, "the run to complete")
    # One call per delivery; a second only because the first died in the call.
    assert len(server.calls) == 2 and len(set(server.calls)) == 1
    assert log_kinds(engine)["step.redelivered"] == 1
    wait_for(lambda: undone(engine) == 0, 5, "the outbox to be done (publishes too)")


def test_broker_flushed_with_100_tasks_queued_every_step_runs_once(
    pg: Pg, workers: Workers, relay: Callable[..., Relay], server: CountingServer, redis_url: str
) -> None:
    engine = pg[0]
    install(engine, flow("calls", [http_step("call", server.url, timeout_seconds=3)]))
    create_cases(engine, [f"case-{n}" for n in range(100)])
    sender = relay(thread=False)
    assert sender.round() >= 100
    broker = redis.Redis.from_url(redis_url)
    assert broker.llen(QUEUE) == 100
    broker.flushdb()  # every queued task lost

    stop = threading.Event()
    runner = threading.Thread(target=sender.run, args=(stop,), daemon=True)
    runner.start()
    try:
        workers.start(concurrency=2)
        wait_for(lambda: run_statuses(engine) == Counter(completed=100), 90, "100 runs")
        wait_for(lambda: undone(engine) == 0, 5, "the outbox to be done (publishes too)")
    finally:
        stop.set()
        runner.join(10)
    calls = Counter(server.calls)
    assert len(calls) == 100 and set(calls.values()) == {1}


def test_two_hour_sla_timer_fires_once_with_a_60_s_visibility_timeout(
    pg: Pg, workers: Workers, relay: Callable[..., Relay], redis_url: str
) -> None:
    engine = pg[0]
    step = {"id": "answer", "kind": "interactive", "assignment": {"queue": "q"}}
    install(engine, flow("sla", [step], sla={"target_minutes": 120}))
    workers.start(BATON_VISIBILITY_TIMEOUT_SECONDS="60")
    start = utcnow()
    clock = [start]
    sender = relay(thread=False, clock=lambda: clock[0])
    create_cases(engine, ["case-1"])
    broker = redis.Redis.from_url(redis_url)

    def breach_timers(status: str) -> int:
        with session_scope(engine, read_only=True) as s:
            rows = s.exec(select(TimerRow).where(col(TimerRow.purpose) == "sla_breach")).all()
            return sum(1 for row in rows if row.status == status)

    assert breach_timers(TimerStatus.PENDING) == 1
    for minutes in (0, 30, 60, 119):  # not due: nothing waits in the broker as an ETA
        clock[0] = start + timedelta(minutes=minutes)
        sender.round()
        assert broker.llen(QUEUE) == 0
    clock[0] = start + timedelta(minutes=121)
    assert sender.round() == 1
    wait_for(lambda: breach_timers(TimerStatus.FIRED) == 1, 30, "the breach to fire")
    for minutes in (122, 125, 180, 600):  # well past the visibility timeout
        clock[0] = start + timedelta(minutes=minutes)
        sender.round()
    threading.Event().wait(2)
    with session_scope(engine, read_only=True) as s:
        breached = s.exec(select(RunEventRow).where(col(RunEventRow.kind) == "sla.breached")).all()
    assert len(breached) == 1
    assert breach_timers(TimerStatus.FIRED) == 1 and broker.llen(QUEUE) == 0


def test_50_events_on_one_run_across_two_workers_applied_one_at_a_time(
    pg: Pg, workers: Workers, relay: Callable[..., Relay], server: CountingServer
) -> None:
    engine = pg[0]
    server.delay = 0.02
    steps = [http_step(f"s{n}", server.url) for n in range(50)]
    install(engine, flow("wide", steps))
    probes = free_port()
    workers.start(concurrency=2, BATON_PROBE_PORT=str(probes))
    workers.start(concurrency=2)
    relay()
    create_cases(engine, ["case-1"])
    wait_for(lambda: run_statuses(engine) == Counter(completed=1), 90, "the run to complete")
    with urllib.request.urlopen(f"http://127.0.0.1:{probes}/readyz", timeout=5) as answer:
        assert answer.status == 200  # the worker's probes: its database and broker answer

    calls = Counter(server.calls)
    assert len(calls) == 50 and set(calls.values()) == {1}
    with session_scope(engine, read_only=True) as s:
        events = s.exec(select(RunEventRow.seq, RunEventRow.kind)).all()
    seqs = sorted(seq for seq, _kind in events)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, no seq twice
    assert sum(1 for _seq, kind in events if kind == "step.completed") == 50
    workers.stop()  # a clean stop takes the pool processes off the record
    with session_scope(engine, read_only=True) as s:
        others = s.exec(select(WorkerProcessRow).where(WorkerProcessRow.pid != os.getpid())).all()
    assert others == []
    wait_for(lambda: undone(engine) == 0, 5, "the outbox to be done (publishes too)")


def test_step_that_kills_every_worker_becomes_an_incident(
    pg: Pg, workers: Workers, relay: Callable[..., Relay]
) -> None:
    engine = pg[0]
    retry = {"max_attempts": 2, "initial_backoff_seconds": 0.1}
    step = {"id": "boom", "kind": "background", "action": "die", "timeout_seconds": 5,
            "retry": retry}  # fmt: skip
    install(engine, flow("dies", [step]))
    workers.start(BATON_MAX_DELIVERIES="2")
    relay()
    create_cases(engine, ["case-1"])
    wait_for(lambda: run_statuses(engine) == Counter(incident=1), 90, "an incident")

    threading.Event().wait(3)  # and nothing is delivered after it
    with session_scope(engine, read_only=True) as s:
        executions = s.exec(select(ExecutionRow).order_by(col(ExecutionRow.attempt))).all()
    assert [(e.attempt, e.status, e.deliveries) for e in executions] == [
        (1, "failed", 3),
        (2, "failed", 3),
    ]
    assert "died during the call 2 times" in str(executions[-1].error)
    assert run_statuses(engine) == Counter(incident=1)
    wait_for(lambda: undone(engine) == 0, 5, "the outbox to be done (publishes too)")
