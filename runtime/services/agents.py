"""Agents, skills, queues and business calendars; an agent's inbox, pull-next and reassignment.

Functions are keyword-only, take the caller's session and never commit. Whatever gives
an agent more room (coming online, a higher capacity, a new skill, joining a queue)
hands waiting items to them at once (:func:`runtime.routing.drain`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlmodel import Session, col, select

from graphs.model import FormField
from runtime.engine.state_migrations import upgrade_snapshot
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.routing.choose import STRATEGIES, AgentView, ItemView, passed_over
from runtime.routing.router import agent_views, assign_open, drain, record_assignment
from runtime.services.run_events import clear_caches
from runtime.services.work_items import reassign_work_item
from runtime.sla.calendar import parse_hours, sla_status
from runtime.sla.levels import SlaLevel
from runtime.sla.public_holidays import checked_place, countries, named_public_holidays
from runtime.store.routing_tables import (
    AgentPresenceRow,
    AgentRow,
    AssignmentRow,
    CalendarRow,
    QueueRow,
    SkillRow,
    WorkRoutingRow,
)
from runtime.store.tables import CaseRow, RunRow, WorkItemRow, WorkItemStatus, utcnow

__all__ = [
    "AgentIn",
    "AgentOut",
    "AssignmentOut",
    "CalendarIn",
    "CalendarOut",
    "HolidayCountry",
    "InboxItem",
    "InboxOut",
    "QueueIn",
    "QueueOut",
    "SkillIn",
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

_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"
Availability = Literal["online", "away", "offline"]
Strategy = Literal["round_robin", "load_balanced", "skills_based", "pull_next"]
assert set(STRATEGIES) == set(Strategy.__args__)  # type: ignore[attr-defined]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _from_iso_text(kind: type[date]) -> BeforeValidator:
    """Read ``kind`` from ISO 8601 text only, as the API's schema says.

    JSON has no date type; pydantic would also read a number as seconds since 1970
    (``out_of_office_until: 0`` became 1970-01-01). Text is parsed here, so the field
    reads the same whether its body is validated in lax or in strict mode.
    """
    adapter: TypeAdapter[date] = TypeAdapter(kind)

    def parse(value: Any) -> Any:
        if isinstance(value, int | float):  # bool is an int too
            raise ValueError("expected an ISO 8601 date or time as text, not a number")
        if isinstance(value, str):
            try:
                return adapter.validate_python(value)
            except ValidationError:
                return value  # refused again by the field, with pydantic's own message
        return value

    return BeforeValidator(parse)


IsoDateTime = Annotated[datetime, _from_iso_text(datetime)]
IsoDate = Annotated[date, _from_iso_text(date)]


def _check_hours(value: dict[str, Any]) -> dict[str, Any]:
    try:
        parse_hours(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"working hours: {exc}") from None
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return value


class SkillIn(_In):
    """A skill as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)


class AgentIn(_In):
    """An agent as created or updated."""

    id: str = Field(min_length=1, max_length=120, pattern=_NAME)
    name: str = Field(min_length=1, max_length=255)
    email: str = Field(default="", max_length=255)
    skills: dict[str, int] = Field(default_factory=dict, description="Skill -> level 1..5")
    languages: list[str] = Field(default_factory=list)
    max_items: int = Field(default=5, ge=0, le=1000)
    max_load: int | None = Field(default=None, ge=1, le=100_000)
    availability: Availability = "offline"
    timezone: str = "UTC"
    working_hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    out_of_office_from: IsoDateTime | None = None
    out_of_office_until: IsoDateTime | None = None

    @field_validator("skills")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for skill, level in value.items():
            if not 1 <= level <= 5:
                raise ValueError(f"skill {skill!r}: level must be 1 to 5, not {level}")
        return value

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))
    _hours = field_validator("working_hours")(classmethod(lambda cls, v: _check_hours(v)))


