"""The run snapshots a process keeps between transitions never stand in for the stored one.

A process keeps the snapshot it committed for each run (``runtime.store.state_cache``) and
uses it while the row says the run has taken exactly as many inputs. These tests move a
run on where the process cannot see it (another engine, as another process would), and
roll transitions back, whole and by savepoint, then check the next transition starts
from what the database holds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0, review_flow
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.engine.types import RunState
from runtime.store import state_cache
from runtime.store.tables import CaseRow, RunRow


def _start(db: Engine, install: Any) -> tuple[str, str]:
    install(review_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Refund"}, actor="ada", now=T0)
        run = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada", now=T0)
        return case.id, run.id


def _stored(db: Engine, run_id: str) -> tuple[int, RunState]:
    with session_scope(db, read_only=True) as s:
        row = services.get_run(s, run_id=run_id)
        return row.inputs, RunState.model_validate(row.state)


def _assert_replays(db: Engine, run_id: str) -> None:
    with session_scope(db, read_only=True) as s:
        run = services.get_run(s, run_id=run_id)
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)
        seqs = [e.seq for e in services.read_log(s, run_id=run_id)]
        assert seqs == list(range(1, run.seq + 1))


def test_a_run_moved_on_by_another_process_is_read_from_the_store(
    db: Engine, install: Any
) -> None:
    case_id, run_id = _start(db, install)
    inputs, _ = _stored(db, run_id)
    with session_scope(db, read_only=True) as s:
        assert state_cache.kept(s, run_id, inputs) is not None  # this process wrote it
    other = make_engine(db.url.render_as_string(hide_password=False))
    try:
        with session_scope(other) as s:
            services.update_case(s, case_id=case_id, changes={"note": "elsewhere"}, actor="bo",
                                 now=T0 + timedelta(minutes=1))  # fmt: skip
    finally:
        other.dispose()
    # This process still keeps the older snapshot; the row has moved on past it.
    with session_scope(db) as s:
        services.pause_run(s, run_id=run_id, actor="ada", now=T0 + timedelta(minutes=2))
    inputs, state = _stored(db, run_id)
    assert state.case["note"] == "elsewhere"  # the other process's change was not lost
    assert state.status == "paused"
    _assert_replays(db, run_id)


def test_a_rolled_back_transition_leaves_nothing_kept(db: Engine, install: Any) -> None:
    case_id, run_id = _start(db, install)
    before_inputs, _ = _stored(db, run_id)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), session_scope(db) as s:
        services.update_case(s, case_id=case_id, changes={"note": "never"}, actor="ada",
                             now=T0 + timedelta(minutes=1))  # fmt: skip
        raise Boom
    with session_scope(db, read_only=True) as s:
        assert state_cache.kept(s, run_id, before_inputs + 1) is None
    with session_scope(db) as s:
        services.update_case(s, case_id=case_id, changes={"note": "kept"}, actor="ada",
                             now=T0 + timedelta(minutes=2))  # fmt: skip
    inputs, state = _stored(db, run_id)
    assert inputs == before_inputs + 1
    assert state.case["note"] == "kept"
    with session_scope(db, read_only=True) as s:
        assert state_cache.kept(s, run_id, inputs) == state
    _assert_replays(db, run_id)


def test_a_savepoint_rolled_back_keeps_nothing_of_its_transitions(
    db: Engine, install: Any
) -> None:
    _case_id, run_id = _start(db, install)
    inputs, _ = _stored(db, run_id)
    with session_scope(db) as s:
        savepoint = s.begin_nested()
        services.pause_run(s, run_id=run_id, actor="ada", now=T0 + timedelta(minutes=1))
        savepoint.rollback()
    assert _stored(db, run_id)[0] == inputs
    with session_scope(db, read_only=True) as s:
        assert state_cache.kept(s, run_id, inputs + 1) is None
    with session_scope(db) as s:
        services.cancel_run(s, run_id=run_id, actor="ada", now=T0 + timedelta(minutes=2))
    assert _stored(db, run_id)[1].status == "cancelled"
    _assert_replays(db, run_id)


def test_rows_the_session_loaded_see_the_transition_it_wrote(db: Engine, install: Any) -> None:
    case_id, run_id = _start(db, install)
    with session_scope(db) as s:
        case = s.exec(select(CaseRow).where(CaseRow.id == case_id)).one()
        run = s.exec(select(RunRow).where(RunRow.id == run_id)).one()
        services.update_case(s, case_id=case_id, changes={"note": "seen"}, actor="ada",
                             now=T0 + timedelta(minutes=1))  # fmt: skip
        # The rows loaded before the change show it, as the statements wrote it.
        assert case.fields["note"] == "seen"
        assert run.state["case"]["note"] == "seen"
        assert (case.version, run.inputs) == (2, 2)


def test_only_the_most_recently_moved_runs_are_kept(
    db: Engine, install: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state_cache, "MAX_RUNS", 2)
    install(review_flow())
    runs = []
    for n in range(3):
        with session_scope(db) as s:
            case = services.create_case(s, fields={"subject": f"S{n}"}, actor="ada", now=T0)
            run = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada",
                                     now=T0)  # fmt: skip
            runs.append(run.id)
    with session_scope(db, read_only=True) as s:
        kept = [state_cache.kept(s, run_id, _stored(db, run_id)[0]) for run_id in runs]
    assert kept[0] is None  # the least recently moved went first
    assert kept[1] is not None and kept[2] is not None
