"""Tables for routing and SLAs: agents, skills, queues, business calendars, the routing
record of each work item, every assignment with its reasons, agents' presence history
and escalation notices.

``work_routing`` sits beside ``work_item`` (one row per item) and holds what routing
and the metrics need: priority, weight, first-assignment time, reassignment counts.
``assignment`` is append-only: one row per decision, manual or automatic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from runtime.store.tables import utcnow

__all__ = [
    "AgentPresenceRow",
    "AgentRow",
    "AssignmentRow",
    "CalendarRow",
    "NoticeRow",
    "QueueRow",
    "SkillRow",
    "WorkRoutingRow",
]


def _json(factory: Any = dict) -> Any:
    return Field(default_factory=factory, sa_column=Column(JSON, nullable=False))


class SkillRow(SQLModel, table=True):
    """A skill agents may have and steps may require."""

    __tablename__ = "skill"

    name: str = Field(primary_key=True, max_length=120)
    description: str = ""


class AgentRow(SQLModel, table=True):
    """A person who works items: skills with levels, capacity, availability."""

    __tablename__ = "agent"

    id: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=255)
    email: str = Field(default="", max_length=255)
    skills: dict[str, int] = _json()  #: skill -> level 1..5
    languages: list[str] = _json(list)
    max_items: int = 5
    max_load: int | None = None  #: load points; when set, items count by weight too
    availability: str = Field(default="offline", max_length=20)  #: online / away / offline
    timezone: str = Field(default="UTC", max_length=64)
    working_hours: dict[str, Any] = _json()  #: {"mon": [["09:00", "17:00"]]}; empty: any time
    out_of_office_from: datetime | None = Field(default=None)
    out_of_office_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class QueueRow(SQLModel, table=True):
    """A team: its members in round-robin order and how it routes."""

    __tablename__ = "queue"

    name: str = Field(primary_key=True, max_length=120)
    description: str = ""
    strategy: str = Field(default="round_robin", max_length=40)
    members: list[str] = _json(list)
    calendar: str | None = Field(default=None, max_length=120)
    last_assigned: str | None = Field(default=None, max_length=120)  #: round-robin pointer
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CalendarRow(SQLModel, table=True):
    """A business calendar for SLA clocks: weekday hours, holidays, a time zone."""

    __tablename__ = "business_calendar"

    name: str = Field(primary_key=True, max_length=120)
    description: str = ""
    timezone: str = Field(default="UTC", max_length=64)
    hours: dict[str, Any] = _json()
    holidays: list[str] = _json(list)  #: ISO dates, on top of the country's and region's
    country: str | None = Field(default=None, max_length=8)  #: ISO 3166-1 alpha-2
    region: str | None = Field(default=None, max_length=40)  #: the country's subdivision code
    updated_at: datetime = Field(default_factory=utcnow)


class WorkRoutingRow(SQLModel, table=True):
    """Routing facts of one work item (same key as ``work_item``)."""

    __tablename__ = "work_routing"
    __table_args__ = (
        Index("ix_work_routing_waiting", "waiting", "queue", "priority", "due_at"),
        Index("ix_work_routing_created", "created_at"),
    )

    key: str = Field(primary_key=True, max_length=300)
    run_id: str = Field(max_length=64, index=True)
    case_id: str = Field(max_length=64)
    workflow_id: str = Field(max_length=120)
    node_id: str | None = Field(default=None, max_length=120)
    step_id: str = Field(max_length=120)
    queue: str | None = Field(default=None, max_length=120)
    skills: list[str] = _json(list)
    strategy: str = Field(default="round_robin", max_length=40)
    priority: int = 0
    weight: int = 1
    due_at: datetime | None = Field(default=None)
    waiting: bool = True  #: open and unassigned
    assignee: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    first_assigned_at: datetime | None = Field(default=None)
    first_assignee: str | None = Field(default=None, max_length=120)
    assigned_at: datetime | None = Field(default=None)
    assignments: int = 0
    reassignments: int = 0  #: changes of assignee after the first assignment
    manual_reassignments: int = 0
    closed_at: datetime | None = Field(default=None)
    outcome: str = Field(default="open", max_length=20)  #: open / completed / cancelled
    completed_by: str | None = Field(default=None, max_length=255)


class AssignmentRow(SQLModel, table=True):
    """One routing decision or manual reassignment, with why."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_agent_at", "agent", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    work_item_key: str = Field(max_length=300, index=True)
    run_id: str = Field(max_length=64)
    queue: str | None = Field(default=None, max_length=120)
    agent: str | None = Field(default=None, max_length=120)
    previous: str | None = Field(default=None, max_length=120)
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(max_length=20)  #: route / drain / pull / manual / escalation
    strategy: str | None = Field(default=None, max_length=40)
    actor: str = Field(default="system", max_length=255)
    reason: str = ""
    decision: dict[str, Any] = _json()


class AgentPresenceRow(SQLModel, table=True):
    """An agent's availability from ``at`` on (for utilisation)."""

    __tablename__ = "agent_presence"
    __table_args__ = (Index("ix_agent_presence", "agent_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(max_length=120)
    availability: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow)


class NoticeRow(SQLModel, table=True):
    """A notification sent by an escalation rule."""

    __tablename__ = "escalation_notice"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(max_length=64, index=True)
    case_id: str = Field(max_length=64)
    rule_id: str = Field(max_length=120)
    to: str = Field(max_length=255)
    message: str = ""
    at: datetime = Field(default_factory=utcnow)
