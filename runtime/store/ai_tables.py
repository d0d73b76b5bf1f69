"""Tables of AI steps: every provider call, the daily budgets, and the trained classifiers.

``ai_call`` is the account the budget and the metrics read: a row is written *before* a
call goes out (so concurrent calls of one workflow cannot overrun its budget), and
finished with the call's figures and verdict. The run log holds the same audit as an
``ai.call`` line, in the run's own transaction. ``ai_model`` keeps each version of a local
classifier as bytes with its training figures; the newest version of a (workflow, field)
is the one AI steps use. ``ai_usage`` is the running count of a workflow's day, kept with
the account's rows so the budget reads one row instead of the whole day's calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from runtime.store.tables import utcnow

__all__ = ["AiBudgetRow", "AiCallRow", "AiModelRow", "AiUsageRow"]


class AiCallRow(SQLModel, table=True):
    """One call of an AI step (or one refused by the budget), with its audit figures.

    ``verdict`` is ``pending`` while the call is out, then ``accepted``, ``retried`` (the
    answer broke the declared outputs, or the provider failed), ``handed_to_person``
    (below the threshold, or a refusal) or ``refused_budget`` (never sent).
    """

    __tablename__ = "ai_call"
    __table_args__ = (
        Index("ix_ai_call_budget", "workflow_id", "day"),
        Index("ix_ai_call_step", "workflow_id", "step_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=64)
    workflow_id: str = Field(max_length=120)
    step_id: str = Field(max_length=120)
    attempt: int
    day: str = Field(max_length=10, description="UTC date, YYYY-MM-DD: the budget's day")
    at: datetime = Field(default_factory=utcnow)
    provider: str = Field(max_length=20)
    model: str = Field(max_length=200)
    prompt_hash: str = Field(max_length=64)
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    cost: float = 0.0
    verdict: str = Field(default="pending", max_length=20)
    reason: str | None = None
    confidence: float | None = None
    answer: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class AiBudgetRow(SQLModel, table=True):
    """A workflow's daily AI budget: calls and/or estimated cost (None: no limit)."""

    __tablename__ = "ai_budget"

    workflow_id: str = Field(primary_key=True, max_length=120)
    max_calls: int | None = None
    max_cost: float | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AiUsageRow(SQLModel, table=True):
    """A workflow's calls and their estimated cost on one UTC day, as the budget counts them.

    What ``ai_call`` says summed: its calls that were not refused, and their cost. Moved on
    in the transaction that writes the call's row (a reservation counts it, an audit adds
    its cost), so the two never disagree; the row is also the lock concurrent reservations
    of one workflow's day take turns on.
    """

    __tablename__ = "ai_usage"

    workflow_id: str = Field(primary_key=True, max_length=120)
    day: str = Field(primary_key=True, max_length=10)
    calls: int = 0
    cost: float = 0.0


class AiModelRow(SQLModel, table=True):
    """One trained version of a local classifier: the text fields it reads, the field it
    predicts, its labels, training figures and the serialised model."""

    __tablename__ = "ai_model"
    __table_args__ = (UniqueConstraint("workflow_id", "field", "version", name="uq_ai_model"),)

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=120)
    field: str = Field(max_length=120)
    version: int
    created_at: datetime = Field(default_factory=utcnow)
    text_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cases_used: int
    held_out: int
    accuracy: float | None = None
    train_seconds: float = 0.0
    blob: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