class AgentOut(AgentIn):
    """An agent with what routing sees now."""

    open_items: int = 0
    load: int = 0
    available: bool = False
    why_unavailable: str = ""
    queues: list[str] = Field(default_factory=list)


class QueueIn(_In):
    """A queue (team) as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)
    strategy: Strategy = "round_robin"
    members: list[str] = Field(default_factory=list)
    calendar: str | None = None


class QueueOut(QueueIn):
    """A queue with its waiting and assigned counts."""

    waiting: int = 0
    assigned: int = 0


class CalendarIn(_In):
    """A business calendar as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)
    timezone: str = "UTC"
    hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 code of the country whose public holidays it keeps",
    )
    region: str | None = Field(
        default=None, description="The country's subdivision code, such as BY (Bavaria) in DE"
    )
    holidays: list[IsoDate] = Field(
        default_factory=list, description="The calendar's own holidays, on top of the country's"
    )

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))
    _hours = field_validator("hours")(classmethod(lambda cls, v: _check_hours(v)))

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        return checked_place(value, None)[0]

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "country" not in info.data:
            return value  # the country was refused already, and said so
        return checked_place(info.data["country"], value)[1]


class PublicHoliday(BaseModel):
    """A public holiday a calendar keeps."""

    day: date
    name: str


class CalendarOut(CalendarIn):
    """A stored business calendar, with the public holidays its country gives this year."""

    public_holidays: list[PublicHoliday] = Field(default_factory=list)


class HolidayRegion(BaseModel):
    """A country's subdivision with holidays of its own."""

    code: str
    name: str


class HolidayCountry(BaseModel):
    """A country whose public holidays a calendar can keep."""

    code: str
    name: str
    regions: list[HolidayRegion]


class SlaOut(BaseModel):
    """Where an SLA stands now."""

    state: SlaLevel
    remaining_minutes: float
    due_at: datetime


class InboxItem(BaseModel):
    """A work item as an agent's inbox shows it."""

    key: str
    run_id: str
    case_id: str
    workflow_id: str
    step_id: str
    title: str
    queue: str | None
    assignee: str | None
    skills: list[str]
    priority: int
    due_at: datetime | None
    created_at: datetime
    sla: SlaOut | None
    case_subject: str = ""
    form: list[FormField] = Field(default_factory=list)


class InboxOut(BaseModel):
    """An agent's work: what they hold, and how much waits that they could pull."""

    agent: AgentOut
    items: list[InboxItem]
    can_pull: int
    next_pull: InboxItem | None = None


class AssignmentOut(BaseModel):
    """One assignment decision with its reasons."""

    id: int
    work_item_key: str
    queue: str | None
    agent: str | None
    previous: str | None
    at: datetime
    kind: str
    strategy: str | None
    actor: str
    reason: str
    decision: dict[str, Any]


# ---------------------------------------------------------------------------- skills


def list_skills(session: Session) -> list[SkillIn]:
    """Every skill, by name."""
    rows = session.exec(select(SkillRow).order_by(col(SkillRow.name))).all()
    return [SkillIn(name=r.name, description=r.description) for r in rows]


def save_skill(session: Session, *, skill: SkillIn) -> SkillIn:
    """Create or update a skill."""
    row = session.get(SkillRow, skill.name) or SkillRow(name=skill.name)
    row.description = skill.description
    session.add(row)
    return skill


def delete_skill(session: Session, *, name: str) -> None:
    """Delete a skill no agent has; :class:`Conflict` while agents hold it."""
    row = session.get(SkillRow, name)
    if row is None:
        raise NotFound("skill", name)
    holders = [a.id for a in session.exec(select(AgentRow)).all() if name in a.skills]
    if holders:
        raise Conflict(f"skill {name!r} is held by {', '.join(holders)}", current=holders)
    session.delete(row)


# ---------------------------------------------------------------------------- agents


