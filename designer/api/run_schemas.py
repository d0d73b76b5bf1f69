"""Request and response bodies of the cases, runs, work items and monitor endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from designer.api.schemas import (
    MAX_ROW_INTEGER,
    Instant,
    Minutes,
    QueryModel,
    Sequence,
    VersionNumber,
    fields_of,
)
from designer.auth.identity import actor
from graphs.model import FormField
from runtime.engine.types import RunState, RunStatus
from runtime.services.monitor import RunSummary
from runtime.sla.levels import SlaLevel
from runtime.store.tables import CaseChangeRow, WorkItemStatus

__all__ = [
    "BulkBody",
    "BulkOut",
    "CaseChangeList",
    "CaseDetail",
    "CaseOut",
    "CommandBody",
    "CompleteBody",
    "CreateCaseBody",
    "ExportRunQuery",
    "ExportWorkflowQuery",
    "LogPage",
    "LogQuery",
    "MonitorOut",
    "MonitorQuery",
    "ReassignBody",
    "RunDetail",
    "RunList",
    "RunListQuery",
    "RunOut",
    "StartRunBody",
    "UpdateCaseBody",
    "WorkItemList",
    "WorkItemOut",
    "WorkItemQuery",
    "current_actor",
]


def current_actor() -> str:
    """Who is acting: the signed-in account's username (the guard admits no one else)."""
    return actor()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Read(_Body):
    """An answer read field for field from a row or record of the same names."""

    @classmethod
    def of(cls, source: object) -> Self:
        return cls.model_validate(source, from_attributes=True)


# ---------------------------------------------------------------------------- cases


class CaseOut(_Read):
    """A case record and its version (bumped on every change)."""

    id: str
    fields: dict[str, Any]
    version: int
    source: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str


class CreateCaseBody(_Body):
    """A new case; ``workflow_id`` starts a run of that workflow if its trigger did not."""

    fields: dict[str, Any]
    workflow_id: str | None = Field(default=None, max_length=120)


class UpdateCaseBody(_Body):
    """Fields to change; ``expected_version`` refuses the change if the case moved on."""

    changes: dict[str, Any]
    expected_version: int | None = Field(default=None, ge=1, le=MAX_ROW_INTEGER)


class CaseChange(_Body):
    """One field's change: ``seq`` is the case version it produced."""

    seq: int
    at: datetime
    actor: str
    field: str
    old: Any = None
    new: Any = None

    @classmethod
    def of(cls, row: CaseChangeRow) -> CaseChange:
        return cls(
            seq=row.seq, at=row.at, actor=row.actor, field=row.field, old=row.old, new=row.new
        )


class CaseChangeList(_Body):
    """A case's history, oldest first."""

    changes: list[CaseChange]


# ---------------------------------------------------------------------------- runs


class RunOut(_Body):
    """A run as the cases list shows it."""

    id: str
    workflow_id: str
    version: int
    case_id: str
    title: str
    status: RunStatus
    node_id: str | None
    node_name: str | None
    node_entered_at: datetime | None
    sla: SlaLevel | None = Field(description="None when no clock runs")
    assignees: list[str]
    open_items: int
    incident: dict[str, Any] | None
    seq: int
    started_at: datetime
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, summary: RunSummary) -> RunOut:
        return cls.model_validate(fields_of(cls, summary.run, summary))


class CaseDetail(_Body):
    """A case and its runs, newest first."""

    case: CaseOut
    runs: list[RunOut]


class RunList(_Body):
    """A page of runs, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[RunOut]
    next_cursor: str | None


class RunListQuery(QueryModel):
    """Filters of the cases list; every given filter must hold."""

    workflow_id: str | None = None
    node_id: str | None = None
    status: str | None = Field(
        default=None, description="running, paused, incident, completed, cancelled or active"
    )
    sla: SlaLevel | None = None
    assignee: str | None = None
    case_id: str | None = None
    older_than_minutes: Minutes | None = None
    newer_than_minutes: Minutes | None = None
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(
        default=None, description="A previous page's next_cursor (400 for any other text)"
    )


class WorkItemOut(_Read):
    """An interactive step's task."""

    key: str
    run_id: str
    case_id: str
    step_id: str
    attempt: int
    title: str
    queue: str | None
    assignee: str | None
    form: list[FormField]
    status: WorkItemStatus
    due_at: datetime | None
    created_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    data: dict[str, Any]
    cancel_reason: str | None


