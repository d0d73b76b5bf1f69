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

from sqlalchemy import Table, bindparam, func, insert, select
from sqlmodel import Session

from runtime.store import statements as sql
from runtime.store.ai_tables import AiBudgetRow, AiCallRow

__all__ = ["Budget", "CallRecord", "Reservation", "get_budget", "reserve", "set_budget", "usage"]

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


@dataclass(slots=True)
class CallRecord:
    """An ``ai_call`` row as its reservation writes it (a plain record: building the
    table's SQLModel object cost ~65 µs a call, inside the step's transaction)."""

    run_id: str
    workflow_id: str
    step_id: str
    attempt: int
    day: str
    at: datetime
    provider: str
    model: str
    prompt_hash: str
    verdict: str = "pending"
    reason: str | None = None

    def row(self) -> dict[str, Any]:
        """Every column but the id, as written: figures zero until the call is audited."""
        return {
            "run_id": self.run_id, "workflow_id": self.workflow_id, "step_id": self.step_id,
            "attempt": self.attempt, "day": self.day, "at": self.at, "provider": self.provider,
            "model": self.model, "prompt_hash": self.prompt_hash, "tokens_in": 0,
            "tokens_out": 0, "latency_ms": 0, "cost": 0.0, "verdict": self.verdict,
            "reason": self.reason, "confidence": None, "answer": None,
        }  # fmt: skip


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


# Every AI step reserves, inside the transaction of its step: its reads and its row go on
# the driver (runtime.store.statements), ~25 µs each where the ORM took ~60-150 µs.
_calls: Table = AiCallRow.__table__  # type: ignore[attr-defined]
_budgets: Table = AiBudgetRow.__table__  # type: ignore[attr-defined]
_USAGE = select(func.count(), func.coalesce(func.sum(_calls.c.cost), 0.0)).where(
    _calls.c.workflow_id == bindparam("_workflow_id"),
    _calls.c.day == bindparam("_day"),
    _calls.c.verdict != REFUSED,
)
_LOCK_BUDGET = (
    select(_budgets.c.max_calls, _budgets.c.max_cost)
    .where(_budgets.c.workflow_id == bindparam("_workflow_id"))
    .with_for_update()
)
_INSERT_CALL = insert(_calls).returning(_calls.c.id)


def usage(session: Session, *, workflow_id: str, day: str) -> tuple[int, float]:
    """Calls sent and their estimated cost on ``day`` (refused calls are not counted)."""
    found = sql.read_first(session, _USAGE, {"_workflow_id": workflow_id, "_day": day})
    assert found is not None  # an aggregate has one row
    calls, cost = found
    return int(calls), float(cost)


def reserve(
    session: Session,
    *,
    call: CallRecord,
    default_calls: int | None,
) -> Reservation:
    """Record ``call`` as pending, or as refused when the day's budget is spent."""
    # Lock the budget row (PostgreSQL: FOR UPDATE; SQLite's writer lock serialises anyway)
    # so two steps cannot both take the last call.
    row = sql.read_first(session, _LOCK_BUDGET, {"_workflow_id": call.workflow_id})
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
    (written,) = sql.write_returning(session, _INSERT_CALL, [call.row()])
    return Reservation(int(written[0]), refused)
