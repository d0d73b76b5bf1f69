"""Business calendars: working hours, weekends, holidays, time zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.routing.calendars import to_calendar
from runtime.sla.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    is_open,
    next_open,
    parse_hours,
    sla_status,
)
from runtime.store.routing_tables import CalendarRow

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar.weekdays("office", "Europe/Berlin", "09:00", "17:00")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_an_sla_started_friday_afternoon_is_due_on_monday() -> None:
    due = add_business_minutes(OFFICE, berlin(2026, 1, 9, 16, 0), 8 * 60)
    assert due == berlin(2026, 1, 12, 16, 0)


def test_a_working_hours_sla_pauses_overnight() -> None:
    # Four hours started at 15:00: two today, two tomorrow from 09:00.
    due = add_business_minutes(OFFICE, berlin(2026, 1, 6, 15, 0), 240)
    assert due == berlin(2026, 1, 7, 11, 0)
    assert business_minutes_between(OFFICE, berlin(2026, 1, 6, 15, 0), due) == 240


def test_a_clock_started_at_night_starts_counting_at_opening_time() -> None:
    assert add_business_minutes(OFFICE, berlin(2026, 1, 6, 23, 30), 30) == berlin(2026, 1, 7, 9, 30)
    assert next_open(OFFICE, berlin(2026, 1, 10, 12, 0)) == berlin(2026, 1, 12, 9, 0)


def test_holidays_do_not_count() -> None:
    calendar = BusinessCalendar.weekdays(
        "office",
        "Europe/Berlin",
        "09:00",
        "17:00",
        holidays=[date(2026, 12, 24), date(2026, 12, 25)],
    )
    due = add_business_minutes(calendar, berlin(2026, 12, 23, 16, 0), 120)
    assert due == berlin(2026, 12, 28, 10, 0)
    assert not is_open(calendar, berlin(2026, 12, 24, 10, 0))
    assert is_open(calendar, berlin(2026, 12, 23, 10, 0))


def test_a_calendar_keeps_its_countrys_and_regions_public_holidays_and_its_own() -> None:
    # Two hours from Monday 5 January 2026, 16:00. Tuesday the 6th is Epiphany in
    # Bavaria only; Wednesday the 7th is the Munich office's own day off.
    start = berlin(2026, 1, 5, 16, 0)
    germany = BusinessCalendar.weekdays("de", "Europe/Berlin", country="DE")
    bavaria = BusinessCalendar.weekdays("by", "Europe/Berlin", country="DE", region="BY")
    munich = BusinessCalendar.weekdays(
        "munich", "Europe/Berlin", holidays=[date(2026, 1, 7)], country="DE", region="BY"
    )
    assert add_business_minutes(germany, start, 120) == berlin(2026, 1, 6, 10, 0)
    assert add_business_minutes(bavaria, start, 120) == berlin(2026, 1, 7, 10, 0)
    assert add_business_minutes(munich, start, 120) == berlin(2026, 1, 8, 10, 0)
    # New Year's Day is the whole country's; a stored calendar names its place.
    assert germany.is_holiday(date(2027, 1, 1))
    stored = CalendarRow(name="munich", timezone="Europe/Berlin", country="DE", region="BY")
    assert to_calendar(stored).is_holiday(date(2026, 1, 6))


def test_working_hours_are_read_in_the_calendars_time_zone() -> None:
    new_york = BusinessCalendar.weekdays("ny", "America/New_York", "09:00", "17:00")
    # 14:00 UTC on a winter Monday is 09:00 in New York: opening time.
    assert is_open(new_york, datetime(2026, 1, 5, 14, 0, tzinfo=UTC))
    assert not is_open(new_york, datetime(2026, 1, 5, 13, 59, tzinfo=UTC))


def test_a_dst_change_inside_working_hours_counts_the_real_minutes() -> None:
    # Berlin springs forward on 29 March 2026 at 02:00; a 00:00-06:00 shift is 5 hours.
    night = BusinessCalendar(
        "night", "Europe/Berlin", hours=parse_hours({"sun": [["00:00", "06:00"]]})
    )
    start = berlin(2026, 3, 29, 0, 0)
    end = berlin(2026, 3, 29, 6, 0)
    assert business_minutes_between(night, start, end) == 5 * 60
    assert add_business_minutes(night, start, 5 * 60) == end
    # A 09:00-17:00 day either side of the change is eight hours.
    assert (
        business_minutes_between(OFFICE, berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 17)) == 16 * 60
    )


def test_an_interval_may_end_at_midnight() -> None:
    late = BusinessCalendar("late", "UTC", hours=parse_hours({"mon": [["20:00", "24:00"]]}))
    start = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert add_business_minutes(late, start, 90) == datetime(2026, 1, 12, 20, 30, tzinfo=UTC)


def test_bad_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_hours({"mon": [["17:00", "09:00"]]})
    with pytest.raises(ValueError, match="overlap"):
        parse_hours({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]})
    with pytest.raises(ValueError, match="unknown weekday"):
        parse_hours({"someday": [["09:00", "12:00"]]})


def test_a_calendar_without_working_time_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="no working time"):
        add_business_minutes(BusinessCalendar("never"), berlin(2026, 1, 5, 9), 1)


def test_sla_status_levels_and_time_left() -> None:
    due = datetime(2026, 1, 5, 12, tzinfo=UTC)
    warn = due - timedelta(minutes=30)
    assert sla_status(due_at=due, warning_at=warn, now=due - timedelta(hours=1)).state == "on_track"
    at_risk = sla_status(due_at=due, warning_at=warn, now=due - timedelta(minutes=10))
    assert (at_risk.state, at_risk.remaining_minutes) == ("at_risk", 10.0)
    late = sla_status(due_at=due, now=due + timedelta(minutes=5))
    assert (late.state, late.remaining_minutes) == ("breached", -5.0)
    stopped = sla_status(
        due_at=due, now=due + timedelta(days=1), stopped_at=due - timedelta(hours=2)
    )
    assert stopped.state == "on_track"


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(0, 5000),
)
def test_adding_then_measuring_business_minutes_round_trips(start: datetime, minutes: int) -> None:
    due = add_business_minutes(OFFICE, start, minutes)
    assert due >= start
    assert business_minutes_between(OFFICE, start, due) == pytest.approx(minutes)
    if minutes:
        assert is_open(OFFICE, due - timedelta(seconds=1))


def test_always_open_counts_wall_clock_minutes() -> None:
    start = berlin(2026, 3, 28, 23, 0)
    assert add_business_minutes(ALWAYS_OPEN, start, 120) == start + timedelta(minutes=120)