def _agent_out(row: AgentRow, view: AgentView | None, queues: list[str]) -> AgentOut:
    return AgentOut(
        id=row.id,
        name=row.name,
        email=row.email,
        skills=dict(row.skills),
        languages=list(row.languages),
        max_items=row.max_items,
        max_load=row.max_load,
        availability=row.availability,
        timezone=row.timezone,
        working_hours=dict(row.working_hours),
        out_of_office_from=row.out_of_office_from,
        out_of_office_until=row.out_of_office_until,
        open_items=view.open_items if view else 0,
        load=view.load if view else 0,
        available=view.available if view else False,
        why_unavailable=view.why_unavailable if view else "",
        queues=queues,
    )


def _memberships(session: Session) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for queue in session.exec(select(QueueRow).order_by(col(QueueRow.name))).all():
        for member in queue.members:
            found.setdefault(member, []).append(queue.name)
    return found


def list_agents(session: Session, *, now: datetime | None = None) -> list[AgentOut]:
    """Every agent with their current load and availability."""
    now = now or utcnow()
    rows = session.exec(select(AgentRow).order_by(col(AgentRow.name))).all()
    views = {v.id: v for v in agent_views(session, [r.id for r in rows], now)}
    member_of = _memberships(session)
    return [_agent_out(r, views.get(r.id), member_of.get(r.id, [])) for r in rows]


def get_agent(session: Session, *, agent_id: str, now: datetime | None = None) -> AgentOut:
    """One agent; :class:`NotFound` if unknown."""
    now = now or utcnow()
    row = session.get(AgentRow, agent_id)
    if row is None:
        raise NotFound("agent", agent_id)
    views = agent_views(session, [agent_id], now)
    return _agent_out(row, views[0] if views else None, _memberships(session).get(agent_id, []))


def _check_skills(session: Session, names: list[str] | dict[str, int]) -> None:
    known = {r.name for r in session.exec(select(SkillRow)).all()}
    unknown = sorted(set(names) - known)
    if unknown:
        raise InvalidInput(f"unknown skill(s): {', '.join(unknown)}; create them first")


def save_agent(session: Session, *, agent: AgentIn, now: datetime | None = None) -> AgentOut:
    """Create or update an agent; waiting items go to them at once if they now have room."""
    now = now or utcnow()
    _check_skills(session, agent.skills)
    row = session.get(AgentRow, agent.id)
    before = row.availability if row is not None else None
    if row is None:
        row = AgentRow(id=agent.id, name=agent.name, created_at=now)
    for name, value in agent.model_dump().items():
        setattr(row, name, value)
    row.updated_at = now
    session.add(row)
    if before != row.availability:
        session.add(AgentPresenceRow(agent_id=row.id, availability=row.availability, at=now))
    session.flush()
    drain(session, now=now, agents=[row.id])
    return get_agent(session, agent_id=row.id, now=now)


def set_availability(
    session: Session, *, agent_id: str, availability: str, now: datetime | None = None
) -> AgentOut:
    """Set an agent online, away or offline (recorded for utilisation)."""
    now = now or utcnow()
    if availability not in ("online", "away", "offline"):
        raise InvalidInput(f"availability must be online, away or offline, not {availability!r}")
    row = session.get(AgentRow, agent_id)
    if row is None:
        raise NotFound("agent", agent_id)
    if row.availability != availability:
        row.availability = availability
        row.updated_at = now
        session.add(row)
        session.add(AgentPresenceRow(agent_id=agent_id, availability=availability, at=now))
        session.flush()
        drain(session, now=now, agents=[agent_id])
    return get_agent(session, agent_id=agent_id, now=now)


