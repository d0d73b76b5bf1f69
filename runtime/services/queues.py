"""Queues (teams): their members, routing strategy and calendar, and what waits in them.

Saving a queue routes its waiting items to its members at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from runtime.errors import InvalidInput, NotFound
from runtime.routing.router import drain
from runtime.services.routing_shapes import QueueIn, QueueOut
from runtime.store.routing_tables import AgentRow, CalendarRow, QueueRow
from runtime.store.tables import WorkItemRow, WorkItemStatus, utcnow

__all__ = ["delete_queue", "list_queues", "save_queue"]


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
