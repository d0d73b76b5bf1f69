"""A workflow's daily AI budget: calls and/or estimated cost per UTC day.

:func:`reserve` writes the call's row *before* the call goes out, after counting it into
the day's usage row (``ai_usage``), which it holds locked until its transaction ends, so
concurrent steps of one workflow take turns and cannot overrun the budget. The usage row
is the day's account summed (calls not refused, their cost), moved on in the transactions
that write the account: a reservation adds its call, an audit its cost
(:func:`add_usage`); so its cost is a read of one row, not of the day's calls. A call the
budget refuses is recorded too (``refused_budget``), not counted, and never sent. A
workflow without a budget row uses ``BATON_AI_DAILY_CALLS`` (no limit when unset).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Float, Integer, Table, bindparam, insert, select, update
from sqlalchemy.sql import Executable
from sqlmodel import Session

from runtime.store import statements as sql
from runtime.store.ai_tables import AiBudgetRow, AiCallRow, AiUsageRow
from runtime.store.dialects import dialect_of

__all__ = [
    "Budget", "CallRecord", "Reservation", "add_usage", "counted", "get_budget", "reserve",
    "set_budget", "usage",
]  # fmt: skip

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
_usage: Table = AiUsageRow.__table__  # type: ignore[attr-defined]
_USAGE = select(_usage.c.calls, _usage.c.cost).where(
    _usage.c.workflow_id == bindparam("_workflow_id"), _usage.c.day == bindparam("_day")
)
_ADD_USAGE = (
    update(_usage)
    .where(_usage.c.workflow_id == bindparam("_workflow_id"), _usage.c.day == bindparam("_day"))
    .values(
        calls=_usage.c.calls + bindparam("_calls", type_=Integer),
        cost=_usage.c.cost + bindparam("_cost", type_=Float),
    )
)
_LOCK_BUDGET = (
    select(_budgets.c.max_calls, _budgets.c.max_cost)
    .where(_budgets.c.workflow_id == bindparam("_workflow_id"))
    .with_for_update()
)
_INSERT_CALL = insert(_calls).returning(_calls.c.id)


@cache
def _count_call(insert_for: Callable[[Table], Any]) -> Executable:
    """The day's usage row with one more call (made at the day's first), locked until the
    transaction ends; returns its calls and cost after the count."""
    statement = insert_for(_usage)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=["workflow_id", "day"], set_={"calls": _usage.c.calls + 1}
    ).returning(_usage.c.calls, _usage.c.cost)


def counted(verdict: str | None) -> int:
    """1 if a call with ``verdict`` counts against the budget (refused calls do not)."""
    return 0 if verdict == REFUSED else 1


def usage(session: Session, *, workflow_id: str, day: str) -> tuple[int, float]:
    """Calls sent and their estimated cost on ``day`` (refused calls are not counted)."""
    found = sql.read_first(session, _USAGE, {"_workflow_id": workflow_id, "_day": day})
    if found is None:
        return 0, 0.0
    calls, cost = found
    return int(calls), float(cost)


def add_usage(session: Session, *, workflow_id: str, day: str, calls: int, cost: float) -> None:
    """Move the day's usage on by ``calls`` and ``cost``: an audit, or a call un-counted.

    The row exists: the call's reservation made it. In the transaction that changes the
    account's rows (see the module).
    """
    if calls or cost:
        sql.write(session, _ADD_USAGE, [
            {"_workflow_id": workflow_id, "_day": day, "_calls": calls, "_cost": cost}
        ])  # fmt: skip


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
    # Counted first, then judged: the count locks the day's row (PostgreSQL: the upsert's
    # row lock), so the next reservation of this workflow and day waits for this one.
    ((after, cost),) = sql.write_returning(
        session, _count_call(dialect_of(session).insert),
        [{"workflow_id": call.workflow_id, "day": call.day, "calls": 1, "cost": 0.0}],
    )  # fmt: skip
    calls, cost = int(after) - 1, float(cost)
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
        # A refused call is not counted: the row goes back to what it held.
        add_usage(session, workflow_id=call.workflow_id, day=call.day, calls=-1, cost=0.0)
    (written,) = sql.write_returning(session, _INSERT_CALL, [call.row()])
    return Reservation(int(written[0]), refused)
