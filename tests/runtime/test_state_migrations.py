"""Stored run state of an older format is upgraded on load: snapshots and input events.

A run written by the previous Baton (format 1: snapshots of version 1, input events
without a version) is loaded, moved on and replayed by today's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from runtime_flows import T0, review_flow
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from runtime import services
from runtime.db import session_scope
from runtime.engine.errors import UnsupportedRunStateVersion
from runtime.engine.state_migrations import (
    EVENT_MIGRATIONS,
    OLDEST_RUN_STATE_VERSION,
    RUN_STATE_SCHEMA_VERSION,
    SNAPSHOT_MIGRATIONS,
    upgrade_snapshot,
)
from runtime.engine.types import RunState
from runtime.store import state_cache
from runtime.store.tables import RunInputRow, RunRow

PREVIOUS = RUN_STATE_SCHEMA_VERSION - 1


def _paused_with_a_deferred_change(db: Engine, install: Any) -> tuple[str, str]:
    """A review run, paused, holding a case change for when it resumes: (run id, item key)."""
    install(review_flow(kind="record", on="create"))
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Refund"}, actor="ada", now=T0)
    with session_scope(db) as s:
        [run] = services.list_runs(s, case_id=case.id).items
        [item] = services.list_work_items(s, run_id=run.id)
        services.pause_run(s, run_id=run.id, actor="ada", now=T0)
    with session_scope(db) as s:
        services.update_case(
            s, case_id=case.id, changes={"subject": "Refund, urgent"}, actor="ada", now=T0
        )
    return run.id, item.key


def _written_by_the_previous_baton(db: Engine, run_id: str) -> None:
    """Rewrite the run's stored state as format 1 wrote it: no stamps on input events."""
    with session_scope(db) as s:
        row = s.get(RunRow, run_id)
        assert row is not None
        row.state = {**row.state, "schema_version": PREVIOUS}
        for stored in s.exec(select(RunInputRow).where(col(RunInputRow.run_id) == run_id)):
            stored.event = {k: v for k, v in stored.event.items() if k != "schema_version"}
            s.add(stored)
        s.add(row)
    state_cache.clear()  # the process kept today's snapshot; read the stored one


def test_a_previous_format_run_is_upgraded_replayed_and_moved_on(db: Engine, install: Any) -> None:
    run_id, key = _paused_with_a_deferred_change(db, install)
    _written_by_the_previous_baton(db, run_id)
    with session_scope(db) as s:
        stored = services.get_run(s, run_id=run_id).state
        assert stored["schema_version"] == PREVIOUS and stored["deferred"]
        replayed = services.replay_run(s, run_id=run_id)
    assert replayed == RunState.model_validate(upgrade_snapshot(stored))
    assert replayed.schema_version == RUN_STATE_SCHEMA_VERSION

    with session_scope(db) as s:  # loads the old snapshot, applies the deferred change
        services.resume_run(s, run_id=run_id, actor="ada", now=T0)
    with session_scope(db) as s:
        services.complete_work_item(s, key=key, data={"approved": True}, actor="ada", now=T0)
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.state["schema_version"]) == ("completed", RUN_STATE_SCHEMA_VERSION)
        assert run.state["case"]["subject"] == "Refund, urgent"
        # Old unstamped inputs and new stamped ones replay to the stored snapshot together.
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)


def test_an_input_event_of_a_newer_format_is_refused_by_name(db: Engine, install: Any) -> None:
    run_id, _ = _paused_with_a_deferred_change(db, install)
    with session_scope(db) as s:
        first = s.exec(select(RunInputRow).where(col(RunInputRow.run_id) == run_id)).first()
        assert first is not None
        first.event = {**first.event, "schema_version": RUN_STATE_SCHEMA_VERSION + 1}
        s.add(first)
    with session_scope(db) as s, pytest.raises(UnsupportedRunStateVersion, match="newer"):
        services.replay_run(s, run_id=run_id)


@pytest.mark.parametrize("table", [SNAPSHOT_MIGRATIONS, EVENT_MIGRATIONS])
def test_every_older_format_has_an_upgrade(table: Mapping[int, Any]) -> None:
    assert sorted(table) == list(range(OLDEST_RUN_STATE_VERSION, RUN_STATE_SCHEMA_VERSION))


def test_a_snapshot_older_than_the_oldest_is_refused() -> None:
    with pytest.raises(UnsupportedRunStateVersion, match="run snapshot has format version 0"):
        upgrade_snapshot({"schema_version": OLDEST_RUN_STATE_VERSION - 1})
