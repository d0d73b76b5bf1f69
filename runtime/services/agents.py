"""Routing's setup and an agent's work, as one service: the names the designer's routes use.

Each job has its module; this one gathers their names:

- :mod:`runtime.services.routing_shapes`: what the setup reads and answers;
- :mod:`runtime.services.agent_roster`: skills and agents;
- :mod:`runtime.services.queues`: queues (teams);
- :mod:`runtime.services.calendars`: business calendars;
- :mod:`runtime.services.inbox`: an agent's inbox, pull-next, reassignment and the
  assignment record.

Functions are keyword-only, take the caller's session and never commit. Whatever gives
an agent more room (coming online, a higher capacity, a new skill, joining a queue)
hands waiting items to them at once (:func:`runtime.routing.drain`).
"""

from __future__ import annotations

from runtime.services.agent_roster import (
    delete_agent,
    delete_skill,
    get_agent,
    list_agents,
    list_skills,
    save_agent,
    save_skill,
    set_availability,
)
from runtime.services.calendars import (
    delete_calendar,
    list_calendars,
    list_holiday_countries,
    save_calendar,
)
from runtime.services.inbox import (
    AssignmentOut,
    InboxItem,
    InboxOut,
    SlaOut,
    inbox,
    item_sla,
    list_assignments,
    pull_next,
    reassign,
)
from runtime.services.queues import delete_queue, list_queues, save_queue
from runtime.services.routing_shapes import (
    AgentIn,
    AgentOut,
    Availability,
    CalendarIn,
    CalendarOut,
    HolidayCountry,
    HolidayRegion,
    IsoDate,
    IsoDateTime,
    PublicHoliday,
    QueueIn,
    QueueOut,
    SkillIn,
    Strategy,
)

__all__ = [
    "AgentIn",
    "AgentOut",
    "AssignmentOut",
    "Availability",
    "CalendarIn",
    "CalendarOut",
    "HolidayCountry",
    "HolidayRegion",
    "InboxItem",
    "InboxOut",
    "IsoDate",
    "IsoDateTime",
    "PublicHoliday",
    "QueueIn",
    "QueueOut",
    "SkillIn",
    "SlaOut",
    "Strategy",
    "delete_agent",
    "delete_calendar",
    "delete_queue",
    "delete_skill",
    "get_agent",
    "inbox",
    "item_sla",
    "list_agents",
    "list_assignments",
    "list_calendars",
    "list_holiday_countries",
    "list_queues",
    "list_skills",
    "pull_next",
    "reassign",
    "save_agent",
    "save_calendar",
    "save_queue",
    "save_skill",
    "set_availability",
]
