"""A workflow's daily AI budget: calls and/or estimated cost per UTC day.

:func:`reserve` writes the call's row *before* the call goes out, after counting the day's
calls under a lock on the workflow's budget row, so concurrent steps cannot overrun it. A
call the budget refuses is recorded too (``refused_budget``) and never sent. A workflow
without a budget row uses ``BATON_AI_DAILY_CALLS`` (no limit when unset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from runtime.store.ai_tables import AiBudgetRow, AiCallRow

__all__ = ["Budget", "Reservation", "get_budget", "reserve", "set_budget", "usage"]

REFUSED = "refused_budget"


@dataclass(frozen=True, slots=True)
class Budget:
    """The limits of one workflow's day (None: no limit)."""

    workflow_id: str
    max_calls: int | None
    max_cost: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"workflow_id": self.workflow_id, "max_calls": self.max_calls,
                "max_cost": self.max_cost}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reserved call (``call_id``), or the refusal (``refused``) naming the budget."""

    call_id: int
    refused: str | None


def day_of(now: datetime) -> str:
    """The budget's day: the UTC date.

    >>> from datetime import UTC
    >>> day_of(datetime(2026, 12, 6, 23, 59, tzinfo=UTC))
    '2026-12-06'
    """
    return now.date().isoformat()


def get_budget(session: Session, *, workflow_id: str, default_calls: int | None) -> Budget:
    """The workflow's budget, or the default one."""
    row = session.get(AiBudgetRow, workflow_id)
    if row is None:
        return Budget(workflow_id, default_calls, None)
    return Budget(workflow_id, row.max_calls, row.max_cost)


def set_budget(
    session: Session, *, workflow_id: str, max_calls: int | None, max_cost: float | None,
    now: datetime,
) -> Budget:  # fmt: skip
    """Set (or lift, with both None) a workflow's daily budget."""
    row = session.get(AiBudgetRow, workflow_id)
    if row is None:
        row = AiBudgetRow(workflow_id=workflow_id)
    row.max_calls, row.max_cost, row.updated_at = max_calls, max_cost, now
    session.add(row)
    session.flush()
    return Budget(workflow_id, max_calls, max_cost)


# Every AI step reserves: its two reads are built once and bound per call (building a
# statement and its cache key costs more than running it).
_USAGE = select(func.count(), func.coalesce(func.sum(AiCallRow.cost), 0.0)).where(
    AiCallRow.workflow_id == bindparam("_workflow_id"),
    AiCallRow.day == bindparam("_day"),
    col(AiCallRow.verdict) != REFUSED,
)
_LOCK_BUDGET = (
    select(AiBudgetRow.max_calls, AiBudgetRow.max_cost)
    .where(AiBudgetRow.workflow_id == bindparam("_workflow_id"))
    .with_for_update()
)


def usage(session: Session, *, workflow_id: str, day: str) -> tuple[int, float]:
    """Calls sent and their estimated cost on ``day`` (refused calls are not counted)."""
    calls, cost = session.exec(_USAGE, params={"_workflow_id": workflow_id, "_day": day}).one()
    return int(calls), float(cost)


def reserve(
    session: Session,
    *,
    call: AiCallRow,
    default_calls: int | None,
) -> Reservation:
    """Record ``call`` as pending, or as refused when the day's budget is spent."""
    # Lock the budget row (PostgreSQL: FOR UPDATE; SQLite's writer lock serialises anyway)
    # so two steps cannot both take the last call.
    row = session.exec(_LOCK_BUDGET, params={"_workflow_id": call.workflow_id}).first()
    budget = (
        Budget(call.workflow_id, row[0], row[1])
        if row is not None
        else Budget(call.workflow_id, default_calls, None)
    )
    calls, cost = usage(session, workflow_id=call.workflow_id, day=call.day)
    refused: str | None = None
    if budget.max_calls is not None and calls >= budget.max_calls:
        refused = (
            f"the AI budget of workflow {call.workflow_id!r} is spent: {calls} of "
            f"{budget.max_calls} calls on {call.day} (UTC); the call was not sent"
        )
    elif budget.max_cost is not None and cost >= budget.max_cost:
        refused = (
            f"the AI budget of workflow {call.workflow_id!r} is spent: an estimated "
            f"{cost:.4f} of {budget.max_cost:g} on {call.day} (UTC); the call was not sent"
        )
    if refused is not None:
        call.verdict, call.reason = REFUSED, refused
    session.add(call)
    session.flush()
    assert call.id is not None
    return Reservation(call.id, refused)
