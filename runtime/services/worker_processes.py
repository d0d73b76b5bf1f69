"""The worker processes on record: registering, heartbeats, and taking back what gone ones held.

Each claim names the worker process holding it (``outbox.claimed_by``). A worker that
finds such a process gone (:func:`reclaim_claims`) hands its claims back at once, so a
restart repeats a cut-off call within seconds rather than after the lease.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from runtime.store.tables import (
    ExecutionRow,
    ExecutionStatus,
    OutboxRow,
    OutboxStatus,
    WorkerProcessRow,
)

__all__ = [
    "forget_worker",
    "heartbeat_worker",
    "reclaim_claims",
    "register_worker",
    "worker_processes",
]


def register_worker(session: Session, *, process: WorkerProcessRow) -> None:
    """Record a worker process that is about to claim work (or renew it, if known)."""
    session.merge(process)


def heartbeat_worker(session: Session, *, worker_id: str, now: datetime) -> bool:
    """Say the worker is still there; ``False`` if its row is gone (another took it for dead)."""
    found = session.execute(
        update(WorkerProcessRow)
        .where(col(WorkerProcessRow.id) == worker_id)
        .values(heartbeat_at=now)
    )
    return bool(found.rowcount)  # type: ignore[attr-defined]


def worker_processes(session: Session) -> list[WorkerProcessRow]:
    """Every worker process on record."""
    return list(session.exec(select(WorkerProcessRow)).all())


def reclaim_claims(session: Session, *, worker_ids: list[str], now: datetime) -> list[str]:
    """Hand back at once what gone worker processes held; forget those processes.

    Their claimed entries are due now, and their steps' execution leases end now, so the
    next worker to look delivers them again (logged as ``step.redelivered``). Returns the
    keys of the entries handed back.
    """
    if not worker_ids:
        return []
    held = session.exec(
        select(OutboxRow.id, OutboxRow.idempotency_key, OutboxRow.kind).where(
            col(OutboxRow.claimed_by).in_(worker_ids),
            col(OutboxRow.status) == OutboxStatus.CLAIMED,
        )
    ).all()
    ids = [i for i, _key, _kind in held if i is not None]
    steps = [key for _id, key, kind in held if kind == "run_step"]
    if ids:
        session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(ids))
            .values(available_at=now, claimed_by=None)
        )
    if steps:
        session.execute(
            update(ExecutionRow)
            .where(
                col(ExecutionRow.key).in_(steps),
                col(ExecutionRow.status) == ExecutionStatus.RUNNING,
                col(ExecutionRow.lease_until) > now,
            )
            .values(lease_until=now)
        )
    session.execute(delete(WorkerProcessRow).where(col(WorkerProcessRow.id).in_(worker_ids)))
    return [key for _id, key, _kind in held]


def forget_worker(session: Session, *, worker_id: str) -> None:
    """Remove a worker process that stopped cleanly (it holds no claims any more)."""
    session.execute(delete(WorkerProcessRow).where(col(WorkerProcessRow.id) == worker_id))
