"""Request and response bodies of the REST API that are not service models.

Request models forbid unknown fields, so a typo in a client is refused with its path
instead of being silently ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.model import Workflow
from graphs.problems import Problem
from runtime.workflows import Ref, VersionSummary, WorkflowSummary

__all__ = [
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
    "ProblemList",
    "PublishBody",
    "SaveDraftBody",
    "ValidateBody",
    "VersionList",
    "WorkflowList",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateWorkflowBody(_Body):
    """Create a workflow from a document."""

    workflow: Workflow


class SaveDraftBody(_Body):
    """Save a draft over the revision the client last read."""

    revision: int = Field(ge=1, description="The revision the client last read")
    workflow: Workflow


class ValidateBody(_Body):
    """Check a document without storing it."""

    workflow: Workflow


class PublishBody(_Body):
    """Publish the draft at a revision as the next version."""

    revision: int = Field(ge=1, description="The revision of the draft to publish")
    note: str = Field(default="", max_length=2000)
    activate: bool = Field(
        default=False, description="Also make the new version the active one"
    )


class DiffQuery(_Body):
    """Two states of a workflow to compare: version numbers or ``draft``."""

    from_: Ref = Field(alias="from", description="A version number or 'draft'")
    to: Ref = Field(default="draft", description="A version number or 'draft'")


class ImportQuery(_Body):
    """How an imported file meets an existing workflow with the same id."""

    model_config = ConfigDict(extra="ignore")

    replace: bool = Field(default=False, description="Overwrite the draft of an existing id")
    revision: int | None = Field(
        default=None, ge=1, description="The revision being replaced (required with replace)"
    )


class ExportQuery(_Body):
    """Which state of a workflow to export."""

    model_config = ConfigDict(extra="ignore")

    version: int | None = Field(default=None, ge=1, description="A version; default: the draft")


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


class ActionInfo(_Body):
    """An action a background step can run, with its input and output schemas."""

    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]


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
