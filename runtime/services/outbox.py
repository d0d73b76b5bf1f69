"""The outbox as the executor sees it: claiming due entries, marking them done or giving them back.

A claimed entry's ``available_at`` is its lease: an entry whose claimer died is due
again when the lease runs out, or at once when a worker finds the claimer's process
gone (:func:`runtime.services.worker_processes.reclaim_claims`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from runtime.store import statements as sql
from runtime.store.dialects import dialect_of
from runtime.store.tables import OutboxRow, OutboxStatus

__all__ = ["claim_outbox", "due_outbox", "finish_outbox", "finish_outbox_many", "release_outbox"]


def _lock_for_claim(query: Any, session: Session) -> Any:
    return dialect_of(session).claimable(query)


def claim_outbox(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease_margin_seconds: float,
    kinds: tuple[str, ...] | None = None,
    owner: str | None = None,
) -> list[OutboxRow]:
    """Claim up to ``limit`` due entries (pending, or claimed with an expired lease).

    A claimed entry's ``available_at`` becomes its lease: if the claimer dies, the entry
    is due again when the lease runs out, or as soon as a worker finds its ``owner``
    process gone (:func:`reclaim_claims`). A step's lease covers its timeout.
    """
    query = select(OutboxRow).where(
        col(OutboxRow.status).in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED)),
        col(OutboxRow.available_at) <= now,
    )
    if kinds is not None:
        query = query.where(col(OutboxRow.kind).in_(kinds))
    query = query.order_by(col(OutboxRow.available_at), col(OutboxRow.id)).limit(limit)
    rows = list(session.exec(_lock_for_claim(query, session)).all())
    for row in rows:
        timeout = float(row.effect.get("timeout_seconds", 0.0))
        row.status = OutboxStatus.CLAIMED
        row.attempts += 1
        row.available_at = now + timedelta(seconds=timeout + lease_margin_seconds)
        row.claimed_by = owner
        session.add(row)
    return rows


def finish_outbox(session: Session, *, outbox_id: int, now: datetime) -> None:
    """Mark an outbox entry done."""
    sql.write(session, sql.FINISH_OUTBOX, [{"_id": outbox_id, "_now": now}])


def finish_outbox_many(session: Session, *, outbox_ids: list[int], now: datetime) -> None:
    """Mark several outbox entries done at once."""
    if outbox_ids:
        session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id).in_(outbox_ids))
            .values(status=OutboxStatus.DONE, done_at=now)
        )


def release_outbox(
    session: Session,
    *,
    outbox_id: int,
    now: datetime,
    error: str,
    retry_in_seconds: float | None,
) -> None:
    """Give an entry back after a failed delivery: due again later, or failed for good."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if retry_in_seconds is None:
        values.update(status=OutboxStatus.FAILED, done_at=now)
    else:
        values.update(
            status=OutboxStatus.PENDING, available_at=now + timedelta(seconds=retry_in_seconds)
        )
    session.execute(update(OutboxRow).where(col(OutboxRow.id) == outbox_id).values(**values))


def due_outbox(session: Session, *, now: datetime, limit: int) -> list[tuple[int, str]]:
    """``(id, kind)`` of up to ``limit`` due entries, oldest first, without claiming them."""
    rows = sql.read_all(session, sql.DUE_OUTBOX, {"_now": now, "_limit": limit})
    return [(int(i), str(kind)) for i, kind in rows]
