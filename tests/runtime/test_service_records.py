"""create_case, start_run and the work item calls write with statements and answer with
records: what they answer is what the store holds, an ORM row the caller loaded earlier in
the transaction follows the write, and a refused call changes nothing. On SQLite and
PostgreSQL (where the item is locked after its case and run, as every writer locks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from runtime_flows import T0, review_flow, together
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from runtime import services
from runtime.db import session_scope
from runtime.engine.types import RunState
from runtime.errors import Conflict, FormValidationError, InvalidInput, NotFound
from runtime.store import statements as sql
from runtime.store.tables import CaseChangeRow, CaseRow, RunEventRow, RunRow, WorkItemRow

ON_CREATE = {"kind": "record", "on": "create"}


def _same(answer: Any, row: Any, columns: tuple[str, ...]) -> None:
    assert {name: getattr(answer, name) for name in columns} == {
        name: getattr(row, name) for name in columns
    }


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def _open_review(db: Engine, install: Any) -> tuple[str, str, str]:
    """A case whose create trigger started a review: (case id, run id, item key)."""
    install(review_flow(**ON_CREATE))
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Refund"}, actor="ada", now=T0)
    with session_scope(db) as s:
        [run] = services.list_runs(s, case_id=case.id).items
        [item] = services.list_work_items(s, run_id=run.id)
        return case.id, run.id, item.key


def _assert_replays(session: Session, run_id: str) -> RunRow:
    run = services.get_run(session, run_id=run_id)
    seqs = [e.seq for e in services.read_log(session, run_id=run_id)]
    assert seqs == list(range(1, run.seq + 1))
    assert services.replay_run(session, run_id=run_id) == RunState.model_validate(run.state)
    return run


# ---------------------------------------------------------------------------- cases and runs


def test_a_created_case_is_what_the_store_holds_and_its_trigger_runs(
    db: Engine, install: Any
) -> None:
    install(review_flow(**ON_CREATE))
    with session_scope(db) as s:
        case = services.create_case(
            s, fields={"subject": "Refund", "amount": 12}, actor="ada", external_id="X-1",
            case_id="c-1", now=T0,
        )  # fmt: skip
    assert (case.id, case.version, case.external_id, case.created_by) == ("c-1", 1, "X-1", "ada")
    with session_scope(db) as s:
        _same(case, s.get(CaseRow, "c-1"), sql.CASE_COLUMNS)
        history = s.exec(select(CaseChangeRow).where(CaseChangeRow.case_id == "c-1")).all()
        assert sorted((c.seq, c.field, c.old, c.new) for c in history) == [
            (1, "amount", None, 12), (1, "subject", None, "Refund"),
        ]  # fmt: skip
        [summary] = services.list_runs(s, case_id="c-1").items
        run = _assert_replays(s, summary.id)
        assert (run.workflow_id, run.status, run.node_id, run.inputs) == (
            "review", "running", "review", 1,
        )  # fmt: skip
        assert (run.started_at, run.updated_at) == (T0, T0)
        [item] = services.list_work_items(s, run_id=run.id)
        assert (item.case_id, item.assignee) == ("c-1", "ada")


def test_a_started_run_is_answered_as_the_store_holds_it(db: Engine, install: Any) -> None:
    install(review_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Refund"}, actor="ada", now=T0)
        started = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada", now=T0)
    with session_scope(db) as s:
        row = s.get(RunRow, started.id)
        _same(started, row, sql.RUN_COLUMNS)
        assert row is not None and started.state == row.state
        _assert_replays(s, started.id)


def test_a_refused_case_changes_nothing(db: Engine) -> None:
    with session_scope(db) as s:
        services.create_case(
            s, fields={"a": 1}, actor="ada", source="salesforce", external_id="X-1", case_id="c-1"
        )
    with pytest.raises(Conflict), session_scope(db) as s:
        services.create_case(s, fields={"a": 2}, actor="bo", case_id="c-1")
    with pytest.raises(Conflict) as clash, session_scope(db) as s:
        services.create_case(
            s, fields={"a": 3}, actor="bo", source="salesforce", external_id="X-1", case_id="c-2"
        )
    assert clash.value.current == "c-1"
    with session_scope(db) as s:  # the same external id from another source is another record
        services.create_case(s, fields={}, actor="bo", external_id="X-1", case_id="c-3")
    with session_scope(db) as s:
        assert s.get(CaseRow, "c-1").fields == {"a": 1}  # type: ignore[union-attr]
        assert s.get(CaseRow, "c-2") is None
        assert _count(s, CaseRow) == 2 and _count(s, CaseChangeRow) == 1


def test_a_case_the_caller_has_not_flushed_yet_is_seen(db: Engine) -> None:
    with pytest.raises(Conflict), session_scope(db) as s:
        s.add(CaseRow(id="c-1", fields={}, created_at=T0, updated_at=T0))
        services.create_case(s, fields={}, actor="ada", case_id="c-1")


# ---------------------------------------------------------------------------- work items


def test_completing_answers_the_stored_item_and_keeps_a_loaded_row_current(
    db: Engine, install: Any
) -> None:
    _case_id, run_id, key = _open_review(db, install)
    later = T0.replace(hour=10)
    with session_scope(db) as s:
        held = s.get(WorkItemRow, key)  # loaded before, as a permission check might
        assert held is not None and held.status == "open"
        done = services.complete_work_item(
            s, key=key, data={"approved": True}, actor="ada", now=later
        )
        assert (held.status, held.completed_by, held.completed_at, held.data) == (
            "completed", "ada", later, {"approved": True},
        )  # fmt: skip
    with session_scope(db) as s:
        row = s.get(WorkItemRow, key)
        _same(done, row, sql.WORK_ITEM_COLUMNS)
        run = _assert_replays(s, run_id)
        assert (run.status, run.node_id) == ("completed", "accepted")


def test_completing_refuses_unknown_closed_and_malformed_items(db: Engine, install: Any) -> None:
    _case_id, run_id, key = _open_review(db, install)
    with pytest.raises(NotFound), session_scope(db) as s:
        services.complete_work_item(s, key="no-such-item", data={}, actor="ada")
    for bad, error in (([1, 2], InvalidInput), ({"approved": "yes"}, FormValidationError)):
        with pytest.raises(error), session_scope(db) as s:
            services.complete_work_item(s, key=key, data=bad, actor="ada")  # type: ignore[arg-type]
        with session_scope(db) as s:  # nothing changed
            item = services.get_work_item(s, key=key)
            assert (item.status, item.data, item.completed_by) == ("open", {}, None)
            assert services.get_run(s, run_id=run_id).inputs == 1
    with session_scope(db) as s:
        services.complete_work_item(s, key=key, data={"approved": False}, actor="ada")
    with pytest.raises(Conflict) as closed, session_scope(db) as s:
        # Closed first: a second submission is told so, whatever its data.
        services.complete_work_item(s, key=key, data=[], actor="bo")  # type: ignore[arg-type]
    assert closed.value.current == "completed"
    with session_scope(db) as s:
        assert services.get_work_item(s, key=key).completed_by == "ada"
        assert services.get_run(s, run_id=run_id).inputs == 2


def test_reassigning_answers_the_stored_item_and_keeps_a_loaded_row_current(
    db: Engine, install: Any
) -> None:
    _case_id, run_id, key = _open_review(db, install)
    with session_scope(db) as s:
        held = s.get(WorkItemRow, key)
        moved = services.reassign_work_item(s, key=key, assignee="bo", actor="lead")
        assert held is not None and held.assignee == "bo"
    with session_scope(db) as s:
        _same(moved, s.get(WorkItemRow, key), sql.WORK_ITEM_COLUMNS)
        lines = _count(s, RunEventRow)
    with session_scope(db) as s:  # to the holder it has: nothing to do, nothing logged
        same = services.reassign_work_item(s, key=key, assignee="bo", actor="lead")
        assert same.assignee == "bo"
    with session_scope(db) as s:
        assert _count(s, RunEventRow) == lines
        _assert_replays(s, run_id)


def test_two_completions_at_once_one_wins_and_case_updates_beside_them_wait(
    db: Engine, install: Any
) -> None:
    case_id, run_id, key = _open_review(db, install)

    def complete(actor: str) -> Callable[[], None]:
        def job() -> None:
            with session_scope(db) as s:
                services.complete_work_item(s, key=key, data={"approved": True}, actor=actor)

        return job

    def update() -> None:
        with session_scope(db) as s:
            services.update_case(s, case_id=case_id, changes={"note": "x"}, actor="cy")

    errors = together(complete("ada"), complete("bo"), update)
    assert len(errors) == 1 and isinstance(errors[0], Conflict), errors
    with session_scope(db) as s:
        item = services.get_work_item(s, key=key)
        assert item.status == "completed" and item.completed_by in {"ada", "bo"}
        assert services.get_case(s, case_id=case_id).fields["note"] == "x"
        _assert_replays(s, run_id)