def delete_agent(session: Session, *, agent_id: str) -> None:
    """Delete an agent who holds no open items; they leave every queue."""
    row = session.get(AgentRow, agent_id)
    if row is None:
        raise NotFound("agent", agent_id)
    held = session.exec(
        select(WorkItemRow.key).where(
            col(WorkItemRow.assignee) == agent_id, col(WorkItemRow.status) == WorkItemStatus.OPEN
        )
    ).all()
    if held:
        raise Conflict(
            f"agent {agent_id!r} holds {len(held)} open item(s); reassign them first",
            current=list(held),
        )
    for queue in session.exec(select(QueueRow)).all():
        if agent_id in queue.members:
            queue.members = [m for m in queue.members if m != agent_id]
            session.add(queue)
    session.delete(row)


# ---------------------------------------------------------------------------- queues


def _queue_out(session: Session, row: QueueRow) -> QueueOut:
    open_items = session.exec(
        select(WorkItemRow.assignee).where(
            col(WorkItemRow.queue) == row.name, col(WorkItemRow.status) == WorkItemStatus.OPEN
        )
    ).all()
    waiting = sum(1 for a in open_items if a is None)
    return QueueOut(
        name=row.name,
        description=row.description,
        strategy=row.strategy,
        members=list(row.members),
        calendar=row.calendar,
        waiting=waiting,
        assigned=len(open_items) - waiting,
    )


def list_queues(session: Session) -> list[QueueOut]:
    """Every queue with its waiting and assigned counts."""
    rows = session.exec(select(QueueRow).order_by(col(QueueRow.name))).all()
    return [_queue_out(session, r) for r in rows]


def save_queue(session: Session, *, queue: QueueIn, now: datetime | None = None) -> QueueOut:
    """Create or update a queue; waiting items are routed to its members at once."""
    now = now or utcnow()
    known = {r.id for r in session.exec(select(AgentRow)).all()}
    unknown = [m for m in queue.members if m not in known]
    if unknown:
        raise InvalidInput(f"unknown agent(s) in members: {', '.join(unknown)}")
    if len(set(queue.members)) != len(queue.members):
        raise InvalidInput("an agent is listed twice in members")
    if queue.calendar is not None and session.get(CalendarRow, queue.calendar) is None:
        raise InvalidInput(f"unknown calendar {queue.calendar!r}")
    row = session.get(QueueRow, queue.name)
    if row is None:
        row = QueueRow(name=queue.name, created_at=now)
    row.description = queue.description
    row.strategy = queue.strategy
    row.members = list(queue.members)
    row.calendar = queue.calendar
    row.updated_at = now
    session.add(row)
    session.flush()
    drain(session, now=now, queues=[row.name])
    return _queue_out(session, row)


def delete_queue(session: Session, *, name: str) -> None:
    """Delete a queue (its waiting items stay, unrouted, until it is set up again)."""
    row = session.get(QueueRow, name)
    if row is None:
        raise NotFound("queue", name)
    session.delete(row)


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


# ---------------------------------------------------------------------------- inbox


