"""Business calendars for SLA clocks: working hours, holidays and a time zone.

Everything here is a pure function of its arguments: no clock, no database. A calendar
names the working intervals of each weekday in its own time zone (``zoneinfo``), plus
holidays on which nothing counts: the public holidays of its country and region
(:mod:`runtime.sla.public_holidays`) and its own extra dates. An SLA of 8 business
hours started on Friday at 16:00 in a 09:00-17:00 Monday-Friday calendar is due on
Monday at 16:00; a clock started at night starts counting when the next working
interval opens.

Working intervals are read in local time and converted to UTC for arithmetic, so a day
on which the clocks change still counts the real minutes worked (a 09:00-17:00 day is
eight hours either side of a DST change; an interval spanning the change counts the
hour gained or lost).

>>> from datetime import UTC, datetime
>>> cal = BusinessCalendar.weekdays("office", "Europe/Berlin", "09:00", "17:00")
>>> add_business_minutes(cal, datetime(2026, 1, 9, 15, 0, tzinfo=UTC), 120).isoformat()
'2026-01-12T09:00:00+00:00'
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from runtime.sla.levels import SlaLevel, level_at, remaining_minutes
from runtime.sla.public_holidays import public_holiday_dates

__all__ = [
    "ALWAYS_OPEN",
    "BusinessCalendar",
    "SlaStatus",
    "add_business_minutes",
    "business_minutes_between",
    "is_open",
    "next_open",
    "parse_hours",
    "sla_status",
]

#: How far ahead a clock looks for working time before giving up: a calendar with no
#: working hours at all would otherwise loop for ever.
MAX_SEARCH_DAYS = 3 * 366

Interval = tuple[time, time]


def _parse_time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    if hours == "24" and minutes in ("", "00", "0"):
        return time.max
    return time(int(hours), int(minutes or 0))


def parse_hours(spec: Mapping[str, Iterable[Iterable[str]]]) -> dict[int, tuple[Interval, ...]]:
    """Weekday intervals from their stored form: ``{"mon": [["09:00", "17:00"]], ...}``.

    >>> parse_hours({"mon": [["09:00", "12:30"], ["13:30", "24:00"]]})[0][1][0]
    datetime.time(13, 30)
    """
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours: dict[int, tuple[Interval, ...]] = {}
    for name, intervals in spec.items():
        key = name.lower()[:3]
        if key not in days:
            raise ValueError(f"unknown weekday {name!r}: expected one of {', '.join(days)}")
        parsed: list[Interval] = []
        for pair in intervals:
            start_text, end_text = list(pair)
            start, end = _parse_time(start_text), _parse_time(end_text)
            if end <= start:
                raise ValueError(f"{name}: interval {start_text}-{end_text} ends before it starts")
            parsed.append((start, end))
        parsed.sort()
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise ValueError(f"{name}: working intervals overlap")
        hours[days.index(key)] = tuple(parsed)
    return hours


@dataclass(frozen=True)
class BusinessCalendar:
    """When an SLA clock runs: weekday intervals in ``timezone``, minus holidays.

    ``hours`` maps a weekday (0 = Monday) to its working intervals, in order; a day
    missing from it is not worked. Holidays are the public holidays of ``country``
    (ISO code) and ``region`` (its subdivision code), when named, plus the calendar's
    own ``holidays``. ``always_open`` calendars count every minute.

    >>> cal = BusinessCalendar.weekdays("munich", "Europe/Berlin", country="DE", region="BY")
    >>> cal.is_holiday(date(2026, 1, 6)), cal.is_holiday(date(2026, 1, 7))
    (True, False)
    """

    name: str
    timezone: str = "UTC"
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    country: str | None = None
    region: str | None = None

    @classmethod
    def weekdays(
        cls,
        name: str,
        timezone: str,
        start: str = "09:00",
        end: str = "17:00",
        holidays: Iterable[date] = (),
        *,
        country: str | None = None,
        region: str | None = None,
    ) -> BusinessCalendar:
        """Monday to Friday, ``start`` to ``end``, in ``timezone``."""
        interval = (_parse_time(start), _parse_time(end))
        return cls(
            name=name,
            timezone=timezone,
            hours={day: (interval,) for day in range(5)},
            holidays=frozenset(holidays),
            country=country,
            region=region,
        )

    def is_holiday(self, day: date) -> bool:
        """Whether local date ``day`` is a public holiday or one of the calendar's own."""
        if day in self.holidays:
            return True
        return self.country is not None and day in public_holiday_dates(
            self.country, self.region, day.year
        )

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of local date ``day``, as UTC instants."""
        if self.always_open:
            midnight = datetime.combine(day, time.min, tzinfo=UTC)
            return [(midnight, midnight + timedelta(days=1))]
        if self.is_holiday(day):
            return []
        zone = self.zone
        found: list[tuple[datetime, datetime]] = []
        for start, end in self.hours.get(day.weekday(), ()):
            opens = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
            if end == time.max:
                closes = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
            else:
                closes = datetime.combine(day, end, tzinfo=zone)
            found.append((opens, closes.astimezone(UTC)))
        return found


ALWAYS_OPEN = BusinessCalendar(name="24x7", always_open=True)
"""Every minute counts: the clock of an SLA without a calendar."""


def _local_day(calendar: BusinessCalendar, at: datetime) -> date:
    if calendar.always_open:
        return at.astimezone(UTC).date()
    return at.astimezone(calendar.zone).date()


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("SLA arithmetic needs timezone-aware datetimes")


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The instant at which ``minutes`` of working time have passed since ``start``.

    >>> cal = BusinessCalendar.weekdays("x", "UTC", "09:00", "17:00")
    >>> add_business_minutes(cal, datetime(2026, 1, 5, 16, 0, tzinfo=UTC), 90).isoformat()
    '2026-01-06T09:30:00+00:00'
    """
    _require_aware(start)
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if calendar.always_open:
        return start + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    day = _local_day(calendar, start) - timedelta(days=1)  # an interval may span midnight
    for _ in range(MAX_SEARCH_DAYS):
        for opens, closes in calendar.intervals_on(day):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = closes - begin
            if left <= available:
                return begin + left
            left -= available
        day += timedelta(days=1)
    raise ValueError(f"calendar {calendar.name!r} has no working time within a few years")


