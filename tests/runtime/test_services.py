"""The service layer end to end on SQLite and PostgreSQL: cases, runs, work items, commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0, gated_flow, review_flow
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.db import session_scope
from runtime.engine.types import RunState
from runtime.errors import Conflict, FormValidationError, InvalidCommand, InvalidInput, NotFound
from runtime.store.tables import OutboxRow, RunEventRow, WorkItemRow


def _start_review(
    db: Engine, install: Any, fields: dict[str, Any] | None = None
) -> tuple[str, str]:
    install(review_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields=fields or {"subject": "Refund"}, actor="ada", now=T0)
        run = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada", now=T0)
        return case.id, run.id


def _log(db: Engine, run_id: str) -> list[RunEventRow]:
    with session_scope(db) as s:
        return services.read_log(s, run_id=run_id)


def _assert_log_and_replay(db: Engine, run_id: str) -> None:
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        seqs = [e.seq for e in services.read_log(s, run_id=run_id)]
        assert seqs == list(range(1, run.seq + 1))
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)


def test_a_case_walks_through_review_with_a_form(db: Engine, install: Any) -> None:
    _case_id, run_id = _start_review(db, install)
    with session_scope(db) as s:
        [item] = services.list_work_items(s, run_id=run_id)
        assert (item.queue, item.assignee, item.status) == ("reviewers", "ada", "open")
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.node_id) == ("running", "review")
        key, seq_before = item.key, run.seq

    bad = {"approved": "yes", "tier": "bronze", "amount": True, "colour": "red"}
    with pytest.raises(FormValidationError) as refused, session_scope(db) as s:
        services.complete_work_item(s, key=key, data=bad, actor="ada", now=T0)
    assert refused.value.field_errors == {
        "colour": "unknown field",
        "approved": "expected true or false",
        "tier": "'bronze' is not one of: gold, silver",
        "amount": "expected a number",
    }
    with pytest.raises(FormValidationError) as missing, session_scope(db) as s:
        services.complete_work_item(s, key=key, data={"note": "hm"}, actor="ada", now=T0)
    assert missing.value.field_errors == {"approved": "required"}
    with session_scope(db) as s:  # nothing changed
        assert services.get_work_item(s, key=key).status == "open"
        assert services.get_run(s, run_id=run_id).seq == seq_before
        assert len(services.read_log(s, run_id=run_id)) == seq_before

    later = T0 + timedelta(minutes=5)
    with session_scope(db) as s:
        services.complete_work_item(
            s, key=key, data={"approved": True, "tier": "gold"}, actor="ada", now=later
        )
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        item = services.get_work_item(s, key=key)
        assert (run.status, run.node_id, run.finished_at) == ("completed", "accepted", later)
        assert (item.status, item.completed_by, item.data) == (
            "completed", "ada", {"approved": True, "tier": "gold"},
        )  # fmt: skip
        decision = [e for e in services.read_log(s, run_id=run_id) if e.kind == "decision.taken"]
        assert decision[0].data["outcome"] == "yes"
        with pytest.raises(Conflict):
            services.complete_work_item(s, key=key, data={"approved": False}, actor="bo")
    _assert_log_and_replay(db, run_id)


def test_reassignment_is_logged_and_replay_still_matches(db: Engine, install: Any) -> None:
    _case_id, run_id = _start_review(db, install)
    with session_scope(db) as s:
        [item] = services.list_work_items(s, assignee="ada")
        services.reassign_work_item(s, key=item.key, assignee="bo", actor="lead", reason="holiday")
    with session_scope(db) as s:
        assert services.list_work_items(s, assignee="ada") == []
        assert [i.key for i in services.list_work_items(s, assignee="bo")] == [item.key]
    last = _log(db, run_id)[-1]
    assert (last.kind, last.actor) == ("work_item.reassigned", "lead")
    assert last.data == {"work_item_key": item.key, "from": "ada", "to": "bo", "reason": "holiday"}
    _assert_log_and_replay(db, run_id)


def test_case_updates_keep_history_and_refuse_stale_versions(db: Engine) -> None:
    with session_scope(db) as s:
        case = services.create_case(s, fields={"priority": "low"}, actor="ada", now=T0)
    with session_scope(db) as s:
        services.update_case(s, case_id=case.id, changes={"priority": "high"}, actor="bo")
        services.update_case(s, case_id=case.id, changes={"priority": "high"}, actor="bo")
    with pytest.raises(Conflict), session_scope(db) as s:
        services.update_case(
            s, case_id=case.id, changes={"priority": "low"}, actor="cy", expected_version=1
        )
    with pytest.raises(InvalidInput), session_scope(db) as s:
        services.update_case(s, case_id=case.id, changes={"bad name!": 1}, actor="cy")
    with session_scope(db) as s:
        assert services.get_case(s, case_id=case.id).version == 2
        history = [(c.seq, c.actor, c.field, c.old, c.new) for c in
                   services.list_case_changes(s, case_id=case.id)]  # fmt: skip
    assert history == [(1, "ada", "priority", None, "low"), (2, "bo", "priority", "low", "high")]


def test_record_triggers_start_runs_on_create_or_on_update(db: Engine, install: Any) -> None:
    high = {"kind": "group", "rules": [{"kind": "rule", "field": "case.priority", "op": "eq",
                                        "value": "high"}]}  # fmt: skip
    install(review_flow("on-create", kind="record", on="create", condition=high))
    install(review_flow("on-update", kind="record", on="update", condition=high))
    with session_scope(db) as s:
        hot = services.create_case(s, fields={"priority": "high"}, actor="ada")
        cold = services.create_case(s, fields={"priority": "low"}, actor="ada")
    with session_scope(db) as s:
        assert [r.workflow_id for r in services.list_runs(s, case_id=hot.id).items] == ["on-create"]
        assert services.list_runs(s, case_id=cold.id).items == []
        services.update_case(s, case_id=cold.id, changes={"priority": "high"}, actor="bo")
        services.update_case(s, case_id=hot.id, changes={"subject": "x"}, actor="bo")
    with session_scope(db) as s:
        assert [r.workflow_id for r in services.list_runs(s, case_id=cold.id).items] == [
            "on-update"
        ]
        hot_runs = sorted(r.workflow_id for r in services.list_runs(s, case_id=hot.id).items)
        assert hot_runs == ["on-create", "on-update"]
        # A second matching update does not start a second run while one is active.
        services.update_case(s, case_id=cold.id, changes={"subject": "again"}, actor="bo")
    with session_scope(db) as s:
        assert len(services.list_runs(s, case_id=cold.id).items) == 1


def test_a_case_update_opens_a_waiting_stage_at_once(db: Engine, install: Any) -> None:
    install(gated_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields={"ready": False}, actor="ada")
        run = services.start_run(s, workflow_id="gated", case_id=case.id, actor="ada")
    with session_scope(db) as s:
        assert services.list_work_items(s, run_id=run.id) == []
        services.update_case(s, case_id=case.id, changes={"ready": True}, actor="bo")
    with session_scope(db) as s:
        assert [i.step_id for i in services.list_work_items(s, run_id=run.id)] == ["do"]
    _assert_log_and_replay(db, run.id)


def test_pause_resume_and_cancel(db: Engine, install: Any) -> None:
    _case_id, run_id = _start_review(db, install)
    with session_scope(db) as s:
        services.pause_run(s, run_id=run_id, actor="lead", reason="audit")
        with pytest.raises(InvalidCommand):
            services.pause_run(s, run_id=run_id, actor="lead")
    with session_scope(db) as s:
        [item] = services.list_work_items(s, run_id=run_id)
        services.complete_work_item(s, key=item.key, data={"approved": False}, actor="ada")
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.node_id) == ("paused", "review")  # recorded, not acted on
        services.resume_run(s, run_id=run_id, actor="lead")
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.node_id) == ("completed", "rejected")
        with pytest.raises(InvalidCommand):
            services.cancel_run(s, run_id=run_id, actor="lead")
    _assert_log_and_replay(db, run_id)

    with session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada")
        other = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada")
    with session_scope(db) as s:
        services.cancel_run(s, run_id=other.id, actor="lead", reason="duplicate")
    with session_scope(db) as s:
        assert services.get_run(s, run_id=other.id).status == "cancelled"
        [item] = services.list_work_items(s, run_id=other.id, status="cancelled")
        assert item.cancel_reason
        with pytest.raises(InvalidCommand):
            services.retry_step(s, run_id=other.id, actor="lead")
        with pytest.raises(NotFound):
            services.pause_run(s, run_id="nope", actor="lead")


def test_runs_list_by_filters_with_keyset_pages(db: Engine, install: Any) -> None:
    install(review_flow())
    install(gated_flow())
    started = []
    with session_scope(db) as s:
        case = services.create_case(s, fields={"ready": False}, actor="ada")
        for n in range(7):
            at = T0 + timedelta(seconds=n // 2)  # ties on started_at too
            wf = "review" if n % 2 else "gated"
            started.append(
                services.start_run(s, workflow_id=wf, case_id=case.id, actor="ada", now=at).id
            )
    seen: list[str] = []
    cursor = None
    with session_scope(db) as s:
        while True:
            page = services.list_runs(s, limit=3, cursor=cursor)
            seen += [r.id for r in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == 7 and set(seen) == set(started)
        assert len(services.list_runs(s, workflow_id="review").items) == 3
        assert len(services.list_runs(s, workflow_id="gated", node_id="work").items) == 4
        assert services.list_runs(s, status="completed").items == []
        with pytest.raises(InvalidInput):
            services.list_runs(s, status="bogus")
        with pytest.raises(InvalidInput):
            services.list_runs(s, cursor="!!!")


def test_read_log_from_a_sequence_number(db: Engine, install: Any) -> None:
    _case_id, run_id = _start_review(db, install)
    with session_scope(db) as s:
        everything = services.read_log(s, run_id=run_id)
        tail = services.read_log(s, run_id=run_id, after_seq=2)
        assert [e.seq for e in tail] == [e.seq for e in everything][2:]
        assert services.read_log(s, run_id=run_id, after_seq=everything[-1].seq) == []


def test_work_items_and_timers_commit_with_the_transition_that_made_them(
    db: Engine, install: Any
) -> None:
    install(review_flow())
    with pytest.raises(RuntimeError), session_scope(db) as s:
        case = services.create_case(s, fields={}, actor="ada")
        services.start_run(s, workflow_id="review", case_id=case.id, actor="ada")
        raise RuntimeError("the request failed after starting the run")
    with session_scope(db) as s:
        assert s.exec(select(WorkItemRow)).all() == []
        assert s.exec(select(OutboxRow)).all() == []
        assert services.list_runs(s).items == []
