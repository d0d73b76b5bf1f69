"""Tables for workflow definitions: the editable draft and its immutable published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["WorkflowRow", "WorkflowVersionRow"]


class WorkflowRow(SQLModel, table=True):
    """A workflow and its current draft; ``revision`` guards against stale saves."""

    __tablename__ = "workflow"

    id: str = Field(primary_key=True, max_length=120)
    name: str
    description: str = ""
    draft: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 1
    active_version: int | None = None
    created_at: datetime
    updated_at: datetime


class WorkflowVersionRow(SQLModel, table=True):
    """A published, immutable copy of a workflow. Runs point at (workflow_id, version)."""

    __tablename__ = "workflow_version"
    __table_args__ = (UniqueConstraint("workflow_id", "version"),)

    pk: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(foreign_key="workflow.id", index=True, max_length=120)
    version: int
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime
    published_by: str = "system"
    note: str = ""
