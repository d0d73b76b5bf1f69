"""An agent's work: their inbox, pulling the next item, reassignment, and the assignment record.

Functions are keyword-only, take the caller's session and never commit. Every move of
an item is recorded with its reason (:func:`runtime.routing.router.record_assignment`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from graphs.model import FormField
from runtime.engine.state_migrations import upgrade_snapshot
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.routing.choose import AgentView, ItemView, passed_over
from runtime.routing.router import agent_views, assign_open, drain, record_assignment
from runtime.routing.waiting_line import waiting_line
from runtime.services.agent_roster import get_agent
from runtime.services.routing_shapes import AgentOut
from runtime.services.work_items import reassign_work_item
from runtime.sla.calendar import sla_status
from runtime.sla.levels import SlaLevel
from runtime.store.routing_tables import AgentRow, AssignmentRow, QueueRow, WorkRoutingRow
from runtime.store.tables import CaseRow, RunRow, WorkItemRow, WorkItemStatus, utcnow

__all__ = [
    "AssignmentOut",
    "InboxItem",
    "InboxOut",
    "SlaOut",
    "inbox",
    "item_sla",
    "list_assignments",
    "pull_next",
    "reassign",
]


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
    rows = waiting_line(session, queues, limit=limit)
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
