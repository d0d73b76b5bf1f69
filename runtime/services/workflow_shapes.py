"""What the workflow service answers: workflows, versions, publish results and diffs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.diff import Change, ElementChanges
from graphs.model import Workflow
from graphs.problems import Problem

__all__ = [
    "DRAFT",
    "PublishResult",
    "Ref",
    "VersionDetail",
    "VersionDiff",
    "VersionSummary",
    "WorkflowDetail",
    "WorkflowSummary",
]

DRAFT = "draft"
#: A reference to one state of a workflow: a version number or the draft.
Ref = int | Literal["draft"]


# --- public shapes ------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkflowSummary(_Out):
    """One line of the workflow list."""

    id: str
    name: str
    description: str
    revision: int
    active_version: int | None
    latest_version: int | None
    updated_at: datetime
    node_count: int
    error_count: int


class WorkflowDetail(_Out):
    """A workflow's draft with its revision, versions and current problems."""

    id: str
    revision: int
    workflow: Workflow
    active_version: int | None
    latest_version: int | None
    updated_at: datetime
    problems: list[Problem]


class VersionSummary(_Out):
    """One published version."""

    version: int
    published_at: datetime
    published_by: str
    note: str
    active: bool


class VersionDetail(VersionSummary):
    """One published version with its definition."""

    workflow: Workflow


class PublishResult(_Out):
    """What publishing created."""

    version: int
    published_at: datetime
    active: bool = False


class VersionDiff(_Out):
    """A diff between two states of one workflow, each a version number or the draft."""

    from_: int | Literal["draft"] = Field(serialization_alias="from")
    to: int | Literal["draft"]
    nodes: ElementChanges
    edges: ElementChanges
    changes: list[Change]
    workflow_fields: list[str]
