"""Tables for running cases: cases and their history, runs and their log, work items,
timers, the outbox of effects and the record of step executions.

Times are timezone-aware UTC datetimes (SQLModel's ``UTCDateTime`` refuses naive ones),
so SQLite and PostgreSQL round-trip the same values.

Status enums are one per thing, with their groupings, as in the engine's types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from runtime.store.column_types import SnapshotJson, UtcTime

__all__ = [
    "CaseChangeRow",
    "CaseRow",
    "ExecutionRow",
    "ExecutionStatus",
    "OutboxRow",
    "OutboxStatus",
    "RunEventRow",
    "RunInputRow",
    "RunRow",
    "TimerRow",
    "TimerStatus",
    "WorkItemRow",
    "WorkItemStatus",
    "WorkerProcessRow",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _time(*, index: bool = False, nullable: bool = False) -> Any:
    # UTCDateTime (aware in, aware UTC out, every dialect), converted in one step on SQLite.
    if nullable:
        return Field(default=None, index=index, sa_type=UtcTime)
    return Field(default_factory=utcnow, index=index, sa_type=UtcTime)


def _json(*, nullable: bool = False, factory: Any = dict) -> Any:
    column = Column(JSON, nullable=nullable)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=factory, sa_column=column)


# ---------------------------------------------------------------------------- cases


class CaseRow(SQLModel, table=True):
    """A case record: typed fields as JSON, plus a version counter bumped on every change.

    ``source``/``external_id`` name the record in an outside system (Salesforce) so a
    sync can find it again; a case made in Baton has source ``baton`` and no external id.
    """

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_cases_external"),)

    id: str = Field(primary_key=True, max_length=64)
    fields: dict[str, Any] = _json()
    source: str = Field(default="baton", max_length=60)
    external_id: str | None = Field(default=None, max_length=255)
    version: int = 1
    created_at: datetime = _time()
    updated_at: datetime = _time()
    created_by: str = Field(default="system", max_length=255)
    updated_by: str = Field(default="system", max_length=255)


class CaseChangeRow(SQLModel, table=True):
    """One field's change: ``seq`` is the case version the change produced."""

    __tablename__ = "case_change"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", "field", name="uq_case_change_field"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    seq: int
    at: datetime = _time()
    actor: str = Field(max_length=255)
    field: str = Field(max_length=120)
    old: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    new: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


# ---------------------------------------------------------------------------- runs


