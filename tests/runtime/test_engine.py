"""The pure engine transition: stages, steps, decisions, loops, failures, admin, SLAs."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import timedelta

import pytest
from engine_helpers import T0, Harness, bg, linear, rule, stage, ui, with_decision
from pydantic import TypeAdapter, ValidationError

from graphs.model import EndNode
from runtime.engine import DefinitionError, InvalidEventError, compile_workflow, transition
from runtime.engine.effects import (
    CancelTimer,
    CancelWorkItem,
    CreateWorkItem,
    LogEvent,
    Publish,
    RunStep,
    ScheduleTimer,
)
from runtime.engine.types import (
    CaseCreated,
    RunIdentity,
    RunState,
    RunStatus,
    SlaClock,
    SlaLevel,
    StepCompleted,
    StepState,
    StepStatus,
    TimerFired,
    effect_from_json,
    effect_json,
    log_json,
)

# ---------------------------------------------------------------------------- stages


def test_a_stage_starts_its_parallel_steps_together_and_exits_when_all_are_done() -> None:
    h = Harness(linear(stage("work", bg("a"), bg("b"), ui("c"))))
    first = h.start(subject="Printer")
    assert [e.step_id for e in first.effects if isinstance(e, RunStep)] == ["a", "b"]
    (item,) = [e for e in first.effects if isinstance(e, CreateWorkItem)]
    assert item.work_item_key == "run1:c:1" and item.queue == "support"
    assert h.s.node_id == "work" and h.s.status is RunStatus.RUNNING

    h.complete("a", sent=True)
    h.submit("c", answer="done")
    assert h.s.node_id == "work", "b is still running"
    h.complete("b")
    assert h.s.status is RunStatus.COMPLETED and h.s.resolution == "resolved"
    assert h.path() == ["start", "work", "end"]
    assert h.s.step_outputs == {"a": {"sent": True}, "b": {}, "c": {"answer": "done"}}


def test_after_steps_wait_for_the_steps_they_name() -> None:
    h = Harness(linear(stage("work", bg("a"), bg("b", after=["a"]), bg("c", after=["a", "b"]))))
    h.start()
    assert h.started() == ["a"]
    assert h.status("b") is StepStatus.PENDING
    h.complete("a")
    assert h.started() == ["b"]
    h.complete("b")
    assert h.started() == ["c"]
    h.complete("c")
    assert h.s.status is RunStatus.COMPLETED


def test_stage_entry_condition_waits_until_a_case_update_satisfies_it() -> None:
    h = Harness(
        linear(stage("approve", bg("a"), entry_condition=rule("case.approved", "eq", True)))
    )
    h.start(approved=False)
    assert "stage.waiting" in h.kinds()
    assert "case.approved eq True (saw False)" in h.entries("stage.waiting")[0].data["reason"]
    assert h.started() == [] and h.s.stage_open is False

    h.update(minutes=5, other="x")
    assert h.kinds() == ["case.updated"], "still waiting, nothing else happens"
    h.update(minutes=5, approved=True)
    assert h.kinds()[:3] == ["case.updated", "stage.opened", "step.started"]
    assert h.started() == ["a"]


def test_a_pending_step_starts_as_soon_as_a_case_update_meets_its_entry_condition() -> None:
    h = Harness(
        linear(stage("work", bg("a"), bg("vip_call", entry_condition=rule("case.vip", "eq", True))))
    )
    h.start(vip=False)
    assert h.started() == ["a"]
    assert h.status("vip_call") is StepStatus.PENDING
    h.update(vip=True)
    assert h.started() == ["vip_call"], "re-evaluated at once, not on the next step event"


def test_a_step_whose_entry_condition_never_holds_is_skipped_with_the_reason() -> None:
    h = Harness(
        linear(
            stage(
                "work",
                bg("a"),
                bg("vip_call", entry_condition=rule("case.vip", "eq", True)),
                bg("after_vip", after=["vip_call"]),
            )
        )
    )
    h.start(vip=False)
    h.complete("a")
    (skipped,) = h.entries("step.skipped")
    assert skipped.step_id == "vip_call"
    assert "case.vip eq True (saw False)" in skipped.data["reason"]
    # A skipped step counts as finished: its dependent runs.
    assert h.started() == ["after_vip"]
    h.complete("after_vip")
    assert h.s.status is RunStatus.COMPLETED


def test_exit_condition_leaves_early_cancelling_the_rest_and_saying_so() -> None:
    h = Harness(
        linear(
            stage(
                "work",
                bg("lookup"),
                ui("review"),
                bg("later", after=["review"]),
                exit_condition=rule("case.status", "eq", "closed"),
            ),
            stage("wrap", bg("bye")),
        )
    )
    h.start(status="open")
    result = h.update(status="closed")
    exited = h.entries("stage.exited")[0]
    assert exited.data["early"] is True
    assert exited.data["cancelled"] == ["lookup", "review", "later"]
    assert "case.status eq 'closed' (saw 'closed')" in exited.data["reason"]
    cancelled = {e.step_id: e.data for e in h.entries("step.cancelled")}
    assert set(cancelled) == {"lookup", "review", "later"}
    assert all("exit condition held" in d["reason"] for d in cancelled.values())
    assert [e.work_item_key for e in result.effects if isinstance(e, CancelWorkItem)] == [
        "run1:review:1"
    ]
    assert h.s.node_id == "wrap" and h.started() == ["bye"]
    # The cancelled lookup finishing late changes nothing.
    late = h.send(StepCompleted(step_id="lookup", attempt=1))
    assert h.kinds(late) == ["event.ignored"] and h.s.node_id == "wrap"


def test_an_exit_condition_that_holds_on_entry_skips_the_stage_work() -> None:
    h = Harness(linear(stage("work", bg("a"), exit_condition=rule("case.status", "eq", "closed"))))
    result = h.start(status="closed")
    assert not [e for e in result.effects if isinstance(e, RunStep)]
    assert h.s.status is RunStatus.COMPLETED


def test_an_empty_stage_passes_straight_through() -> None:
    h = Harness(linear(stage("nothing")))
    h.start()
    assert h.s.status is RunStatus.COMPLETED and h.path() == ["start", "nothing", "end"]


# ---------------------------------------------------------------------------- decisions


def _priority_flow() -> Harness:
    return Harness(
        with_decision(
            stage("triage", bg("classify")),
            [
                ("urgent", rule("case.priority", "eq", "urgent"), "end"),
                ("high", rule("case.priority", "in", ["high", "urgent"]), "other_end"),
            ],
            default="end",
        )
    )


def test_a_decision_takes_the_first_outcome_that_holds_and_logs_why() -> None:
    h = _priority_flow()
    h.start(priority="urgent")
    h.complete("classify")
    (taken,) = h.entries("decision.taken")
    assert taken.data["outcome"] == "urgent" and taken.data["default"] is False
    assert taken.data["reason"] == "case.priority eq 'urgent' (saw 'urgent')"
    assert taken.data["rules"] == [
        {"field": "case.priority", "op": "eq", "value": "urgent", "seen": "urgent", "held": True}
    ]
    assert h.s.node_id == "end"


def test_a_decision_falls_back_to_the_default_and_names_the_rules_that_failed() -> None:
    h = _priority_flow()
    h.start(priority="low")
    h.complete("classify")
    (taken,) = h.entries("decision.taken")
    assert taken.data["outcome"] == "otherwise" and taken.data["default"] is True
    assert "urgent: case.priority eq 'urgent' (saw 'low')" in taken.data["reason"]
    assert [c["outcome"] for c in taken.data["not_taken"]] == ["urgent", "high"]


def test_a_decision_reads_the_latest_case_record() -> None:
    h = _priority_flow()
    h.start(priority="low")
    h.update(priority="high")
    h.complete("classify")
    assert h.entries("decision.taken")[0].data["outcome"] == "high"
    assert h.s.resolution == "rejected"


def test_a_decision_with_no_outcome_and_no_default_is_an_incident() -> None:
    h = Harness(
        with_decision(
            stage("triage", bg("classify")),
            [("yes", rule("case.ok", "eq", True), "end")],
            default=None,
        )
    )
    h.start(ok=False)
    h.complete("classify")
    assert h.s.status is RunStatus.INCIDENT and h.s.incident is not None
    assert h.s.incident.code == "no_outcome" and h.s.node_id == "decide"


def test_a_step_that_writes_the_case_is_seen_by_the_decision_right_after_it() -> None:
    h = _priority_flow()
    h.start(priority="low")
    h.send(
        StepCompleted(
            step_id="classify", attempt=1, outputs={}, case={**h.s.case, "priority": "urgent"}
        )
    )
    assert h.kinds()[:2] == ["case.updated", "step.completed"]
    assert h.entries("decision.taken")[0].data["outcome"] == "urgent"


# ---------------------------------------------------------------------------- loops


def _rework_flow(max_visits: int = 25, always: bool = False) -> Harness:
    loop_if = rule("case.always", "eq", True) if always else rule("step.work.answer", "eq", "again")
    return Harness(
        with_decision(
            stage("work", ui("work"), bg("note", after=["work"])),
            [("rework", loop_if, "work")],
            default="end",
            goto=["rework"],
            max_visits=max_visits,
        )
    )


def test_a_go_to_loop_starts_fresh_attempts_and_keeps_the_old_ones_in_the_log() -> None:
    h = _rework_flow()
    h.start()
    h.submit("work", answer="again")
    h.complete("note")
    assert h.s.node_id == "work" and h.s.visits["work"] == 2 and h.s.loops == 1
    assert h.attempt("work") == 2 and h.s.steps["work"].work_item_key == "run1:work:2"
    assert h.status("note") is StepStatus.PENDING
    assert "work" not in h.s.step_outputs, "the old attempt's answer is not read again"
    h.submit("work", answer="fine")
    assert h.attempt("note") == 2
    h.complete("note")
    assert h.s.status is RunStatus.COMPLETED
    started = [(e.step_id, e.data["attempt"]) for e in h.entries("step.started")]
    assert started == [("work", 1), ("note", 1), ("work", 2), ("note", 2)]
    keys = [e.work_item_key for e in h.effects if isinstance(e, CreateWorkItem)]
    assert keys == ["run1:work:1", "run1:work:2"], "idempotency keys never repeat"
    assert h.path() == ["start", "work", "decide", "work", "decide", "end"]
    goto = [e for e in h.entries("node.entered") if e.data["edge_kind"] == "goto"]
    assert [e.data["edge_id"] for e in goto] == ["e_rework"]


def test_the_loop_guard_turns_a_runaway_loop_into_an_incident() -> None:
    h = _rework_flow(max_visits=3, always=True)
    h.start(always=True)
    for _ in range(3):
        h.submit("work")
        h.complete("note")
    assert h.s.status is RunStatus.INCIDENT and h.s.incident is not None
    assert h.s.incident.code == "loop_guard"
    assert "'work'" in h.s.incident.message or "work" in h.s.incident.message
    assert "limit of 3" in h.s.incident.message
    assert h.s.node_id == "work" and h.s.visits["work"] == 4
    assert isinstance(h.last.effects[-1], Publish) and h.last.effects[-1].topic == "run.incident"
    rejected = h.admin("retry_step", "work")
    assert h.kinds(rejected) == ["admin.rejected"], "a loop guard is cancelled, not retried"
    h.admin("cancel")
    assert h.s.status is RunStatus.CANCELLED


# ---------------------------------------------------------------------------- failures


def test_a_failing_step_is_retried_with_backoff_then_becomes_an_incident() -> None:
    policy = {"max_attempts": 3, "initial_backoff_seconds": 10, "backoff_multiplier": 2}
    h = Harness(linear(stage("work", bg("call", action="http_request", retry=policy), ui("other"))))
    h.start()
    first = h.fail("call", "HTTP 503")
    assert h.status("call") is StepStatus.RETRY_WAIT
    (timer,) = [e for e in first.effects if isinstance(e, ScheduleTimer)]
    assert timer.purpose == "retry" and timer.due_at == T0 + timedelta(seconds=10)
    assert "try 1 of 3 failed; retrying in 10s" in h.entries("step.failed")[0].data["reason"]

    retried = h.fire("retry")
    (run,) = [e for e in retried.effects if isinstance(e, RunStep)]
    assert run.attempt == 2 and h.entries("step.started")[-1].data["retry_of"] == 1
    second = h.fail("call", "HTTP 503")
    (timer,) = [e for e in second.effects if isinstance(e, ScheduleTimer)]
    assert timer.due_at == h.now + timedelta(seconds=20)
    h.fire("retry")
    last = h.fail("call", "HTTP 500: down")
    assert h.s.status is RunStatus.INCIDENT and h.s.incident is not None
    assert h.s.incident.code == "step_failed" and h.s.incident.step_id == "call"
    assert "'call'" in h.s.incident.message and "HTTP 500: down" in h.s.incident.message
    assert "all 3 tries failed" in h.s.incident.message
    assert last.effects[-1].topic == "run.incident"  # type: ignore[union-attr]


def test_a_non_retryable_error_is_an_incident_at_once() -> None:
    h = Harness(linear(stage("work", bg("call"))))
    h.start()
    h.fail("call", "bad request", retryable=False)
    assert h.s.status is RunStatus.INCIDENT
    assert "not retryable" in h.s.incident.message  # type: ignore[union-attr]


def test_retry_step_runs_a_fresh_attempt_and_the_run_goes_on() -> None:
    h = Harness(linear(stage("work", bg("call", retry={"max_attempts": 1}))))
    h.start()
    h.fail("call")
    assert h.s.status is RunStatus.INCIDENT
    result = h.admin("retry_step", "call", reason="upstream fixed")
    assert h.s.status is RunStatus.RUNNING and h.s.incident is None
    (run,) = [e for e in result.effects if isinstance(e, RunStep)]
    assert run.attempt == 2
    assert h.entries("incident.resolved")[0].data["reason"] == "upstream fixed"
    h.complete("call")
    assert h.s.status is RunStatus.COMPLETED


def test_skip_step_finishes_the_failed_step_and_its_dependents_start() -> None:
    h = Harness(
        linear(stage("work", bg("call", retry={"max_attempts": 1}), bg("next", after=["call"])))
    )
    h.start()
    h.fail("call")
    h.admin("skip_step", "call")
    assert h.status("call") is StepStatus.SKIPPED
    assert h.started() == ["next"]


def test_admin_commands_that_do_not_fit_are_rejected_with_a_reason() -> None:
    h = Harness(linear(stage("work", bg("call"))))
    h.start()
    assert h.kinds(h.admin("retry_step", "call")) == ["admin.rejected"]
    assert h.kinds(h.admin("resume")) == ["admin.rejected"]
    h.fail("call", retryable=False)
    wrong = h.admin("skip_step", "other")
    assert "not 'other'" in wrong.log[0].data["reason"]
    assert h.s.status is RunStatus.INCIDENT


def test_events_for_the_rest_of_the_stage_wait_while_the_run_is_at_an_incident() -> None:
    h = Harness(linear(stage("work", bg("call", retry={"max_attempts": 1}), bg("other"))))
    h.start()
    h.fail("call")
    held = h.complete("other", done=1)
    assert h.kinds(held) == ["event.deferred"] and h.status("other") is StepStatus.RUNNING
    h.update(priority="high")
    assert h.s.case == {}, "held until the incident is resolved"
    result = h.admin("retry_step", "call")
    assert h.status("other") is StepStatus.DONE and h.s.case == {"priority": "high"}
    (run,) = [e for e in result.effects if isinstance(e, RunStep)]
    assert run.attempt == 2


# ---------------------------------------------------------------------------- admin


def test_pause_holds_events_and_resume_applies_them_in_order() -> None:
    h = Harness(linear(stage("work", bg("a"), bg("b", after=["a"]))))
    h.start()
    h.admin("pause", reason="customer asked")
    assert h.s.status is RunStatus.PAUSED
    held = h.complete("a")
    assert h.kinds(held) == ["event.deferred"]
    assert h.status("a") is StepStatus.RUNNING and not h.started(), "nothing starts while paused"
    h.update(note="x")
    assert len(h.s.deferred) == 2
    resumed = h.admin("resume")
    assert h.s.status is RunStatus.RUNNING and h.s.deferred == []
    kinds = h.kinds(resumed)
    assert kinds[0] == "run.resumed" and kinds.count("event.applied") == 2
    assert h.status("a") is StepStatus.DONE and h.started() == ["b"]
    assert h.s.case == {"note": "x"}


def test_cancel_withdraws_open_work_items_and_timers() -> None:
    h = Harness(
        linear(
            stage(
                "work",
                ui("review", sla={"target_minutes": 60}),
                bg("call", retry={"max_attempts": 2}),
                sla={"target_minutes": 240, "warning_minutes": 180},
            )
        )
    )
    h.start()
    h.fail("call")
    result = h.admin("cancel", reason="duplicate case")
    assert h.s.status is RunStatus.CANCELLED and h.s.finished_at == h.now
    assert [e.work_item_key for e in result.effects if isinstance(e, CancelWorkItem)] == [
        "run1:review:1"
    ]
    cancelled = {e.timer_key for e in result.effects if isinstance(e, CancelTimer)}
    assert "run1:retry:work.call:1" in cancelled
    assert h.timers == {}, "every timer the run scheduled is cancelled"
    assert h.entries("run.cancelled")[0].data["reason"] == "duplicate case"
    assert result.effects[-1].topic == "run.finished"  # type: ignore[union-attr]
    after = h.complete("call")
    assert h.kinds(after) == ["event.ignored"] and "cancelled" in after.log[0].data["reason"]


# ---------------------------------------------------------------------------- SLAs


def test_stage_sla_timers_warn_breach_and_drive_an_escalating_exit() -> None:
    h = Harness(
        linear(
            stage(
                "work",
                ui("review"),
                sla={"target_minutes": 60, "warning_minutes": 45},
                exit_condition=rule("sla.state", "eq", "breached"),
            ),
        )
    )
    first = h.start()
    timers = {e.purpose: e.due_at for e in first.effects if isinstance(e, ScheduleTimer)}
    assert timers == {"sla_warning": T0 + timedelta(minutes=45)}, "one pending timer a clock"
    warned = h.fire("sla_warning")
    assert h.kinds() == ["sla.at_risk"] and h.s.node_id == "work"
    timers = {e.purpose: e.due_at for e in warned.effects if isinstance(e, ScheduleTimer)}
    assert timers == {"sla_breach": T0 + timedelta(minutes=60)}
    again = h.send(TimerFired(timer_key="run1:sla_warning:work:1", purpose="sla_warning"))
    assert h.kinds(again) == ["event.ignored"], "a repeated delivery changes nothing"
    h.fire("sla_breach")
    assert h.kinds()[0] == "sla.breached"
    exited = h.entries("stage.exited")[0]
    assert exited.data["early"] and exited.data["cancelled"] == ["review"]
    assert h.s.status is RunStatus.COMPLETED


def test_interactive_step_sla_sets_the_due_time_and_its_timers_are_cancelled_on_completion() -> (
    None
):
    h = Harness(
        linear(stage("work", ui("review", sla={"target_minutes": 120, "warning_minutes": 90})))
    )
    first = h.start()
    (item,) = [e for e in first.effects if isinstance(e, CreateWorkItem)]
    assert item.due_at == T0 + timedelta(minutes=120)
    h.fire("sla_warning", "work.review")
    assert h.kinds() == ["sla.at_risk"] and h.entries("sla.at_risk")[0].step_id == "review"
    done = h.submit("review", minutes=1)
    assert {e.timer_key for e in done.effects if isinstance(e, CancelTimer)} == {
        "run1:sla_breach:work.review:1"
    }


def test_sla_state_is_readable_by_a_decision_after_the_stage() -> None:
    h = Harness(
        with_decision(
            stage("work", ui("review"), sla={"target_minutes": 30}),
            [("late", rule("sla.state", "eq", "breached"), "other_end")],
            default="end",
        )
    )
    h.start()
    h.submit("review", minutes=31)  # the breach timer has not been delivered yet
    taken = h.entries("decision.taken")[0].data
    assert taken["outcome"] == "late", "the time itself says the SLA is breached"
    assert taken["rules"][0]["seen"] == "breached"


# ---------------------------------------------------------------------------- steps


def test_background_inputs_are_resolved_against_the_latest_case_and_step_outputs() -> None:
    h = Harness(
        linear(
            stage(
                "work",
                ui("ask"),
                bg(
                    "mail",
                    after=["ask"],
                    inputs={
                        "to": {"ref": "case.email"},
                        "subject": {"value": "Hello"},
                        "body": {"ref": "step.ask.answer"},
                        "missing": {"ref": "case.nope"},
                    },
                ),
            )
        )
    )
    h.start(email="old@example.com")
    h.update(email="new@example.com")
    result = h.submit("ask", answer="42")
    (run,) = [e for e in result.effects if isinstance(e, RunStep)]
    assert run.inputs == {
        "to": "new@example.com",
        "subject": "Hello",
        "body": "42",
        "missing": None,
    }
    assert run.action == "notify" and run.timeout_seconds == 60


def test_a_wait_step_is_a_durable_timer_not_an_action() -> None:
    h = Harness(
        linear(
            stage("cool_off", bg("wait", action="wait", inputs={"duration_minutes": {"value": 90}}))
        )
    )
    first = h.start()
    assert not [e for e in first.effects if isinstance(e, RunStep)]
    (timer,) = [e for e in first.effects if isinstance(e, ScheduleTimer)]
    assert timer.purpose == "wait" and timer.due_at == T0 + timedelta(minutes=90)
    h.fire("wait")
    assert h.s.status is RunStatus.COMPLETED
    assert h.entries("step.completed")[0].data["outputs"] == {"waited_minutes": 90.0}


def test_a_wait_step_without_a_duration_is_an_incident_naming_the_problem() -> None:
    h = Harness(linear(stage("cool_off", bg("wait", action="wait"))))
    h.start()
    assert h.s.status is RunStatus.INCIDENT
    assert "duration_minutes" in h.s.incident.message  # type: ignore[union-attr]


# ---------------------------------------------------------------------------- stale events


def test_stale_and_late_events_are_ignored_with_a_note() -> None:
    h = _rework_flow()
    h.start()
    h.submit("work", answer="again")
    h.complete("note")  # back in work, attempt 2
    old = h.send(StepCompleted(step_id="note", attempt=1))
    assert h.kinds(old) == ["event.ignored"] and "stale" in old.log[0].data["reason"]
    unknown = h.send(StepCompleted(step_id="ghost", attempt=1))
    assert "not part of the stage" in unknown.log[0].data["reason"]
    foreign = h.send(TimerFired(timer_key="other-run:retry:work.note:1", purpose="retry"))
    assert "does not belong" in foreign.log[0].data["reason"]
    left = h.send(TimerFired(timer_key="run1:sla_breach:elsewhere:1", purpose="sla_breach"))
    assert "has left" in left.log[0].data["reason"]
    again = h.send(CaseCreated(case={}))
    assert "already started" in again.log[0].data["reason"]
    h.submit("work", answer="ok")
    h.complete("note")
    late = h.send(StepCompleted(step_id="note", attempt=2))
    assert "already completed" in late.log[0].data["reason"]
    assert h.s.status is RunStatus.COMPLETED


# ---------------------------------------------------------------------------- contract


def test_a_new_run_needs_a_case_created_event_and_an_identity() -> None:
    d = compile_workflow(linear(stage("work", bg("a"))))
    with pytest.raises(InvalidEventError, match="case_created"):
        transition(d, None, StepCompleted(step_id="a", attempt=1), T0)
    with pytest.raises(InvalidEventError, match="identity"):
        transition(d, None, CaseCreated(case={}), T0)
    identity = RunIdentity(run_id="r", workflow_id="wf", version=3, case_id="c")
    result = transition(d, None, CaseCreated(case={"a": 1}), T0, identity=identity)
    assert (result.state.run_id, result.state.version, result.state.case_id) == ("r", 3, "c")
    assert result.log[0].kind == "run.started" and result.log[0].seq == 1


def test_compile_refuses_graphs_it_cannot_walk() -> None:
    with pytest.raises(DefinitionError, match="cycle"):
        compile_workflow(linear(stage("s", bg("a", after=["b"]), bg("b", after=["a"]))))
    with pytest.raises(DefinitionError, match="not another step"):
        compile_workflow(linear(stage("s", bg("a", after=["zzz"]))))
    wf = linear(stage("s"))
    wf.nodes = [n for n in wf.nodes if not isinstance(n, EndNode)]
    with pytest.raises(DefinitionError, match="unknown node"):
        compile_workflow(wf)


def test_state_effects_and_log_survive_a_json_round_trip_unchanged() -> None:
    h = _rework_flow()
    h.start(subject="x", when="2026-03-02T09:00:00+00:00")
    h.submit("work", answer="again")
    h.admin("pause")
    h.complete("note")
    state = h.s
    assert type(state).model_validate_json(state.model_dump_json()) == state
    for effect in h.effects:
        assert effect_from_json(json.loads(json.dumps(effect_json(effect)))) == effect
    lines = TypeAdapter(LogEvent)
    for line in h.log:
        assert lines.validate_json(json.dumps(log_json(line))) == line
    assert h.replayed() == state


def test_a_new_runs_state_is_what_run_state_would_validate_to() -> None:
    # A new run's state holds the identity, the case and the start time, every other
    # field at its default.
    from runtime.engine.transition import _new_state

    identity = RunIdentity(run_id="r", workflow_id="w", version=1, case_id="c")
    built = _new_state(identity, CaseCreated(case={"subject": "x"}), T0)
    validated = RunState.model_validate(
        {
            "run_id": "r",
            "workflow_id": "w",
            "version": 1,
            "case_id": "c",
            "case": {"subject": "x"},
            "started_at": T0.isoformat(),
        }
    )
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()


#: A parked run's snapshot as the engine wrote it when step states, SLA clocks and the
#: incident were pydantic models: a step waiting at risk, a step failed for good.
STORED_SNAPSHOT = (
    '{"schema_version":2,"run_id":"run1","workflow_id":"wf","version":1,"case_id":"case1"'
    ',"status":"incident","node_id":"work","node_entered_at":"2026-03-02T09:00:00Z","stag'
    'e_open":true,"visits":{"start":1,"work":1},"steps":{"review":{"step_id":"review","at'
    'tempt":1,"status":"waiting","started_at":"2026-03-02T09:00:00Z","finished_at":null,"'
    'outputs":{},"error":null,"work_item_key":"run1:review:1","tries":1,"sla":{"started_a'
    't":"2026-03-02T09:00:00Z","warning_at":"2026-03-02T09:30:00Z","due_at":"2026-03-02T1'
    '0:00:00Z","state":"at_risk","stopped_at":null}},"call":{"step_id":"call","attempt":1'
    ',"status":"failed","started_at":"2026-03-02T09:00:00Z","finished_at":"2026-03-02T09:'
    '30:00Z","outputs":{},"error":"boom","work_item_key":null,"tries":1,"sla":null}},"ste'
    'p_outputs":{},"case":{"subject":"s"},"previous_case":null,"incident":{"code":"step_f'
    'ailed","message":"step \'call\' (call) failed (the error is not retryable): boom","nod'
    'e_id":"work","step_id":"call","at":"2026-03-02T09:30:00Z"},"seq":8,"started_at":"202'
    '6-03-02T09:00:00Z","finished_at":null,"resolution":null,"attempts":{"review":1,"call'
    '":1},"sla":{"started_at":"2026-03-02T09:00:00Z","warning_at":null,"due_at":"2026-03-'
    '02T11:00:00Z","state":"on_track","stopped_at":null},"loops":0,"deferred":[],"escalat'
    'ions":{}}'
)


def test_a_run_snapshot_is_written_and_read_back_byte_for_byte() -> None:
    # Step states, SLA clocks and incidents are dataclasses inside RunState now; the
    # stored format did not move by a byte, and what is read back writes the same bytes.
    h = Harness(
        linear(
            stage(
                "work",
                ui("review", sla={"target_minutes": 60, "warning_minutes": 30}),
                bg("call"),
                sla={"target_minutes": 120},
            )
        )
    )
    h.start(subject="s")
    h.fire("sla_warning", "work.review")
    h.fail("call", retryable=False)
    assert h.s.model_dump_json() == STORED_SNAPSHOT
    read = RunState.model_validate_json(STORED_SNAPSHOT)
    assert read == h.s and read.model_dump_json() == STORED_SNAPSHOT
    copied = read.steps["review"].copy()
    assert copied == read.steps["review"] and copied is not read.steps["review"]
    with pytest.raises(ValidationError, match="colour"):
        RunState.model_validate_json(STORED_SNAPSHOT.replace('"tries":1,', '"colour":1,"tries":1,'))


def test_copying_a_step_state_or_moving_a_clock_carries_every_other_field_over() -> None:
    # The copies are built field by field for speed: a field added to the record and
    # not to its copy would be dropped silently. Every field gets a value of its own.
    marks = {f.name: object() for f in fields(SlaClock)}
    clock = SlaClock(**marks)
    for moved, changed in (
        (clock.stopped(T0), {"stopped_at": T0}),
        (clock.marked(SlaLevel.BREACHED), {"state": SlaLevel.BREACHED}),
    ):
        assert moved == replace(clock, **changed)
    step = StepState(**{f.name: object() for f in fields(StepState)})
    assert step.copy() == replace(step) and step.copy() is not step
    run = RunState(**{f.name: object() for f in fields(RunState)})
    assert run.copy() == replace(run) and run.copy() is not run


def test_every_effect_is_a_valid_model() -> None:
    h = _rework_flow()
    h.start()
    assert type(h.s).model_validate(h.s.model_dump()) == h.s
    for effect in h.effects:
        assert effect_from_json(effect_json(effect)) == effect
    lines = TypeAdapter(LogEvent)
    for line in h.log:
        assert lines.validate_python(log_json(line)) == line


def test_conditions_read_visit_and_loop_counters() -> None:
    h = Harness(
        with_decision(
            stage("work", bg("fix")),
            [
                ("give_up", rule("counter.loops", "gte", 2), "other_end"),
                ("again", rule("counter.visits.work", "lt", 5), "work"),
            ],
            default="end",
            goto=["again"],
        )
    )
    h.start()
    for _ in range(3):
        h.complete("fix")
    assert [e.data["outcome"] for e in h.entries("decision.taken")] == ["again", "again", "give_up"]
    assert h.s.resolution == "rejected" and h.s.loops == 2


def test_the_compiled_trigger_matches_case_records() -> None:
    wf = linear(stage("work"))
    wf.trigger.kind = "record"
    wf.trigger.condition = rule("case.priority", "in", ["high", "urgent"])
    d = compile_workflow(wf)
    assert d.matches_trigger({"priority": "urgent"})
    assert not d.matches_trigger({"priority": "low"})
    assert compile_workflow(linear(stage("work"))).matches_trigger({})
