"""SLA clocks: business calendars and the state of an SLA at a moment, as pure functions."""

from __future__ import annotations

from runtime.sla.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    SlaStatus,
    add_business_minutes,
    business_minutes_between,
    is_open,
    next_open,
    sla_status,
)

__all__ = [
    "ALWAYS_OPEN",
    "BusinessCalendar",
    "SlaStatus",
    "add_business_minutes",
    "business_minutes_between",
    "is_open",
    "next_open",
    "sla_status",
]
