"""Moving 1,000 runs of the shipped support case to a version that renames a stage, removes
a step and adds a decision: while the executor runs, and cut off by SIGKILL then resumed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from migrate_support import MAPPING, WF, clone, install_both, stand_in, templates
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.engine.types import FINISHED_RUN_STATUSES, RunState, StepStatus
from runtime.executor import Worker
from runtime.services import migrations
from runtime.settings import Settings
from runtime.store import migrate
from runtime.store.migration_tables import MigrationRow
from runtime.store.tables import ExecutionRow, RunEventRow, RunRow, TimerRow, WorkItemRow

COPIES = 90  # 11 templates x (1 + 90) = 1,001 runs


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with 1,001 unfinished runs of version 1 over every stage."""
    path = tmp_path_factory.mktemp("support") / "seed.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    install_both(engine)
    clone(engine, templates(engine), COPIES)
    engine.dispose()
    return path


@pytest.fixture
def copy_of(seeded: Path, tmp_path: Path) -> Iterator[Any]:
    engines: list[Engine] = []

    def make(name: str) -> tuple[str, Engine]:
        path = tmp_path / f"{name}.db"
        shutil.copy(seeded, path)
        url = f"sqlite:///{path}"
        engines.append(make_engine(url))
        return url, engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def _move(engine: Engine) -> MigrationRow:
    return migrations.move_runs(
        engine, workflow_id=WF, from_version=1, to_version=2, mapping=MAPPING, by="ada",
        reason="routing is now assignment",
    )  # fmt: skip


def _picture(engine: Engine) -> dict[str, Any]:
    """Each run's place and work, without times: what two moves must agree on."""
    with session_scope(engine) as s:
        runs = s.execute(select(RunRow.id, RunRow.version, RunRow.state)).all()
        moved_lines = Counter(
            s.execute(select(RunEventRow.run_id).where(RunEventRow.kind == "run.migrated"))
            .scalars().all()
        )  # fmt: skip
        items = s.execute(select(WorkItemRow.run_id, WorkItemRow.key, WorkItemRow.status)).all()
        timers = s.execute(
            select(TimerRow.run_id, TimerRow.key).where(TimerRow.status == "pending")
        ).all()
    picture: dict[str, Any] = {}
    for run_id, version, state in runs:
        picture[run_id] = {
            "version": version, "node": state["node_id"], "status": state["status"],
            "seq": state["seq"], "moved": moved_lines[run_id],
            "steps": {k: (v["status"], v["attempt"], v["work_item_key"])
                      for k, v in state["steps"].items()},
            "items": sorted((k, st) for r, k, st in items if r == run_id),
            "timers": sorted(k for r, k in timers if r == run_id),
        }  # fmt: skip
    return picture


def _check_moved_or_listed(engine: Engine, job: MigrationRow, total: int) -> None:
    with session_scope(engine) as s:
        runs = s.execute(select(RunRow.id, RunRow.version, RunRow.status, RunRow.state)).all()
        lines = Counter(
            s.execute(select(RunEventRow.run_id).where(RunEventRow.kind == "run.migrated"))
            .scalars().all()
        )  # fmt: skip
        items = s.execute(
            select(WorkItemRow.run_id, WorkItemRow.key).where(WorkItemRow.status == "open")
        ).all()
    assert len(runs) == total
    # A run the executor finished before the move reached it is skipped, not moved.
    finished = [r for r in runs if r.version == 1 and r.status in FINISHED_RUN_STATUSES]
    left = [r for r in runs if r.version == 1 and r not in finished]
    assert job.status == "done" and job.moved + job.unmapped + len(finished) == total
    assert job.unmapped == len(left)
    assert all(lines[r.id] == 1 for r in runs if r.version == 2)
    assert all(lines[r.id] == 0 for r in left)
    # Runs left behind are the ones that were paging the duty manager (a step version 2
    # removed), each listed (fewer than the 100 listed) with its reason.
    assert {u["run_id"] for u in job.unmapped_runs} == {r.id for r in left}
    assert {(u["code"], u["step_id"]) for u in job.unmapped_runs} == {
        ("step_gone", "page_duty_manager")
    }
    # No work item doubled or lost: each open item is a waiting step's, and the other way.
    open_items = Counter(run_id for run_id, _ in items)
    keys = {key for _, key in items}
    for run in runs:
        waiting = [
            st["work_item_key"] for st in run.state["steps"].values()
            if st["status"] == StepStatus.WAITING
        ]  # fmt: skip
        assert open_items[run.id] == len(waiting), (run.id, waiting)
        assert set(waiting) <= keys


