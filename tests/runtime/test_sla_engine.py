"""SLA clocks on business calendars: the engine's timers and due times pause outside
working hours, and the store gives a version the calendars its SLAs name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from engine_helpers import Harness, linear, stage, ui
from pydantic import TypeAdapter
from runtime_flows import install_workflow
from sqlalchemy.engine import Engine

from runtime.db import session_scope
from runtime.engine import compile_workflow
from runtime.engine.facts import clock_level as _clock_level
from runtime.engine.facts import clock_remaining
from runtime.engine.types import ScheduleTimer, SlaClock
from runtime.services import agents as svc
from runtime.services import create_case, list_work_items, start_run
from runtime.services.agents import CalendarIn
from runtime.services.monitor import sla_level
from runtime.sla.calendar import BusinessCalendar, sla_status
from runtime.sla.levels import SlaLevel

OFFICE = BusinessCalendar.weekdays("office", "UTC", "09:00", "17:00")
FRIDAY_4PM = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)


def office_flow() -> Any:
    wf = linear(
        stage(
            "work",
            ui("handle", sla={"target_minutes": 120, "warning_minutes": 90, "calendar": "office"}),
            sla={"target_minutes": 240, "calendar": "office"},
        )
    )
    return wf


def test_a_working_hours_sla_pauses_overnight_and_over_the_weekend() -> None:
    h = Harness(replace(compile_workflow(office_flow()), calendars={"office": OFFICE}))
    h.now = FRIDAY_4PM
    h.start(subject="x")
    stage_clock = h.s.sla
    assert stage_clock is not None
    # Four working hours from Friday 16:00: one on Friday, three on Monday from 09:00.
    assert stage_clock.due_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    step_clock = h.s.steps["handle"].sla
    assert step_clock is not None
    assert step_clock.warning_at == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    assert step_clock.due_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    timers = {t.purpose + ":" + t.timer_key.split(":")[2]: t.due_at for t in h.timers.values()}
    assert timers["sla_warning:work.handle"] == step_clock.warning_at
    assert timers["sla_breach:work"] == stage_clock.due_at
    (item,) = h.work_items.values()
    assert item.due_at == step_clock.due_at
    # Saturday is not late: the condition-visible level stays on track.
    h.update(minutes=60 * 24, subject="y")
    assert _clock_level(h.s.steps["handle"].sla, h.now) == "on_track"  # type: ignore[arg-type]


def test_an_sla_naming_an_unknown_calendar_runs_on_wall_clock_minutes() -> None:
    h = Harness(compile_workflow(office_flow()))
    h.now = FRIDAY_4PM
    h.start(subject="x")
    assert h.s.sla is not None and h.s.sla.due_at == FRIDAY_4PM + timedelta(minutes=240)
    assert all(isinstance(t, ScheduleTimer) for t in h.timers.values())


def test_the_store_attaches_stored_calendars_to_a_version(db: Engine) -> None:
    with session_scope(db) as session:
        svc.save_calendar(
            session,
            calendar=CalendarIn(
                name="office",
                timezone="UTC",
                hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            ),
        )
        install_workflow(session, office_flow())
    with session_scope(db) as session:
        case = create_case(session, fields={"subject": "s"}, now=FRIDAY_4PM)
        run = start_run(session, workflow_id="wf", case_id=case.id, actor="t", now=FRIDAY_4PM)
        (item,) = list_work_items(session, run_id=run.id)
        assert item.due_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_the_engine_the_cases_list_and_the_inbox_read_one_sla_level_and_minutes_left() -> None:
    # One clock, marked at risk by its timer, read 20.5 seconds before and after its due
    # time: the conditions' facts, the cases list (from the stored JSON) and the work
    # inbox give the same level and the same minutes left.
    due = FRIDAY_4PM
    clock = SlaClock(
        started_at=due - timedelta(hours=2),
        warning_at=due - timedelta(minutes=30),
        due_at=due,
        state=SlaLevel.AT_RISK,
    )
    stored = TypeAdapter(SlaClock).dump_python(clock, mode="json")
    for at, level in (
        (due - timedelta(seconds=20.5), "at_risk"),
        (due + timedelta(seconds=20.5), "breached"),
    ):
        inbox = sla_status(due_at=due, now=at, warning_at=clock.warning_at, marked=clock.state)
        assert _clock_level(clock, at) == sla_level(stored, at) == inbox.state == level
        assert (
            clock_remaining(clock, at)
            == inbox.remaining_minutes
            == round((due - at).total_seconds() / 60, 3)
        )
