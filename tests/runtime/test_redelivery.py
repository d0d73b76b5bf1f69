"""Claims of gone worker processes come back at once; repeats and late answers are logged."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from typing import Any

from runtime_flows import T0, Flaky, background_flow, install_workflow, lookup_with
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from runtime import services
from runtime.db import session_scope
from runtime.engine.types import RunState
from runtime.executor import Worker
from runtime.executor.processes import this_process
from runtime.services import execution
from runtime.settings import Settings
from runtime.store.tables import (
    ExecutionRow,
    OutboxRow,
    OutboxStatus,
    WorkerProcessRow,
    utcnow,
)
from runtime.store.workflow_tables import WorkflowRow


def _gone_pid() -> int:
    """The pid of a process that has just ended on this machine."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _held_by(db: Engine, *, pid: int, host: str | None = None) -> tuple[str, str]:
    """A run whose step a worker process (``pid``) claimed and began, leases an hour long."""
    with session_scope(db) as s:
        if s.get(WorkflowRow, "auto") is None:
            install_workflow(s, background_flow(action="flaky", timeout_seconds=3600))
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        run_id = services.start_run(s, workflow_id="auto", case_id=case.id, actor="ada").id
    me = this_process()
    later = utcnow() + timedelta(hours=1)
    key = f"{run_id}:s0:1"
    with session_scope(db) as s:
        s.add(WorkerProcessRow(id="w-old", host=host or me.host, boot_id=me.boot_id, pid=pid,
                               pid_started="1"))  # fmt: skip
        s.execute(
            update(OutboxRow)
            .where(col(OutboxRow.run_id) == run_id, col(OutboxRow.kind) == "run_step")
            .values(status=OutboxStatus.CLAIMED, attempts=1, available_at=later, claimed_by="w-old")
        )
        s.add(ExecutionRow(key=key, run_id=run_id, step_id="s0", attempt=1, action="flaky",
                           deliveries=1, started_at=utcnow(), lease_until=later))  # fmt: skip
    return run_id, key


def _wait_completed(db: Engine, run_id: str, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        with session_scope(db) as s:
            if services.get_run(s, run_id=run_id).status == "completed":
                return True
        threading.Event().wait(0.05)
    return False


def test_a_started_worker_takes_back_a_gone_process_claims_at_once(sqlite_db: Engine) -> None:
    run_id, key = _held_by(sqlite_db, pid=_gone_pid())
    flaky = Flaky()
    flaky.failing = False
    published: list[dict[str, Any]] = []
    settings = Settings(worker_threads=2, clock_interval_seconds=0.05)
    worker = Worker(settings, sqlite_db, get_action=lookup_with(flaky),
                    publisher=lambda _topic, data: published.append(data))  # fmt: skip
    with worker:
        assert _wait_completed(sqlite_db, run_id, 5), "the claim waited for its lease"
    assert flaky.calls == {key: 1}
    with session_scope(sqlite_db) as s:
        log = services.read_log(s, run_id=run_id)
        lines = [(e.kind, e.actor, e.data.get("idempotency_key")) for e in log]
        assert ("step.redelivered", "worker", key) in lines
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(
            services.get_run(s, run_id=run_id).state
        )
        assert s.get(WorkerProcessRow, "w-old") is None  # forgotten once reclaimed
        assert s.get(WorkerProcessRow, "w-new") is None
    streamed = [e for d in published for e in d["events"] if e["kind"] == "step.redelivered"]
    assert [(e["data"]["idempotency_key"], e["data"]["delivery"]) for e in streamed] == [(key, 2)]


def test_a_process_that_may_still_run_keeps_its_claims(sqlite_db: Engine) -> None:
    # Another worker in this very process, and one on another machine with a fresh
    # heartbeat: neither is certainly gone, so neither loses its claims early.
    for pid, host in ((this_process().pid, None), (_gone_pid(), "elsewhere")):
        run_id, _key = _held_by(sqlite_db, pid=pid, host=host)
        with session_scope(sqlite_db) as s:
            s.execute(update(WorkerProcessRow).values(pid_started=this_process().pid_started))
        worker = Worker(Settings(worker_threads=1), sqlite_db)
        worker.leases.process_id = "w-new"
        assert worker.leases.reclaim() == []
        with session_scope(sqlite_db) as s:
            assert s.get(WorkerProcessRow, "w-old") is not None
            s.execute(update(WorkerProcessRow).values(heartbeat_at=utcnow() - timedelta(hours=1)))
        # Silent for longer than dead_after_seconds: taken for gone, wherever it runs.
        assert worker.leases.reclaim() == [f"{run_id}:s0:1"]
        with session_scope(sqlite_db) as s:
            s.execute(update(OutboxRow).values(status=OutboxStatus.DONE))


def test_a_late_answer_for_a_finished_run_is_logged_as_ignored(db: Engine) -> None:
    with session_scope(db) as s:
        install_workflow(s, background_flow(action="flaky", timeout_seconds=5))
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        run_id = services.start_run(s, workflow_id="auto", case_id=case.id, actor="ada", now=T0).id
    with session_scope(db) as s:
        (outbox_id,) = [
            i for i, kind in execution.due_outbox(s, now=T0, limit=10) if kind == "run_step"
        ]
        job = execution.begin_step(s, outbox_id=outbox_id, now=T0, lease_margin_seconds=30,
                                   claim=True)  # fmt: skip
    assert job is not None
    with session_scope(db) as s:
        services.cancel_run(s, run_id=run_id, actor="sam", reason="duplicate", now=T0)
    with session_scope(db) as s:
        execution.finish_step(s, job=job, now=T0 + timedelta(seconds=2), outputs={"ok": 1})
    with session_scope(db) as s:
        last = services.read_log(s, run_id=run_id)[-1]
        assert (last.kind, last.step_id) == ("event.ignored", "s0")
        assert last.data["idempotency_key"] == job.key
        assert last.data["event"] == "step_completed"
        assert "cancelled" in last.data["reason"]
        assert services.get_run(s, run_id=run_id).status == "cancelled"
