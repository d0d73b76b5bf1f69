"""Group commit: the due steps of many runs settled in shared transactions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0, Flaky, background_flow, lookup_with
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.services import execution
from runtime.settings import Settings
from runtime.store.tables import OutboxRow, RunRow

RUNS = 12


def _start_runs(db: Engine, count: int = RUNS) -> list[str]:
    run_ids = []
    for _ in range(count):
        with session_scope(db) as s:
            case = services.create_case(s, fields={}, actor="ada", now=T0)
            run = services.start_run(s, workflow_id="auto", case_id=case.id, actor="ada", now=T0)
            run_ids.append(run.id)
    return run_ids


def _statuses(db: Engine) -> dict[str, str]:
    with session_scope(db) as s:
        return {run.id: run.status for run in s.exec(select(RunRow)).all()}


def _worker(db: Engine, *actions: Any) -> Worker:
    return Worker(Settings(worker_threads=2), db, get_action=lookup_with(*actions))


def test_the_due_steps_of_many_runs_share_a_commit(db: Engine, install: Any) -> None:
    install(background_flow(steps=2))
    run_ids = _start_runs(db)
    commits: list[int] = []

    def count(*_: Any) -> None:
        commits.append(1)

    event.listen(db, "commit", count)
    try:
        _worker(db).drain(now=T0)
    finally:
        event.remove(db, "commit", count)
    assert _statuses(db) == dict.fromkeys(run_ids, "completed")
    # 24 steps, one transaction each before group commit; now a group per drain round
    # (each round also reads what is due in a read-only transaction of its own).
    assert len(commits) <= 8, len(commits)


def test_outside_calls_of_a_group_are_made_after_their_claims_commit(
    db: Engine, install: Any
) -> None:
    flaky = Flaky()
    flaky.failing = False
    install(background_flow(action="flaky"))
    run_ids = _start_runs(db)
    _worker(db, flaky).drain(now=T0)
    assert _statuses(db) == dict.fromkeys(run_ids, "completed")
    assert flaky.calls == {f"{run_id}:s0:1": 1 for run_id in run_ids}


def test_a_group_that_fails_is_delivered_entry_by_entry_and_loses_none(
    db: Engine, install: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(background_flow())
    run_ids = _start_runs(db)
    bad = run_ids[3]
    real = execution.begin_step

    def begin_step(session: Any, *, outbox_id: int, **kwargs: Any) -> Any:
        entry = session.get(OutboxRow, outbox_id)
        if entry is not None and entry.run_id == bad:
            raise RuntimeError("this entry's delivery breaks")
        return real(session, outbox_id=outbox_id, **kwargs)

    monkeypatch.setattr(execution, "begin_step", begin_step)
    with pytest.raises(RuntimeError, match="breaks"):
        _worker(db).drain(now=T0)
    statuses = _statuses(db)
    assert statuses.pop(bad) == "running"  # not dropped: its entry is still due
    assert statuses == dict.fromkeys(set(run_ids) - {bad}, "completed")
    monkeypatch.setattr(execution, "begin_step", real)
    _worker(db).drain(now=T0)
    assert _statuses(db)[bad] == "completed"


def test_due_timers_fire_together_and_a_failing_one_costs_the_others_nothing(
    db: Engine, install: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait = {"duration_minutes": {"type": "number", "value": 1}}
    install(background_flow(action="wait", inputs=wait))
    run_ids = _start_runs(db, 5)
    worker = _worker(db)
    worker.drain(now=T0 + timedelta(seconds=30))
    bad = run_ids[2]
    real = execution.fire_timer

    def fire_timer(session: Any, *, key: str, now: Any) -> bool:
        if key.startswith(bad):
            raise RuntimeError("this timer breaks")
        return real(session, key=key, now=now)

    monkeypatch.setattr(execution, "fire_timer", fire_timer)
    with pytest.raises(RuntimeError, match="breaks"):
        worker.fire_due_timers(T0 + timedelta(minutes=2))
    statuses = _statuses(db)
    assert statuses.pop(bad) == "running"
    assert statuses == dict.fromkeys(set(run_ids) - {bad}, "completed")
    monkeypatch.setattr(execution, "fire_timer", real)
    assert worker.fire_due_timers(T0 + timedelta(minutes=2)) == 1
    assert _statuses(db)[bad] == "completed"