def test_a_thousand_runs_move_while_the_executor_runs(copy_of: Any) -> None:
    _, engine = copy_of("live")
    with session_scope(engine) as s:
        impact = migrations.migration_impact(
            s, workflow_id=WF, from_version=1, to_version=2, mapping=MAPPING
        )
    assert impact.runs == 1001
    stages = {"intake", "triage", "expedite", "routing", "execution", "escalation", "resolution"}
    assert set(impact.nodes) == stages  # spread over every stage
    assert impact.nodes["routing"].target_node == "assignment"
    assert impact.target_nodes["assignment"] == 1 + COPIES
    assert impact.nodes["expedite"].reasons["step_gone"][1] == 1 + COPIES
    assert (impact.movable, impact.unmapped) == (1001 - 91, 91)
    worker = Worker(
        Settings(worker_threads=2, clock_interval_seconds=0.05), engine, get_action=stand_in
    )
    worker.start()
    try:
        job = _move(engine)
    finally:
        worker.stop()
    # The executor finished some pages meanwhile: those runs could move after all; and
    # it finished some runs before the move reached them (skipped, not moved).
    with session_scope(engine) as s:
        places = s.execute(select(RunRow.version, RunRow.status)).all()
    finished = sum(1 for v, status in places if v == 1 and status in FINISHED_RUN_STATUSES)
    assert job.moved + finished >= impact.movable
    assert job.moved + job.unmapped + finished == 1001
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(ExecutionRow)).scalar_one() > 0
    _check_moved_or_listed(engine, job, 1001)
    with session_scope(engine) as s:
        moved = s.execute(select(RunRow.id, RunRow.state).where(RunRow.version == 2)).all()
        # Replay of moved runs gives their stored state: one of each place, and a sample.
        by_place = {(state["node_id"], tuple(sorted(state["steps"]))): run_id
                    for run_id, state in moved}  # fmt: skip
        sample = [*by_place.values(), *(run_id for run_id, _ in moved[::97])]
        for run_id in sample:
            stored = services.get_run(s, run_id=run_id).state
            assert services.replay_run(s, run_id=run_id).model_dump(mode="json") == stored


def _cli(url: str, *, capture: bool = True) -> subprocess.Popen[str]:
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from designer.cli import main; main()", "migrate", WF,
         "--from", "1", "--to", "2", "--map", "routing=assignment", "--by", "ada",
         "--reason", "routing is now assignment", "--json"],
        env={**os.environ, "DATABASE_URL": url}, stdout=out, stderr=out, text=True,
    )  # fmt: skip


def _moved_so_far(engine: Engine) -> int:
    # Read-only: on SQLite an ordinary session waits for the mover's write lock, and the
    # move could finish while this poll waits its turn.
    with session_scope(engine, read_only=True) as s:
        return int(s.execute(select(func.coalesce(func.sum(MigrationRow.moved), 0))).scalar_one())


def test_sigkill_mid_move_then_resume_gives_the_same_end_state(copy_of: Any) -> None:
    _, whole = copy_of("whole")
    job = _move(whole)
    expected = _picture(whole)
    url, cut = copy_of("cut")
    process = _cli(url, capture=False)
    deadline = time.monotonic() + 60
    while _moved_so_far(cut) < 150:
        assert process.poll() is None, "the move ended before it could be cut off"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    first = _moved_so_far(cut)
    assert 150 <= first < job.moved  # cut off mid-way
    with session_scope(cut) as s:
        (left,) = s.execute(select(MigrationRow)).scalars().all()
        assert left.status == "running"
    resumed = _cli(url)
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    with session_scope(cut) as s:
        (done,) = s.execute(select(MigrationRow)).scalars().all()
    assert done.id == left.id and done.status == "done"  # the same move, finished
    assert (done.moved, done.unmapped) == (job.moved, job.unmapped)
    assert _picture(cut) == expected
    _check_moved_or_listed(cut, done, 1001)


def test_nothing_finished_is_touched(copy_of: Any) -> None:
    _, engine = copy_of("finished")
    with session_scope(engine) as s:
        run_id = s.execute(select(RunRow.id).limit(1)).scalar_one()
        services.cancel_run(s, run_id=run_id, actor="ada", reason="duplicate")
    job = _move(engine)
    assert job.moved + job.unmapped == 1000
    with session_scope(engine) as s:
        run = services.get_run(s, run_id=run_id)
        assert run.version == 1 and RunState.model_validate(run.state).status in (
            FINISHED_RUN_STATUSES
        )
