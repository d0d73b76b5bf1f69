"""Pending timers: which are due, when the next one is, and firing one into its run."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from runtime.engine.types import TimerFired
from runtime.services.run_events import ACTIVE_STATUS_VALUES, apply_event, lock_run
from runtime.store import statements as sql
from runtime.store.records import written
from runtime.store.tables import TimerRow, TimerStatus

__all__ = ["due_timers", "fire_timer", "next_timer_due", "pending_timers"]


def pending_timers(session: Session, *, limit: int) -> list[tuple[str, datetime]]:
    """``(key, due_at)`` of the ``limit`` earliest pending timers, earliest first."""
    rows = sql.read_all(session, sql.PENDING_TIMERS, {"_limit": limit})
    return [(str(key), due) for key, due in rows]


def due_timers(session: Session, *, now: datetime, limit: int = 100) -> list[str]:
    """Keys of pending timers that are due, earliest first."""
    return list(
        session.exec(
            select(TimerRow.key)
            .where(col(TimerRow.status) == TimerStatus.PENDING, col(TimerRow.due_at) <= now)
            .order_by(col(TimerRow.due_at), col(TimerRow.key))
            .limit(limit)
        ).all()
    )


def next_timer_due(session: Session, *, after: datetime | None = None) -> datetime | None:
    """When the earliest pending timer (due later than ``after``, if given) is due."""
    query = select(TimerRow.due_at).where(col(TimerRow.status) == TimerStatus.PENDING)
    if after is not None:
        query = query.where(col(TimerRow.due_at) > after)
    return session.exec(query.order_by(col(TimerRow.due_at)).limit(1)).first()


def fire_timer(session: Session, *, key: str, now: datetime) -> bool:
    """Fire one due timer into its run; ``False`` if it is gone, not due or already fired."""
    found = sql.read_first(session, sql.TIMER_RUN, {"_key": key})
    if found is None:
        return False
    case, run = lock_run(session, found[0])
    timer = sql.read_first(session, sql.LOCK_PENDING_TIMER, {"_key": key})
    if timer is None:
        return False
    due_at, purpose, data = timer
    if due_at > now:
        return False
    sql.write(session, sql.FIRE_TIMER, [{"_key": key, "_now": now}])
    written(session, TimerRow, key, {"status": str(TimerStatus.FIRED), "fired_at": now})
    if run.status in ACTIVE_STATUS_VALUES:
        event = TimerFired(timer_key=key, purpose=purpose, data=dict(data))
        apply_event(session, run=run, case=case, event=event, now=now)
    return True
