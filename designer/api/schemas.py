"""Request and response bodies of the REST API that are not service models, and the
bounded types every query parameter is read with.

Request models forbid unknown fields, so a typo in a client is refused with its path
instead of being silently ignored. Query models ignore unknown parameters (a browser's
cache-buster harms no one) but bound every value they read: a number or a time too large
for the store or for date arithmetic is a 400 naming the parameter, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from graphs.model import Workflow
from graphs.problems import Problem
from runtime.services.workflows import VersionSummary, WorkflowSummary

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_MINUTES",
    "MAX_ROW_INTEGER",
    "ActionInfo",
    "ActionList",
    "ActiveVersion",
    "CreateWorkflowBody",
    "DiffQuery",
    "ErrorBody",
    "ErrorInfo",
    "ExportQuery",
    "Health",
    "ImportQuery",
    "Instant",
    "Minutes",
    "ProblemList",
    "PublishBody",
    "QueryModel",
    "Readiness",
    "SaveDraftBody",
    "Sequence",
    "ValidateBody",
    "VersionList",
    "VersionNumber",
    "VersionRef",
    "WorkflowList",
]


MAX_ROW_INTEGER = 2**63 - 1
"""The largest integer a database column holds (SQLite INTEGER, PostgreSQL BIGINT)."""

MAX_MINUTES = 100 * 366 * 24 * 60
"""A century: the longest age in minutes a filter may ask about."""

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""Times a query may name lie in [EARLIEST, LATEST): far enough from Python's limits
(years 1 and 9999) that a period or a default reaching back from them stays in range."""


def _iso_text(value: Any) -> Any:
    # Pydantic would read "1700000000" or "0.5" as seconds since 1970; the schema says
    # date-time, which is ISO 8601 text.
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
    raise ValueError("must be an ISO 8601 date and time, such as 2024-05-01T09:00:00Z")


def _in_range(at: datetime) -> datetime:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)  # a time without an offset is UTC
    if not EARLIEST <= at < LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return at


VersionNumber = Annotated[int, Field(ge=1, le=MAX_ROW_INTEGER)]
"""A published version's number."""
Sequence = Annotated[int, Field(ge=0, le=MAX_ROW_INTEGER)]
"""A position in a run's log."""
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
"""An age in minutes, up to :data:`MAX_MINUTES`."""
Instant = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(description="ISO 8601, between 1900-01-01 and 9000-01-01; UTC without an offset"),
]
"""A point in time, made timezone-aware, within [:data:`EARLIEST`, :data:`LATEST`)."""
VersionRef = VersionNumber | Literal["draft"]
"""A version number or the draft."""


class QueryModel(BaseModel):
    """The base of every query model: unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateWorkflowBody(_Body):
    """Create a workflow from a document."""

    workflow: Workflow


class SaveDraftBody(_Body):
    """Save a draft over the revision the client last read."""

    revision: int = Field(ge=1, le=MAX_ROW_INTEGER, description="The revision the client last read")
    workflow: Workflow


class ValidateBody(_Body):
    """Check a document without storing it."""

    workflow: Workflow


class PublishBody(_Body):
    """Publish the draft at a revision as the next version."""

    revision: int = Field(
        ge=1, le=MAX_ROW_INTEGER, description="The revision of the draft to publish"
    )
    note: str = Field(default="", max_length=2000)
    activate: bool = Field(default=False, description="Also make the new version the active one")


class DiffQuery(QueryModel):
    """Two states of a workflow to compare: version numbers or ``draft``."""

    from_: VersionRef = Field(alias="from", description="A version number or 'draft'")
    to: VersionRef = Field(default="draft", description="A version number or 'draft'")


class ImportQuery(QueryModel):
    """How an imported file meets an existing workflow with the same id."""

    replace: bool = Field(default=False, description="Overwrite the draft of an existing id")
    revision: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ROW_INTEGER,
        description="The revision being replaced (required with replace)",
    )


class ExportQuery(QueryModel):
    """Which state of a workflow to export."""

    version: VersionNumber | None = Field(default=None, description="A version; default: the draft")


class WorkflowList(_Body):
    """Every workflow."""

    workflows: list[WorkflowSummary]


class ProblemList(_Body):
    """What validation found."""

    problems: list[Problem]


class VersionList(_Body):
    """A workflow's published versions, newest first."""

    versions: list[VersionSummary]


class ActiveVersion(_Body):
    """The version new cases start on."""

    active_version: int


class Health(_Body):
    """The app is up."""

    status: Literal["ok"] = "ok"


class Readiness(_Body):
    """Whether the app can serve: each check and what is wrong with it, if anything."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(
        description="database (and redis, when REDIS_URL is set) -> 'ok' or the problem"
    )


class ActionInfo(_Body):
    """An action a background step can run, with its input and output schemas."""

    name: str
    description: str
    input_schema: dict[str, Any] = Field(
        description="JSON Schema of a step's inputs, one input per name (required marked)"
    )
    output_schema: dict[str, Any]
    writes: list[str] = Field(
        default_factory=list, description="Case fields the action always writes"
    )
    writes_inputs: bool = Field(
        default=False, description="Each input names a case field the action writes"
    )
    writes_named_by: str | None = Field(
        default=None, description="The input whose mapping's values name case fields it writes"
    )


class ActionList(_Body):
    """Every available action."""

    actions: list[ActionInfo]


class ErrorInfo(_Body):
    """What went wrong, for a program (code) and a person (message)."""

    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(_Body):
    """The body of every error response."""

    error: ErrorInfo