def item_sla(run_state: dict[str, Any] | None, item: WorkItemRow, now: datetime) -> SlaOut | None:
    """The SLA of a work item now: the step's clock from the run when it has one."""
    clock: dict[str, Any] | None = None
    if run_state is not None:
        step = (run_state.get("steps") or {}).get(item.step_id) or {}
        if step.get("attempt") == item.attempt:
            clock = step.get("sla")
    if clock is None and item.due_at is None:
        return None

    def moment(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    due = moment(clock["due_at"]) if clock else item.due_at
    assert due is not None
    status = sla_status(
        due_at=due,
        now=now,
        warning_at=moment(clock.get("warning_at")) if clock else None,
        stopped_at=moment(clock.get("stopped_at")) if clock else None,
        marked=clock.get("state", SlaLevel.ON_TRACK) if clock else SlaLevel.ON_TRACK,
    )
    return SlaOut(state=status.state, remaining_minutes=status.remaining_minutes, due_at=due)


def _inbox_items(session: Session, rows: list[WorkItemRow], now: datetime) -> list[InboxItem]:
    runs = {
        r.id: r
        for r in session.exec(
            select(RunRow).where(col(RunRow.id).in_([i.run_id for i in rows]))
        ).all()
    }
    cases = {
        c.id: c
        for c in session.exec(
            select(CaseRow).where(col(CaseRow.id).in_([i.case_id for i in rows]))
        ).all()
    }
    routing = {
        r.key: r
        for r in session.exec(
            select(WorkRoutingRow).where(col(WorkRoutingRow.key).in_([i.key for i in rows]))
        ).all()
    }
    found: list[InboxItem] = []
    for item in rows:
        run = runs.get(item.run_id)
        case = cases.get(item.case_id)
        r = routing.get(item.key)
        found.append(
            InboxItem(
                key=item.key,
                run_id=item.run_id,
                case_id=item.case_id,
                workflow_id=run.workflow_id if run else "",
                step_id=item.step_id,
                title=item.title,
                queue=item.queue,
                assignee=item.assignee,
                skills=list(item.skills),
                priority=r.priority if r else 0,
                due_at=item.due_at,
                created_at=item.created_at,
                sla=item_sla(upgrade_snapshot(run.state) if run else None, item, now),
                case_subject=str((case.fields if case else {}).get("subject", "") or ""),
                form=list(item.form),
            )
        )
    return found


def _sort_key(item: InboxItem) -> tuple[Any, ...]:
    far = datetime.max.replace(tzinfo=item.created_at.tzinfo)
    return (-item.priority, item.due_at or far, item.created_at, item.key)


def _pullable(
    session: Session, agent: AgentView, now: datetime, *, limit: int = 200
) -> list[WorkItemRow]:
    queues = [q.name for q in session.exec(select(QueueRow)).all() if agent.id in q.members]
    if not queues:
        return []
    rows = session.exec(
        select(WorkItemRow, WorkRoutingRow)
        .join(WorkRoutingRow, col(WorkRoutingRow.key) == col(WorkItemRow.key), isouter=True)
        .where(
            col(WorkItemRow.status) == WorkItemStatus.OPEN,
            col(WorkItemRow.assignee).is_(None),
            col(WorkItemRow.queue).in_(queues),
        )
        .order_by(
            col(WorkRoutingRow.priority).desc(),
            col(WorkItemRow.due_at).is_(None),
            col(WorkItemRow.due_at),
            col(WorkItemRow.created_at),
            col(WorkItemRow.key),
        )
        .limit(limit)
    ).all()
    room = AgentView(**{**_fields(agent), "available": True, "open_items": 0, "load": 0})
    return [
        item
        for item, r in rows
        if passed_over(
            room,
            ItemView(item.key, tuple(item.skills), r.weight if r else 1),
        )
        is None
    ]


def _fields(agent: AgentView) -> dict[str, Any]:
    return {name: getattr(agent, name) for name in AgentView.__dataclass_fields__}


def inbox(session: Session, *, agent_id: str, now: datetime | None = None) -> InboxOut:
    """What ``agent_id`` holds, most urgent first, and what waits that they could pull."""
    now = now or utcnow()
    agent = get_agent(session, agent_id=agent_id, now=now)
    held = list(
        session.exec(
            select(WorkItemRow).where(
                col(WorkItemRow.assignee) == agent_id,
                col(WorkItemRow.status) == WorkItemStatus.OPEN,
            )
        ).all()
    )
    items = sorted(_inbox_items(session, held, now), key=_sort_key)
    views = agent_views(session, [agent_id], now)
    waiting = _pullable(session, views[0], now) if views else []
    nxt = _inbox_items(session, waiting[:1], now) if waiting else []
    return InboxOut(
        agent=agent, items=items, can_pull=len(waiting), next_pull=nxt[0] if nxt else None
    )


def pull_next(session: Session, *, agent_id: str, now: datetime | None = None) -> InboxItem:
    """Give ``agent_id`` the most urgent waiting item they fit, from any of their queues.

    Raises :class:`Conflict` when the agent is unavailable or has no room, and
    :class:`NotFound` when nothing waits that they may take.
    """
    now = now or utcnow()
    if session.get(AgentRow, agent_id) is None:
        raise NotFound("agent", agent_id)
    views = agent_views(session, [agent_id], now, lock=True)
    view = views[0]
    if not view.available:
        raise Conflict(f"agent {agent_id!r} cannot take work now: {view.why_unavailable}")
    for item in _pullable(session, view, now):
        routing = session.get(WorkRoutingRow, item.key)
        why = passed_over(
            view, ItemView(item.key, tuple(item.skills), routing.weight if routing else 1)
        )
        if why is not None:
            raise Conflict(f"agent {agent_id!r} cannot take more work: {why}")
        if not assign_open(session, item.key, agent_id):
            continue  # taken by someone else a moment ago
        record_assignment(
            session,
            key=item.key,
            queue=item.queue,
            agent=agent_id,
            previous=None,
            now=now,
            kind="pull",
            actor=agent_id,
            reason="pulled by the agent: the most urgent waiting item they fit "
            "(priority, then SLA due time)",
        )
        session.flush()
        session.refresh(item)
        return _inbox_items(session, [item], now)[0]
    raise NotFound("waiting work item for agent", agent_id)


def reassign(
    session: Session,
    *,
    key: str,
    agent: str | None,
    reason: str,
    actor: str,
    queue: str | None = None,
    now: datetime | None = None,
) -> InboxItem:
    """Move an open item to another agent (or back to its queue, or to another queue).

    A reason is required; the move is logged on the run, recorded with its reason and
    counted as a reassignment. The new agent must be available, have the item's skills
    and room (:class:`Conflict` says which is missing).
    """
    now = now or utcnow()
    if not reason.strip():
        raise InvalidInput("a reassignment needs a reason")
    item = session.get(WorkItemRow, key)
    if item is None:
        raise NotFound("work item", key)
    if queue is not None and queue != item.queue:
        if session.get(QueueRow, queue) is None:
            raise InvalidInput(f"unknown queue {queue!r}")
        item.queue = queue
        session.add(item)
        routing = session.get(WorkRoutingRow, key)
        if routing is not None:
            routing.queue = queue
            session.add(routing)
    if agent is not None:
        if session.get(AgentRow, agent) is None:
            raise InvalidInput(f"unknown agent {agent!r}")
        views = agent_views(session, [agent], now, lock=True)
        routing = session.get(WorkRoutingRow, key)
        why = passed_over(
            views[0], ItemView(key, tuple(item.skills), routing.weight if routing else 1)
        )
        if why is not None and item.assignee != agent:
            raise Conflict(f"cannot give the item to {agent!r}: {why}")
    previous = item.assignee
    # Logged on the run, recorded with the reason and counted (services.work_items).
    reassign_work_item(session, key=key, assignee=agent, actor=actor, reason=reason, now=now)
    session.flush()
    if agent is None and item.queue:
        drain(session, now=now, queues=[item.queue])
    if previous is not None and previous != agent:
        drain(session, now=now, agents=[previous])
    session.refresh(item)
    return _inbox_items(session, [item], now)[0]


def list_assignments(
    session: Session,
    *,
    key: str | None = None,
    agent: str | None = None,
    limit: int = 100,
) -> list[AssignmentOut]:
    """Assignment decisions, newest first, for one item or one agent."""
    query = select(AssignmentRow)
    if key is not None:
        query = query.where(col(AssignmentRow.work_item_key) == key)
    if agent is not None:
        query = query.where(col(AssignmentRow.agent) == agent)
    rows = session.exec(
        query.order_by(col(AssignmentRow.at).desc(), col(AssignmentRow.id).desc()).limit(limit)
    ).all()
    return [AssignmentOut.model_validate(r, from_attributes=True) for r in rows]
