"""Whether an agent can take work at a moment, and routing's view of them then: pure
functions of their settings.

>>> from datetime import UTC, datetime
>>> from runtime.store.routing_tables import AgentRow
>>> monday_10 = datetime(2026, 1, 5, 10, tzinfo=UTC)
>>> availability(AgentRow(id="ada", name="Ada"), "online", monday_10)
(True, '')
>>> afternoons = AgentRow(id="bo", name="Bo", working_hours={"mon": [["12:00", "17:00"]]})
>>> availability(afternoons, "online", monday_10)
(False, 'outside working hours')
>>> availability(afternoons, "away", monday_10)
(False, 'away')
>>> agent_view(afternoons, "online", monday_10, open_items=2).why_unavailable
'outside working hours'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from runtime.routing.choose import AgentView
from runtime.sla.calendar import BusinessCalendar, is_open, parse_hours

__all__ = ["AVAILABILITIES", "AgentSettings", "agent_view", "availability"]

AVAILABILITIES = ("online", "away", "offline")


class AgentSettings(Protocol):
    """An agent's standing settings: the store's row, or a what-if's model of the agent."""

    @property
    def id(self) -> str: ...
    @property
    def skills(self) -> Mapping[str, int]: ...
    @property
    def languages(self) -> Iterable[str]: ...
    @property
    def max_items(self) -> int: ...
    @property
    def max_load(self) -> int | None: ...
    @property
    def timezone(self) -> str: ...
    @property
    def working_hours(self) -> Mapping[str, Any]: ...
    @property
    def out_of_office_from(self) -> datetime | None: ...
    @property
    def out_of_office_until(self) -> datetime | None: ...


def availability(agent: AgentSettings, status: str, now: datetime) -> tuple[bool, str]:
    """``(True, "")`` when ``agent``, in ``status``, may get work at ``now``, else
    ``(False, why)``.

    An agent gets work only when online, not out of office, and (when working hours are
    set) inside them, in their own time zone.
    """
    if status != "online":
        return False, status
    away_from, away_until = agent.out_of_office_from, agent.out_of_office_until
    if away_until is not None and now < away_until and (away_from is None or now >= away_from):
        return False, f"out of office until {away_until.isoformat()}"
    if agent.working_hours:
        calendar = BusinessCalendar(
            name="hours", timezone=agent.timezone, hours=parse_hours(agent.working_hours)
        )
        if not is_open(calendar, now):
            return False, "outside working hours"
    return True, ""


def agent_view(
    agent: AgentSettings, status: str, now: datetime, *, open_items: int = 0, load: int = 0
) -> AgentView:
    """Routing's view of ``agent`` at ``now``, in ``status`` and holding ``open_items``
    items of ``load`` points: the live router and a what-if see an agent alike."""
    ok, why = availability(agent, status, now)
    return AgentView(
        id=agent.id,
        skills=dict(agent.skills),
        languages=frozenset(agent.languages),
        max_items=agent.max_items,
        max_load=agent.max_load,
        open_items=open_items,
        load=load,
        available=ok,
        why_unavailable=why,
    )
