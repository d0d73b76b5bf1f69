"""Skills and agents: who can take work, with which skills, how much, and when.

Functions are keyword-only, take the caller's session and never commit. Whatever gives
an agent more room (coming online, a higher capacity, a new skill) hands waiting items
to them at once (:func:`runtime.routing.drain`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.routing.choose import AgentView
from runtime.routing.router import agent_views, drain
from runtime.services.routing_shapes import AgentIn, AgentOut, SkillIn
from runtime.store.routing_tables import AgentPresenceRow, AgentRow, QueueRow, SkillRow
from runtime.store.tables import WorkItemRow, WorkItemStatus, utcnow

__all__ = [
    "delete_agent",
    "delete_skill",
    "get_agent",
    "list_agents",
    "list_skills",
    "save_agent",
    "save_skill",
    "set_availability",
]

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


#: what routing sees of an agent now, read from its view (none when it has no view)
_SEEN = ("open_items", "load", "available", "why_unavailable")


def _agent_out(row: AgentRow, view: AgentView | None, queues: list[str]) -> AgentOut:
    # The agent as set up is its row, field for field: a field added to both needs no line.
    own = {name: getattr(row, name) for name in AgentIn.model_fields}
    seen = {} if view is None else {name: getattr(view, name) for name in _SEEN}
    return AgentOut(**own, **seen, queues=queues)


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
