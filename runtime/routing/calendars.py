"""Business calendars from the store for the engine's SLA clocks.

A compiled version gets the calendars its SLAs name (:func:`with_calendars`, called when
the store compiles a version). Compiled versions are cached, so saving or deleting a
calendar clears that cache: clocks started afterwards use the new hours. A replay uses
the calendars as they are now.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import Session, col, select

from graphs.model import InteractiveStep, StageNode
from runtime.engine.definition import CompiledWorkflow
from runtime.sla.calendar import BusinessCalendar, parse_hours
from runtime.store.routing_tables import CalendarRow

__all__ = ["calendar_names", "to_calendar", "with_calendars"]


def calendar_names(compiled: CompiledWorkflow) -> set[str]:
    """The calendars the workflow's stage and step SLAs name."""
    names: set[str] = set()
    for node in compiled.workflow.nodes:
        if isinstance(node, StageNode):
            if node.sla is not None and node.sla.calendar:
                names.add(node.sla.calendar)
            for step in node.steps:
                if isinstance(step, InteractiveStep) and step.sla is not None and step.sla.calendar:
                    names.add(step.sla.calendar)
    return names


def to_calendar(row: CalendarRow) -> BusinessCalendar:
    """The pure calendar a stored one describes."""
    return BusinessCalendar(
        name=row.name,
        timezone=row.timezone,
        hours=parse_hours(row.hours),
        holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
        country=row.country,
        region=row.region,
    )


def with_calendars(session: Session, compiled: CompiledWorkflow) -> CompiledWorkflow:
    """``compiled`` with the business calendars its SLAs name (no query when none does)."""
    names = calendar_names(compiled)
    if not names:
        return compiled
    rows = session.exec(select(CalendarRow).where(col(CalendarRow.name).in_(sorted(names)))).all()
    return replace(compiled, calendars={row.name: to_calendar(row) for row in rows})
