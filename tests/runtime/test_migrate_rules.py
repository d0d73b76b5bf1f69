"""What a move does to one run's work under way: steps carried, restarted or gone; work
items kept, issued again or withdrawn; SLA clocks and timers; fields the target requires.
Every moved run replays to its stored state."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from runtime_flows import T0, together
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from runtime import services
from runtime.db import session_scope
from runtime.engine.types import StepCompleted, TimerFired
from runtime.services import migrations
from runtime.services.run_events import apply_event, lock_run
from runtime.store.migration_tables import MigrationRow
from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import OutboxRow, RunEventRow, TimerRow, WorkItemRow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow
from runtime.versions import MappingInvalid, MigrationRunning, VersionPairInvalid

WF = "desk"


def desk() -> dict[str, Any]:
    """start -> work (fetch: background; review: a person, after nothing) -> done."""
    return {
        "id": WF,
        "name": "Desk",
        "case_schema": [{"name": "subject", "required": True}, {"name": "team"}],
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "sla": {"target_minutes": 60, "warning_minutes": 45},
                "steps": [
                    {"id": "fetch", "kind": "background", "action": "fetcher"},
                    {
                        "id": "review",
                        "kind": "interactive",
                        "name": "Review",
                        "assignment": {"queue": "desk"},
                        "form": [{"name": "ok", "type": "boolean", "required": True}],
                    },
                ],
            },
            {"id": "done", "kind": "end"},
        ],
        "edges": [
            {"id": "start--work", "source": "start", "target": "work"},
            {"id": "work--done", "source": "work", "target": "done"},
        ],
    }


def _stage(doc: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in doc["nodes"] if n["id"] == "work")


def _step(doc: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in _stage(doc)["steps"] if s["id"] == step_id)


def _rename_step(doc: dict[str, Any], old: str, new: str) -> None:
    _step(doc, old)["id"] = new


def _publish(session: Session, doc: dict[str, Any], version: int) -> None:
    row = session.get(WorkflowRow, WF)
    if row is None:
        row = WorkflowRow(id=WF, name="Desk", draft=doc, created_at=T0, updated_at=T0, revision=1)
    row.active_version = version
    session.add(row)
    session.add(
        WorkflowVersionRow(workflow_id=WF, version=version, definition=doc, published_at=T0)
    )
    session.flush()


Change = Callable[[dict[str, Any]], None]


def _setup(db: Engine, change: Change, *, fields: dict[str, Any] | None = None) -> str:
    """Version 1 and a run of it at ``work`` (fetch running, review waiting); version 2."""
    with session_scope(db) as s:
        _publish(s, desk(), 1)
        case = services.create_case(s, fields=fields or {"subject": "x"}, actor="ada", now=T0)
        run_id = services.start_run(s, workflow_id=WF, case_id=case.id, actor="ada", now=T0).id
    v2 = copy.deepcopy(desk())
    change(v2)
    with session_scope(db) as s:
        _publish(s, v2, 2)
    return run_id


def _move(db: Engine, mapping: dict[str, str] | None = None) -> Any:
    return migrations.move_runs(
        db, workflow_id=WF, from_version=1, to_version=2, mapping=mapping or {}, by="ada",
        reason="test",
    )  # fmt: skip


def _impact(db: Engine, mapping: dict[str, str] | None = None) -> Any:
    with session_scope(db) as s:
        return migrations.migration_impact(
            s, workflow_id=WF, from_version=1, to_version=2, mapping=mapping or {}
        )


def _after(db: Engine, run_id: str) -> dict[str, Any]:
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert services.replay_run(s, run_id=run_id).model_dump(mode="json") == run.state
        items = {i.key: i for i in s.exec(select(WorkItemRow)).all()}
        outbox = {o.idempotency_key: o.status for o in s.exec(select(OutboxRow)).all()
                  if o.kind == "run_step"}  # fmt: skip
        timers = {t.key: (t.status, t.due_at) for t in s.exec(select(TimerRow)).all()}
        lines = [e for e in s.exec(select(RunEventRow)).all() if e.kind == "run.migrated"]
        return {"run": run, "state": run.state, "items": items, "outbox": outbox,
                "timers": timers, "lines": lines}  # fmt: skip


def test_renamed_interactive_step_issues_its_item_again_under_a_new_key(db: Engine) -> None:
    run_id = _setup(db, lambda d: _rename_step(d, "review", "check"))
    flight = _impact(db, {"review": "check"}).in_flight
    assert (flight.work_items_reissued, flight.work_items_carried) == (1, 0)
    assert _move(db, {"review": "check"}).moved == 1
    after = _after(db, run_id)
    # The renamed step's attempts go on from the old step's: the new item is attempt 2.
    old, new = after["items"][f"{run_id}:review:1"], after["items"][f"{run_id}:check:2"]
    assert old.status == "cancelled" and "issued again" in (old.cancel_reason or "")
    assert (new.status, new.step_id, new.queue) == ("open", "check", "desk")
    assert after["state"]["steps"]["check"]["work_item_key"] == new.key
    # The person answers the new item and the run goes on (fetch still runs).
    with session_scope(db) as s:
        services.complete_work_item(s, key=new.key, data={"ok": True}, actor="ada")
        assert services.get_run(s, run_id=run_id).state["steps"]["check"]["status"] == "done"


def test_renamed_background_step_under_way_restarts_and_its_old_delivery_is_dropped(
    db: Engine,
) -> None:
    run_id = _setup(db, lambda d: _rename_step(d, "fetch", "load"))
    assert _impact(db, {"fetch": "load"}).in_flight.steps_restarted == 1
    _move(db, {"fetch": "load"})
    after = _after(db, run_id)
    assert after["outbox"][f"{run_id}:fetch:1"] == "done"  # superseded, never run
    assert after["outbox"][f"{run_id}:load:2"] == "pending"  # the fresh attempt
    assert after["state"]["steps"]["load"]["status"] == "running"


def test_same_step_same_action_carries_on_untouched(db: Engine) -> None:
    run_id = _setup(db, lambda d: None)
    _move(db)
    after = _after(db, run_id)
    assert after["outbox"] == {f"{run_id}:fetch:1": "pending"}
    assert after["items"][f"{run_id}:review:1"].status == "open"
    assert after["run"].version == 2 and len(after["lines"]) == 1


def test_an_item_whose_step_became_background_is_withdrawn(db: Engine) -> None:
    def to_background(doc: dict[str, Any]) -> None:
        steps = _stage(doc)["steps"]
        steps[1] = {"id": "review", "kind": "background", "action": "fetcher"}

    run_id = _setup(db, to_background)
    assert _impact(db).in_flight.work_items_cancelled == 1
    _move(db)
    after = _after(db, run_id)
    assert after["items"][f"{run_id}:review:1"].status == "cancelled"
    assert after["outbox"][f"{run_id}:review:2"] == "pending"


def test_a_new_step_of_the_stage_starts_at_once(db: Engine) -> None:
    def add(doc: dict[str, Any]) -> None:
        _stage(doc)["steps"].append({"id": "notes", "kind": "background", "action": "fetcher"})

    run_id = _setup(db, add)
    _move(db)
    assert _after(db, run_id)["outbox"][f"{run_id}:notes:1"] == "pending"


def test_a_changed_sla_re_times_the_clock_from_its_start(db: Engine) -> None:
    def slower(doc: dict[str, Any]) -> None:
        _stage(doc)["sla"] = {"target_minutes": 120, "warning_minutes": 90}

    run_id = _setup(db, slower)
    assert _impact(db).in_flight.timers_rescheduled == 1
    _move(db)
    after = _after(db, run_id)
    clock = after["state"]["sla"]
    assert clock["due_at"].startswith("2026-01-05T11:00")
    status, due = after["timers"][f"{run_id}:sla_warning:work:1"]
    assert status == "pending" and due.isoformat().startswith("2026-01-05T10:30")


def test_a_renamed_stage_re_keys_its_sla_timer(db: Engine) -> None:
    def rename(doc: dict[str, Any]) -> None:
        _stage(doc)["id"] = "desk_work"
        for edge in doc["edges"]:
            edge["source"] = edge["source"].replace("work", "desk_work")
            edge["target"] = edge["target"].replace("work", "desk_work")

    run_id = _setup(db, rename)
    _move(db, {"work": "desk_work"})
    timers = _after(db, run_id)["timers"]
    assert timers[f"{run_id}:sla_warning:work:1"][0] == "cancelled"
    assert timers[f"{run_id}:sla_warning:desk_work:1"] == (
        "pending", timers[f"{run_id}:sla_warning:work:1"][1],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: _stage(d)["steps"].pop(0), "step_gone"),
        (lambda d: _step(d, "review")["form"].clear(), "form_changed"),
        (lambda d: _step(d, "review")["form"].append(
            {"name": "why", "type": "string", "required": True}), "form_changed"),
        (lambda d: d["case_schema"].append({"name": "team", "required": True}) or
         d["case_schema"].pop(1), "missing_required_field"),
    ],
    ids=["step gone", "field removed", "field newly required", "case lacks a field"],
)  # fmt: skip
def test_runs_that_cannot_move_stay_and_say_why(db: Engine, change: Change, code: str) -> None:
    run_id = _setup(db, change)
    impact = _impact(db)
    assert (impact.movable, impact.unmapped) == (0, 1)
    assert impact.unmapped_runs[0].code == code and impact.unmapped_runs[0].run_id == run_id
    job = _move(db)
    assert (job.moved, job.unmapped, job.unmapped_runs[0]["code"]) == (0, 1, code)
    assert _after(db, run_id)["run"].version == 1


def test_a_plan_that_cannot_be_is_refused(db: Engine) -> None:
    _setup(db, lambda d: None)
    with pytest.raises(VersionPairInvalid, match="both 1"):
        _impact_of(db, 1, 1, {})
    with pytest.raises(MappingInvalid) as refused:
        _impact_of(db, 1, 2, {"wrok": "work", "fetch": "work"})
    assert refused.value.unknown == ["wrok"]
    assert "'fetch' is a step but 'work' is a node" in refused.value.message


def _impact_of(db: Engine, a: int, b: int, mapping: dict[str, str]) -> Any:
    with session_scope(db) as s:
        return migrations.migration_impact(
            s, workflow_id=WF, from_version=a, to_version=b, mapping=mapping
        )


def test_the_move_is_published_like_the_engines_lines(db: Engine) -> None:
    run_id = _setup(db, lambda d: None)
    _move(db)
    with session_scope(db) as s:
        published = [
            o.effect["data"] for o in s.exec(select(OutboxRow)).all()
            if o.kind == "publish" and o.effect["data"]["version"] == 2
        ]  # fmt: skip
    [update] = published
    assert update["run_id"] == run_id and update["node_id"] == "work"
    [line] = update["events"]
    assert (line["kind"], line["data"]["from_version"], line["data"]["by"]) == (
        "run.migrated", 1, "ada",
    )  # fmt: skip


def test_a_run_moved_twice_replays_each_stretch_on_its_version(db: Engine) -> None:
    run_id = _setup(db, lambda d: _rename_step(d, "fetch", "load"))
    _move(db, {"fetch": "load"})
    v3 = copy.deepcopy(desk())
    _rename_step(v3, "fetch", "load")
    _rename_step(v3, "review", "check")
    with session_scope(db) as s:
        _publish(s, v3, 3)
    migrations.move_runs(
        db, workflow_id=WF, from_version=2, to_version=3, mapping={"review": "check"},
        by="ada", reason="again",
    )  # fmt: skip
    after = _after(db, run_id)  # replays to the stored state
    assert after["run"].version == 3 and len(after["lines"]) == 2
    assert set(after["state"]["steps"]) == {"load", "check"}


def test_two_moves_started_at_once_one_wins_the_other_is_refused(db: Engine) -> None:
    _setup(db, lambda d: None)

    def start() -> None:
        with session_scope(db) as s:
            migrations.start_migration(
                s, workflow_id=WF, from_version=1, to_version=2, mapping={}, by="ada",
                reason="at once",
            )  # fmt: skip

    errors = together(start, start, start)
    assert len(errors) == 2 and all(isinstance(e, MigrationRunning) for e in errors)
    with session_scope(db) as s:
        assert len(s.exec(select(MigrationRow)).all()) == 1


def test_a_paused_run_holding_an_answer_for_a_renamed_step_stays(db: Engine) -> None:
    run_id = _setup(db, lambda d: _rename_step(d, "fetch", "load"))
    with session_scope(db) as s:
        services.pause_run(s, run_id=run_id, actor="ada", reason="hold")
        case, run = lock_run(s, run_id)
        answer = StepCompleted(step_id="fetch", attempt=1, outputs={})
        apply_event(s, run=run, case=case, event=answer, now=T0)  # held: the run is paused
    impact = _impact(db, {"fetch": "load"})
    assert [(u.code, u.step_id) for u in impact.unmapped_runs] == [("deferred_events", "fetch")]
    with session_scope(db) as s:
        services.resume_run(s, run_id=run_id, actor="ada")
    assert _impact(db, {"fetch": "load"}).movable == 1  # once it has caught up


def test_a_paused_run_holding_a_timer_of_a_renamed_stage_stays(db: Engine) -> None:
    def rename(doc: dict[str, Any]) -> None:
        _stage(doc)["id"] = "desk_work"
        for edge in doc["edges"]:
            edge["source"] = edge["source"].replace("work", "desk_work")
            edge["target"] = edge["target"].replace("work", "desk_work")

    run_id = _setup(db, rename)
    with session_scope(db) as s:
        services.pause_run(s, run_id=run_id, actor="ada", reason="hold")
        case, run = lock_run(s, run_id)
        fired = TimerFired(timer_key=f"{run_id}:sla_warning:work:1", purpose="sla_warning")
        apply_event(s, run=run, case=case, event=fired, now=T0)
    [unmapped] = _impact(db, {"work": "desk_work"}).unmapped_runs
    assert (unmapped.code, unmapped.step_id) == ("deferred_events", None)
    assert "'work'" in unmapped.message


def test_an_open_item_takes_its_steps_new_sla_from_when_it_opened(db: Engine) -> None:
    def with_sla(doc: dict[str, Any]) -> None:
        _step(doc, "review")["sla"] = {"target_minutes": 30}

    run_id = _setup(db, with_sla)
    _move(db)
    after = _after(db, run_id)
    item = after["items"][f"{run_id}:review:1"]
    assert item.status == "open" and item.due_at is not None
    assert item.due_at.isoformat().startswith("2026-01-05T09:30")
    assert after["timers"][f"{run_id}:sla_breach:work.review:1"][0] == "pending"
    with session_scope(db) as s:
        routing = s.get(WorkRoutingRow, item.key)
        assert routing is not None and routing.due_at == item.due_at
