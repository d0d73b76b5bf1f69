"""Publishing after commit, in-process or through the outbox, and drain's reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0, background_flow
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.settings import Settings
from runtime.store.tables import OutboxRow, TimerRow

Published = list[tuple[str, dict[str, Any]]]


def _worker(db: Engine, published: Published) -> Worker:
    settings = Settings(worker_threads=2, clock_interval_seconds=0.05)
    return Worker(settings, db, publisher=lambda topic, data: published.append((topic, data)))


def _start(db: Engine, workflow_id: str = "auto") -> str:
    with session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        return services.start_run(
            s, workflow_id=workflow_id, case_id=case.id, actor="ada", now=T0
        ).id


def _seqs(published: Published, run_id: str) -> list[int]:
    return [e["seq"] for _, d in published if d["run_id"] == run_id for e in d["events"]]


def _publish_entries(db: Engine) -> list[OutboxRow]:
    with session_scope(db) as s:
        return list(s.exec(select(OutboxRow).where(OutboxRow.kind == "publish")).all())


def test_a_worker_in_the_process_publishes_each_transition_after_its_commit(
    db: Engine, install: Any
) -> None:
    install(background_flow(steps=2))
    published: Published = []
    worker = _worker(db, published)
    with session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        run = services.start_run(s, workflow_id="auto", case_id=case.id, actor="ada", now=T0)
        assert published == []  # not before the commit
    assert _seqs(published, run.id) == list(range(1, run.seq + 1))
    worker.drain(now=T0)
    with session_scope(db) as s:
        final = services.get_run(s, run_id=run.id)
    assert final.status == "completed"
    assert _seqs(published, run.id) == list(range(1, final.seq + 1))
    assert published[-1][1]["status"] == "completed"
    assert _publish_entries(db) == []  # nothing went through the outbox


def test_a_rolled_back_transition_publishes_nothing(db: Engine, install: Any) -> None:
    install(background_flow())
    published: Published = []
    worker = _worker(db, published)
    with pytest.raises(RuntimeError), session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada", now=T0)
        services.start_run(s, workflow_id="auto", case_id=case.id, actor="ada", now=T0)
        raise RuntimeError("the request failed after starting the run")
    assert published == []
    run_id = _start(db)  # a later transaction publishes only what it committed
    assert {d["run_id"] for _, d in published} == {run_id}
    assert worker.drain(now=T0) > 0


def test_without_a_worker_in_the_process_updates_wait_in_the_outbox(
    db: Engine, install: Any
) -> None:
    install(background_flow())
    run_id = _start(db)  # as a web process whose executor runs elsewhere
    waiting = _publish_entries(db)
    assert waiting and all(entry.status == "pending" for entry in waiting)
    published: Published = []
    _worker(db, published).drain(now=T0)
    with session_scope(db) as s:
        final = services.get_run(s, run_id=run_id)
    assert final.status == "completed"
    assert _seqs(published, run_id) == list(range(1, final.seq + 1))
    assert all(entry.status == "done" for entry in _publish_entries(db))


def test_drain_fires_a_timer_changed_behind_the_workers_back(db: Engine, install: Any) -> None:
    install(background_flow(action="wait", inputs={"duration_minutes": {"type": "number",
                                                                        "value": 60}}))  # fmt: skip
    run_id = _start(db)
    published: Published = []
    worker = _worker(db, published)
    worker.drain(now=T0 + timedelta(minutes=1))  # the wait is due in an hour
    with session_scope(db) as s:
        assert services.get_run(s, run_id=run_id).status == "running"
    # Another process (no commit watcher here) brings the timer forward.
    with db.begin() as connection:
        connection.execute(update(TimerRow).values(due_at=T0 + timedelta(minutes=2)))
    worker.drain(now=T0 + timedelta(minutes=3))
    with session_scope(db) as s:
        assert services.get_run(s, run_id=run_id).status == "completed"
