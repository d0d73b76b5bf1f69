"""The waiting line: open, unassigned work items of some queues, most urgent first.

One query for everyone who reads the line: the router handing freed room on
(:func:`runtime.routing.router.drain`) and an agent pulling their next item
(:func:`runtime.services.inbox.pull_next`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import WorkItemRow, WorkItemStatus

__all__ = ["waiting_line"]


def waiting_line(
    session: Session, queues: Sequence[str], *, limit: int
) -> list[tuple[WorkItemRow, WorkRoutingRow | None]]:
    """Up to ``limit`` waiting items of ``queues`` with their routing rows, in line order.

    The order is the priority class, then the SLA due time (items without one last),
    then age, then key.
    """
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
    return list(rows)