class RunRow(SQLModel, table=True):
    """One walk of one workflow version for one case: its latest state snapshot.

    The scalar columns copy what listing and filtering need out of ``state`` so that the
    run list never parses JSON.
    """

    __tablename__ = "run"
    __table_args__ = (
        Index("ix_run_listing", "workflow_id", "status", "node_id", "started_at", "id"),
        Index("ix_run_status_started", "status", "started_at", "id"),
        Index("ix_run_started", "started_at", "id"),
        # The cases list: a workflow's runs (at a node) newest first (0002_cases_list).
        Index("ix_run_workflow_started", "workflow_id", "started_at", "id"),
        Index("ix_run_workflow_node_started", "workflow_id", "node_id", "started_at", "id"),
        # Covers the monitor's figures: age in node, SLA levels, longest-waiting runs.
        Index(
            "ix_run_workflow_age", "workflow_id", "status", "node_entered_at", "node_id", "id",
            "version", "sla_state", "sla_due_at", "sla_warning_at",
        ),
        Index("ix_run_sla_due", "sla_due_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    workflow_id: str = Field(max_length=120)
    version: int
    case_id: str = Field(foreign_key="cases.id", index=True, max_length=64)
    status: str = Field(max_length=20)
    node_id: str | None = Field(default=None, max_length=120)
    node_entered_at: datetime | None = _time(nullable=True)
    # The running SLA clock of the current stage, copied out of ``state`` (None when no
    # clock runs) so the cases list and the monitor filter and count without JSON.
    sla_state: str | None = Field(default=None, max_length=20)
    sla_due_at: datetime | None = _time(nullable=True)
    sla_warning_at: datetime | None = _time(nullable=True)
    # Bound as the JSON text the engine's state writes (runtime.store.column_types).
    state: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(SnapshotJson, nullable=False)
    )
    seq: int = 0
    inputs: int = Field(default=0, description="How many input events the run has taken")
    started_at: datetime = _time()
    finished_at: datetime | None = _time(nullable=True)
    updated_at: datetime = _time()


class RunEventRow(SQLModel, table=True):
    """One line of a run's append-only audit log, numbered per run from 1."""

    __tablename__ = "run_event"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_run_event_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", max_length=64)
    seq: int
    at: datetime = _time()
    actor: str = Field(max_length=255)
    kind: str = Field(max_length=60)
    node_id: str | None = Field(default=None, max_length=120)
    step_id: str | None = Field(default=None, max_length=120)
    data: dict[str, Any] = _json()


class RunInputRow(SQLModel, table=True):
    """An event fed to a run's transition, in order: replaying them rebuilds the run.

    ``seq`` is the log sequence number reached *after* the input was applied, so a
    replay can be checked against the log step by step.
    """

    __tablename__ = "run_input"
    __table_args__ = (UniqueConstraint("run_id", "n", name="uq_run_input_n"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", max_length=64)
    n: int
    at: datetime = _time()
    event: dict[str, Any] = _json()
    seq: int


# ---------------------------------------------------------------------------- work items


class WorkItemStatus(StrEnum):
    """Where a work item stands."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkItemRow(SQLModel, table=True):
    """An interactive step's task; ``key`` is ``<run>:<step>:<attempt>``."""

    __tablename__ = "work_item"
    __table_args__ = (
        Index("ix_work_item_queue", "status", "queue", "created_at"),
        Index("ix_work_item_assignee", "status", "assignee", "created_at"),
    )

    key: str = Field(primary_key=True, max_length=300)
    run_id: str = Field(foreign_key="run.id", index=True, max_length=64)
    case_id: str = Field(index=True, max_length=64)
    step_id: str = Field(max_length=120)
    attempt: int
    title: str
    queue: str | None = Field(default=None, max_length=120)
    assignee: str | None = Field(default=None, max_length=255)
    skills: list[str] = _json(factory=list)
    strategy: str | None = Field(default=None, max_length=40)
    form: list[dict[str, Any]] = _json(factory=list)
    status: str = Field(default=WorkItemStatus.OPEN, max_length=20)
    due_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time()
    completed_at: datetime | None = _time(nullable=True)
    completed_by: str | None = Field(default=None, max_length=255)
    data: dict[str, Any] = _json()
    cancel_reason: str | None = None


# ---------------------------------------------------------------------------- timers


class TimerStatus(StrEnum):
    """Where a timer stands."""

    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


class TimerRow(SQLModel, table=True):
    """A timer the engine asked for; the clock fires it when ``due_at`` passes."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "status", "due_at"),)

    key: str = Field(primary_key=True, max_length=300)
    run_id: str = Field(foreign_key="run.id", index=True, max_length=64)
    due_at: datetime = _time(index=True)
    purpose: str = Field(max_length=60)
    data: dict[str, Any] = _json()
    status: str = Field(default=TimerStatus.PENDING, max_length=20)
    created_at: datetime = _time()
    fired_at: datetime | None = _time(nullable=True)


# ---------------------------------------------------------------------------- outbox


class OutboxStatus(StrEnum):
    """Where an outbox entry stands; ``claimed`` entries carry a lease in ``available_at``."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


class OutboxRow(SQLModel, table=True):
    """An effect to perform after commit; ``idempotency_key`` makes a second copy impossible.

    A claimed entry whose lease (``available_at``) has passed is claimable again: that is
    how work held by a crashed worker comes back. ``claimed_by`` names the worker process
    (:class:`WorkerProcessRow`) holding the lease, so a restart that finds that process
    dead hands its entries back at once instead of waiting the lease out.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=40)
    effect: dict[str, Any] = _json()
    idempotency_key: str = Field(unique=True, max_length=400)
    status: str = Field(default=OutboxStatus.PENDING, max_length=20)
    attempts: int = 0
    available_at: datetime = _time()
    created_at: datetime = _time()
    done_at: datetime | None = _time(nullable=True)
    last_error: str | None = None
    claimed_by: str | None = Field(default=None, index=True, max_length=64)


class WorkerProcessRow(SQLModel, table=True):
    """A running worker process, as the leases it holds name it.

    ``host``, ``boot_id``, ``pid`` and ``pid_started`` (the process's start time in clock
    ticks since boot) let a process on the same machine tell for certain that it is gone;
    ``heartbeat_at`` lets any other process tell it, later, from afar.
    """

    __tablename__ = "worker_process"

    id: str = Field(primary_key=True, max_length=64)
    host: str = Field(max_length=255)
    boot_id: str = Field(default="", max_length=64)
    pid: int
    pid_started: str = Field(default="", max_length=32)
    started_at: datetime = _time()
    heartbeat_at: datetime = _time()


class ExecutionStatus(StrEnum):
    """Where one execution of a background step's action stands."""

    RUNNING = "running"  #: handed to the action; ``lease_until`` bounds it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  #: the run no longer wanted it when it came up


class ExecutionRow(SQLModel, table=True):
    """The record, written before the call, that a step's action is being run.

    ``deliveries`` counts how often the action was called for this key: more than one
    means a worker died mid-call and the action was delivered again (at least once).
    """

    __tablename__ = "step_execution"

    key: str = Field(primary_key=True, max_length=300)
    run_id: str = Field(index=True, max_length=64)
    step_id: str = Field(max_length=120)
    attempt: int
    action: str = Field(max_length=120)
    status: str = Field(default=ExecutionStatus.RUNNING, max_length=20)
    deliveries: int = 0
    started_at: datetime = _time()
    lease_until: datetime = _time()
    finished_at: datetime | None = _time(nullable=True)
    error: str | None = None
    outputs: dict[str, Any] | None = _json(nullable=True)
