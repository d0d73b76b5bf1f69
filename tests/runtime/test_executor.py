"""The executor: steps after commit, keyed delivery, retries into incidents, timers, threads."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0, Flaky, background_flow, lookup_with
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import session_scope
from runtime.engine.types import RunState
from runtime.executor import Worker
from runtime.settings import Settings
from runtime.store.tables import ExecutionRow, OutboxRow, TimerRow


def _worker(db: Engine, *actions: Any, **kwargs: Any) -> Worker:
    settings = Settings(worker_threads=2, clock_interval_seconds=0.05)
    return Worker(settings, db, get_action=lookup_with(*actions), **kwargs)


def _start(db: Engine, workflow_id: str = "auto", fields: dict[str, Any] | None = None) -> str:
    with session_scope(db) as s:
        case = services.create_case(s, fields=fields or {}, actor="ada", now=T0)
        return services.start_run(
            s, workflow_id=workflow_id, case_id=case.id, actor="ada", now=T0
        ).id


def _run(db: Engine, run_id: str) -> Any:
    with session_scope(db) as s:
        return services.get_run(s, run_id=run_id)


def _check_log(db: Engine, run_id: str) -> None:
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert [e.seq for e in services.read_log(s, run_id=run_id)] == list(range(1, run.seq + 1))
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)


def test_background_steps_run_after_commit_and_update_the_case(db: Engine, install: Any) -> None:
    install(background_flow(steps=2, inputs={"status": {"value": "done"}}))
    run_id = _start(db)
    assert _run(db, run_id).status == "running"  # nothing ran inside the transaction
    assert _worker(db).drain(now=T0) >= 2
    run = _run(db, run_id)
    assert (run.status, run.node_id) == ("completed", "end")
    with session_scope(db) as s:
        case = services.get_case(s, case_id=run.case_id)
        assert case.fields == {"status": "done"}
        changes = services.list_case_changes(s, case_id=case.id)
        assert [(c.actor, c.field, c.new) for c in changes] == [("step:s0", "status", "done")]
        executions = s.exec(select(ExecutionRow)).all()
        assert sorted((e.key, e.status, e.deliveries) for e in executions) == [
            (f"{run_id}:s0:1", "succeeded", 1), (f"{run_id}:s1:1", "succeeded", 1),
        ]  # fmt: skip
    _check_log(db, run_id)


def test_a_duplicate_delivery_never_runs_the_action_twice(db: Engine, install: Any) -> None:
    flaky = Flaky()
    flaky.failing = False
    install(background_flow(action="flaky"))
    run_id = _start(db)
    worker = _worker(db, flaky)
    worker.drain(now=T0)
    assert flaky.calls == {f"{run_id}:s0:1": 1}
    with session_scope(db) as s:  # the same entry delivered again, as after a lost ack
        s.execute(update(OutboxRow).values(status="pending", available_at=T0))
    worker.drain(now=T0)
    assert flaky.calls == {f"{run_id}:s0:1": 1}
    _check_log(db, run_id)


def test_a_call_held_under_a_live_lease_is_not_repeated_but_an_expired_one_is(
    db: Engine, install: Any
) -> None:
    flaky = Flaky()
    flaky.failing = False
    install(background_flow(action="flaky", timeout_seconds=5))
    run_id = _start(db)
    key = f"{run_id}:s0:1"
    with session_scope(db) as s:  # a worker died mid-call: its execution row says running
        lease = T0 + timedelta(seconds=35)
        s.add(ExecutionRow(key=key, run_id=run_id, step_id="s0", attempt=1, action="flaky",
                           deliveries=1, started_at=T0, lease_until=lease))  # fmt: skip
    worker = _worker(db, flaky, lease_margin_seconds=30)
    worker.drain(now=T0 + timedelta(seconds=1))
    assert flaky.calls == {}  # the other worker may still be on it
    worker.drain(now=T0 + timedelta(seconds=120))
    assert flaky.calls == {key: 1}  # lease gone: delivered again, at least once
    with session_scope(db) as s:
        execution = s.get(ExecutionRow, key)
        assert execution is not None
        assert (execution.status, execution.deliveries) == ("succeeded", 2)
    assert _run(db, run_id).status == "completed"


def test_failures_retry_by_policy_then_become_an_incident_to_retry(
    db: Engine, install: Any
) -> None:
    flaky = Flaky()
    install(background_flow(action="flaky", max_attempts=2))
    run_id = _start(db)
    worker = _worker(db, flaky)
    worker.drain(now=T0)
    assert _run(db, run_id).status == "running"  # a retry timer is waiting
    with session_scope(db) as s:
        [timer] = s.exec(select(TimerRow).where(TimerRow.status == "pending")).all()
        assert timer.purpose == "retry"
    worker.drain(now=T0 + timedelta(seconds=5))
    run = _run(db, run_id)
    assert run.status == "incident"
    assert run.state["incident"]["step_id"] == "s0"
    assert sorted(flaky.calls) == [f"{run_id}:s0:1", f"{run_id}:s0:2"]

    flaky.failing = False
    with session_scope(db) as s:
        services.retry_step(
            s, run_id=run_id, actor="admin", reason="fixed upstream", now=T0 + timedelta(seconds=6)
        )
    worker.drain(now=T0 + timedelta(seconds=10))
    run = _run(db, run_id)
    assert run.status == "completed"
    with session_scope(db) as s:
        assert services.get_case(s, case_id=run.case_id).fields == {"flaky_done": True}
    _check_log(db, run_id)


def test_an_incident_can_be_skipped(db: Engine, install: Any) -> None:
    flaky = Flaky()
    install(background_flow(action="flaky", max_attempts=1))
    run_id = _start(db)
    worker = _worker(db, flaky)
    worker.drain(now=T0)
    assert _run(db, run_id).status == "incident"
    with session_scope(db) as s:
        services.skip_step(s, run_id=run_id, actor="admin", reason="not needed", now=T0)
    worker.drain(now=T0)
    run = _run(db, run_id)
    assert (run.status, run.node_id) == ("completed", "end")
    with session_scope(db) as s:
        kinds = [e.kind for e in services.read_log(s, run_id=run_id)]
    assert "step.skipped" in kinds
    _check_log(db, run_id)


def test_an_unknown_action_fails_the_step_without_retries(db: Engine, install: Any) -> None:
    install(background_flow(action="no_such_action", max_attempts=5))
    run_id = _start(db)
    _worker(db).drain(now=T0)
    run = _run(db, run_id)
    assert run.status == "incident"
    assert "no_such_action" in run.state["incident"]["message"]


def test_a_slow_action_times_out(sqlite_db: Engine) -> None:
    from runtime_flows import install_workflow

    with session_scope(sqlite_db) as s:
        install_workflow(s, background_flow(action="flaky", timeout_seconds=0.2))
    flaky = Flaky()
    flaky.failing, flaky.sleep = False, 1.0
    run_id = _start(sqlite_db)
    _worker(sqlite_db, flaky).drain(now=T0)
    run = _run(sqlite_db, run_id)
    assert run.status == "incident"
    assert "timed out" in run.state["incident"]["message"]


def test_the_worker_threads_finish_runs_and_publish(sqlite_db: Engine) -> None:
    from runtime_flows import install_workflow

    with session_scope(sqlite_db) as s:
        install_workflow(s, background_flow(steps=3))
    finished = threading.Event()
    published: list[tuple[str, dict[str, Any]]] = []

    def publisher(topic: str, data: dict[str, Any]) -> None:
        published.append((topic, data))
        if data["status"] == "completed":
            finished.set()

    worker = _worker(sqlite_db, publisher=publisher)
    with worker:
        run_ids = [_start(sqlite_db) for _ in range(5)]
        deadline = threading.Event()
        for _ in range(200):
            with session_scope(sqlite_db) as s:
                if all(services.get_run(s, run_id=r).status == "completed" for r in run_ids):
                    break
            deadline.wait(0.05)
    for run_id in run_ids:
        assert _run(sqlite_db, run_id).status == "completed"
        _check_log(sqlite_db, run_id)
    assert finished.is_set()
    # Every published update carries its new log lines; together they are the whole log.
    for run_id in run_ids:
        seqs = [e["seq"] for _, d in published if d["run_id"] == run_id for e in d["events"]]
        assert sorted(seqs) == list(range(1, _run(sqlite_db, run_id).seq + 1))


def test_timers_fire_from_the_clock(db: Engine, install: Any) -> None:
    install(background_flow(action="wait", inputs={"duration_minutes": {"type": "number",
                                                                        "value": 1}}))  # fmt: skip
    run_id = _start(db)
    worker = _worker(db)
    worker.drain(now=T0 + timedelta(seconds=30))
    assert _run(db, run_id).status == "running"
    assert worker.fire_due_timers(T0 + timedelta(minutes=2)) == 1
    assert worker.fire_due_timers(T0 + timedelta(minutes=2)) == 0  # fired once only
    assert _run(db, run_id).status == "completed"


@pytest.mark.parametrize("threads", [1])
def test_stop_waits_for_running_steps(sqlite_db: Engine, threads: int) -> None:
    from runtime_flows import install_workflow

    with session_scope(sqlite_db) as s:
        install_workflow(s, background_flow(action="flaky"))
    flaky = Flaky()
    flaky.failing, flaky.sleep = False, 0.3
    worker = _worker(sqlite_db, flaky)
    worker.start()
    run_id = _start(sqlite_db)
    for _ in range(100):
        if flaky.calls:
            break
        threading.Event().wait(0.02)
    worker.stop()
    assert _run(sqlite_db, run_id).status == "completed"