def business_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Working minutes from ``start`` to ``end`` (0 when ``end`` is not after ``start``).

    >>> cal = BusinessCalendar.weekdays("x", "UTC", "09:00", "17:00")
    >>> business_minutes_between(cal, datetime(2026, 1, 9, 16, tzinfo=UTC),
    ...                          datetime(2026, 1, 12, 10, tzinfo=UTC))
    120.0
    """
    _require_aware(start)
    _require_aware(end)
    if end <= start:
        return 0.0
    if calendar.always_open:
        return (end - start).total_seconds() / 60.0
    total = timedelta()
    day = _local_day(calendar, start) - timedelta(days=1)
    last = _local_day(calendar, end) + timedelta(days=1)
    while day <= last:
        for opens, closes in calendar.intervals_on(day):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60.0


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether ``at`` falls in working time."""
    _require_aware(at)
    if calendar.always_open:
        return True
    day = _local_day(calendar, at)
    for d in (day - timedelta(days=1), day):
        for opens, closes in calendar.intervals_on(d):
            if opens <= at < closes:
                return True
    return False


def next_open(calendar: BusinessCalendar, at: datetime) -> datetime:
    """``at`` itself when working time, else when working time next begins."""
    return add_business_minutes(calendar, at, 0)


@dataclass(frozen=True, slots=True)
class SlaStatus:
    """Where an SLA stands at a moment: its level and the minutes left (negative: late)."""

    state: str
    remaining_minutes: float
    due_at: datetime

    def as_dict(self) -> dict[str, object]:
        """Plain data for an API response."""
        return {
            "state": self.state,
            "remaining_minutes": self.remaining_minutes,
            "due_at": self.due_at.isoformat(),
        }


def sla_status(
    *,
    due_at: datetime,
    now: datetime,
    warning_at: datetime | None = None,
    stopped_at: datetime | None = None,
    marked: SlaLevel | str = SlaLevel.ON_TRACK,
) -> SlaStatus:
    """The level an SLA clock is at: ``on_track``, ``at_risk`` (past the warning) or ``breached``.

    ``marked`` is the level its timers marked, when known: the level is never better.

    >>> due = datetime(2026, 1, 5, 12, tzinfo=UTC)
    >>> sla_status(due_at=due, warning_at=due - timedelta(hours=1),
    ...            now=datetime(2026, 1, 5, 11, 30, tzinfo=UTC))
    SlaStatus(state='at_risk', remaining_minutes=30.0, due_at=...)
    """
    at = stopped_at or now
    state = level_at(due_at, at, warning_at=warning_at, marked=marked)
    return SlaStatus(
        state=state.value, remaining_minutes=remaining_minutes(due_at, at), due_at=due_at
    )
