"""Business calendars: working hours, a time zone, a country's public holidays and their own.

Compiled versions carry the calendars their SLAs name, so saving or deleting one clears
the compiled definitions: new SLA clocks use it at once.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from runtime.errors import Conflict, NotFound
from runtime.services.definitions import clear_caches
from runtime.services.routing_shapes import (
    CalendarIn,
    CalendarOut,
    HolidayCountry,
    HolidayRegion,
    PublicHoliday,
)
from runtime.sla.public_holidays import countries, named_public_holidays
from runtime.store.routing_tables import CalendarRow, QueueRow
from runtime.store.tables import utcnow

__all__ = ["delete_calendar", "list_calendars", "list_holiday_countries", "save_calendar"]

# ---------------------------------------------------------------------------- calendars


def _calendar_out(row: CalendarRow) -> CalendarOut:
    year = utcnow().year
    public = named_public_holidays(row.country, row.region, year) if row.country else ()
    stored = row.model_dump(include=set(CalendarIn.model_fields))  # holidays as ISO dates
    days = [PublicHoliday(day=day, name=name) for day, name in public]
    return CalendarOut.model_validate({**stored, "public_holidays": days})


def list_holiday_countries() -> list[HolidayCountry]:
    """The countries, and their regions, whose public holidays a calendar can keep."""
    return [
        HolidayCountry(
            code=country.code,
            name=country.name,
            regions=[HolidayRegion(code=c, name=n) for c, n in country.regions.items()],
        )
        for country in countries().values()
    ]


def list_calendars(session: Session) -> list[CalendarOut]:
    """Every business calendar."""
    rows = session.exec(select(CalendarRow).order_by(col(CalendarRow.name))).all()
    return [_calendar_out(r) for r in rows]


def save_calendar(session: Session, *, calendar: CalendarIn) -> CalendarOut:
    """Create or update a business calendar (new SLA clocks use it at once)."""
    row = session.get(CalendarRow, calendar.name) or CalendarRow(name=calendar.name)
    row.description = calendar.description
    row.timezone = calendar.timezone
    row.hours = dict(calendar.hours)
    row.country, row.region = calendar.country, calendar.region
    row.holidays = sorted(d.isoformat() for d in calendar.holidays)
    row.updated_at = utcnow()
    session.add(row)
    # Compiled versions carry the calendars their SLAs name: new clocks use the new hours.
    clear_caches()
    return _calendar_out(row)


def delete_calendar(session: Session, *, name: str) -> None:
    """Delete a calendar no queue uses."""
    row = session.get(CalendarRow, name)
    if row is None:
        raise NotFound("calendar", name)
    users = [q.name for q in session.exec(select(QueueRow)).all() if q.calendar == name]
    if users:
        raise Conflict(f"calendar {name!r} is used by queue(s) {', '.join(users)}", current=users)
    session.delete(row)
    clear_caches()