class RunDetail(_Body):
    """Everything the case page opens with: the run, its state, its case and its work."""

    run: RunOut
    state: RunState = Field(description="The engine's snapshot (steps, visits, SLA)")
    case: CaseOut
    workflow_name: str
    work_items: list[WorkItemOut]
    runs_of_case: list[str] = Field(description="Every run of the case, newest first")


class StartRunBody(_Body):
    """Start a run of a workflow for an existing case (its active version by default)."""

    workflow_id: str
    case_id: str
    version: VersionNumber | None = None


class CommandBody(_Body):
    """An admin command's reason, and for retry/skip the step (default: the incident's)."""

    reason: str = Field(default="", max_length=2000)
    step_id: str | None = None


class LogQuery(QueryModel):
    """Which part of the log: the events after ``after_seq``."""

    after_seq: Sequence = 0
    limit: int = Field(default=1000, ge=1, le=5000)


class LogPage(_Body):
    """Log events in order; ``more`` when the log goes on past ``last_seq``."""

    run_id: str
    events: list[dict[str, Any]]
    last_seq: int
    more: bool


class ExportRunQuery(QueryModel):
    """The export's format."""

    format: Literal["csv", "json"] = "json"


class ExportWorkflowQuery(QueryModel):
    """Every run of a workflow started in ``[from, to)``, as CSV or JSON."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    workflow_id: str
    from_: Instant | None = Field(default=None, alias="from")
    to: Instant | None = None
    format: Literal["csv", "json"] = "json"


# ---------------------------------------------------------------------------- work items


class WorkItemQuery(QueryModel):
    """Filters of the work item list (``status`` defaults to open)."""

    status: Literal["open", "completed", "cancelled", "any"] = "open"
    queue: str | None = None
    assignee: str | None = None
    run_id: str | None = None
    case_id: str | None = None
    limit: int = Field(default=100, ge=1, le=500)


class WorkItemList(_Body):
    """Work items, oldest first."""

    items: list[WorkItemOut]


class CompleteBody(_Body):
    """The form's values."""

    data: dict[str, Any]


class ReassignBody(_Body):
    """Give the item to another agent (``null``: back to its queue)."""

    assignee: str | None = Field(max_length=255)
    reason: str = Field(default="", max_length=2000)


# ---------------------------------------------------------------------------- monitor


class MonitorQuery(QueryModel):
    """A case counts as stuck once it has been in its node this many minutes."""

    stuck_minutes: Minutes = 60.0


class NodeOut(_Read):
    """Active cases at one node."""

    node_id: str
    count: int
    age_p50_seconds: float | None
    age_p90_seconds: float | None
    at_risk: int
    breached: int
    incidents: int
    paused: int


class MonitorOut(_Body):
    """A workflow's live picture."""

    workflow_id: str
    active_version: int | None
    versions: list[int] = Field(description="Versions the active cases run on")
    total_active: int
    completed: int
    cancelled: int
    stuck_minutes: float
    nodes: list[NodeOut]
    stuck: list[RunOut]
    incidents: list[RunOut]
    at: datetime


class BulkBody(_Body):
    """Retry or cancel several runs; each succeeds or fails on its own."""

    command: Literal["retry", "cancel"]
    run_ids: list[str] = Field(min_length=1, max_length=500)
    reason: str = Field(default="", max_length=2000)


class BulkItem(_Body):
    """One run's result."""

    run_id: str
    ok: bool
    status: str | None = None
    error: dict[str, Any] | None = None


class BulkOut(_Body):
    """Every run's result, in the order given."""

    results: list[BulkItem]
