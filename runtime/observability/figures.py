"""The store's figures an operator watches, read with a few cheap, indexed queries.

Read at scrape time (a Prometheus scrape every 15 s or so costs four small queries),
never by a polling thread: what is shown is what the database holds at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from runtime.store.tables import (
    OutboxRow,
    OutboxStatus,
    TimerRow,
    TimerStatus,
    WorkerProcessRow,
    WorkItemRow,
    WorkItemStatus,
)

__all__ = ["QueueFigures", "StoreFigures", "WorkerFigures", "read_figures"]

#: Outbox entries not yet performed: waiting, or claimed by a worker (under a lease).
_UNDONE = (OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value)


@dataclass(frozen=True)
class QueueFigures:
    """Work items waiting in one queue (open, nobody assigned) and the oldest one's wait."""

    waiting: int
    oldest_wait_seconds: float


@dataclass(frozen=True)
class WorkerFigures:
    """A worker process on record (``worker_process``) and the age of its last heartbeat."""

    worker_id: str
    host: str
    pid: int
    heartbeat_age_seconds: float


@dataclass(frozen=True)
class StoreFigures:
    """What the store holds right now that says how the executors keep up."""

    #: ``(kind, status) -> entries`` for outbox entries pending or claimed.
    outbox_depth: dict[tuple[str, str], int]
    #: How long the oldest due outbox entry has been due (0 when none is).
    outbox_lag_seconds: float
    #: Pending timers whose time has come, and how late the oldest of them is.
    timers_due: int
    timer_lag_seconds: float
    #: Queue name -> its waiting work items.
    queues: dict[str, QueueFigures]
    workers: list[WorkerFigures]


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


def read_figures(session: Session, now: datetime) -> StoreFigures:
    """The store's figures at ``now`` (aware UTC)."""
    undone = col(OutboxRow.status).in_(_UNDONE)
    depth = {
        (str(kind), str(status)): int(count)
        for kind, status, count in session.exec(
            select(OutboxRow.kind, OutboxRow.status, func.count())
            .where(undone)
            .group_by(col(OutboxRow.kind), col(OutboxRow.status))
        ).all()
    }
    # A claimed entry whose lease has run out is due again (its worker is gone).
    oldest_due = session.exec(
        select(func.min(col(OutboxRow.available_at))).where(
            undone, col(OutboxRow.available_at) <= now
        )
    ).one()
    timers_due, oldest_timer = session.exec(
        select(func.count(), func.min(col(TimerRow.due_at))).where(
            col(TimerRow.status) == TimerStatus.PENDING.value, col(TimerRow.due_at) <= now
        )
    ).one()
    queues = {
        str(queue): QueueFigures(int(count), _age(now, oldest))
        for queue, count, oldest in session.exec(
            select(WorkItemRow.queue, func.count(), func.min(col(WorkItemRow.created_at)))
            .where(
                and_(
                    col(WorkItemRow.status) == WorkItemStatus.OPEN.value,
                    col(WorkItemRow.queue).is_not(None),
                    col(WorkItemRow.assignee).is_(None),
                )
            )
            .group_by(col(WorkItemRow.queue))
        ).all()
    }
    workers = [
        WorkerFigures(row.id, row.host, row.pid, _age(now, row.heartbeat_at))
        for row in session.exec(select(WorkerProcessRow)).all()
    ]
    return StoreFigures(
        outbox_depth=depth,
        outbox_lag_seconds=_age(now, oldest_due),
        timers_due=int(timers_due),
        timer_lag_seconds=_age(now, oldest_timer),
        queues=queues,
        workers=workers,
    )
