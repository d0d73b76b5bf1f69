"""Performing an escalation rule's outward actions in the store, in the transaction of
the transition that fired it: raise the run's work items' priority, move them to another
queue or skill set (routing them anew), and leave notices for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from runtime.actions.notify import render_template
from runtime.engine.types import Escalate
from runtime.routing.choose import ItemView, choose
from runtime.routing.router import agent_views, record_assignment
from runtime.store.routing_tables import NoticeRow, QueueRow, WorkRoutingRow
from runtime.store.tables import WorkItemRow, WorkItemStatus

__all__ = ["perform_escalation"]


def perform_escalation(
    session: Session,
    *,
    run_id: str,
    case_id: str,
    case: Mapping[str, Any],
    effect: Escalate,
    now: datetime,
) -> None:
    """Apply ``effect``'s actions to the open work items of run ``run_id``."""
    session.flush()  # work items created earlier in this transition must be visible
    items = list(
        session.exec(
            select(WorkItemRow).where(
                col(WorkItemRow.run_id) == run_id, col(WorkItemRow.status) == WorkItemStatus.OPEN
            )
        ).all()
    )
    for action in effect.actions:
        kind = action.get("kind")
        if kind == "raise_priority":
            by = int(action.get("by", 1))
            for item in items:
                routing = session.get(WorkRoutingRow, item.key)
                if routing is not None:
                    routing.priority += by
                    session.add(routing)
        elif kind == "reassign":
            for item in items:
                _reassign(session, item, action, effect, now)
        elif kind == "notify":
            text, _missing = render_template(str(action.get("message") or ""), case)
            to, _ = render_template(str(action.get("to") or ""), case)
            session.add(
                NoticeRow(
                    run_id=run_id,
                    case_id=case_id,
                    rule_id=effect.rule_id,
                    to=to,
                    message=text or f"Escalation {effect.name!r}: {effect.reason}",
                    at=now,
                )
            )


def _reassign(
    session: Session, item: WorkItemRow, action: Mapping[str, Any], effect: Escalate, now: datetime
) -> None:
    routing = session.get(WorkRoutingRow, item.key)
    queue_name = action.get("queue") or item.queue
    skills = list(action.get("skills") or item.skills)
    item.queue = queue_name
    item.skills = skills
    previous = item.assignee
    queue = session.get(QueueRow, queue_name) if queue_name else None
    strategy = (routing.strategy if routing else None) or (queue.strategy if queue else "")
    if queue is not None and queue.strategy != strategy:
        strategy = queue.strategy
    agent: str | None = None
    decision = None
    if queue is not None:
        views = agent_views(session, queue.members, now, lock=True)
        view = ItemView(
            key=item.key,
            skills=tuple(skills),
            weight=routing.weight if routing else 1,
            priority=routing.priority if routing else 0,
            due_at=item.due_at,
            created_at=item.created_at,
        )
        # The current holder is not a candidate: escalation moves the item away from them.
        decision = choose(
            view, [v for v in views if v.id != previous], strategy, last=queue.last_assigned
        )
        agent = decision.agent
        if agent is not None:
            queue.last_assigned = agent
            session.add(queue)
    item.assignee = agent
    session.add(item)
    if routing is not None:
        routing.queue = queue_name
        routing.skills = skills
        routing.strategy = strategy or routing.strategy
        session.add(routing)
    record_assignment(
        session,
        key=item.key,
        queue=queue_name,
        agent=agent,
        previous=previous,
        now=now,
        kind="escalation",
        reason=f"escalation rule {effect.name!r}: "
        + (decision.reason if decision else f"queue {queue_name!r} is not set up; waits"),
        decision=decision,
    )
