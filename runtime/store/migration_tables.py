"""The record of each move of running cases from one version to another.

``running`` holds the workflow's id while a move is under way and nothing after, under a
unique constraint: two moves of one workflow can never run at once, whatever process
starts them. The mover names its process (as a worker's claims do) and beats a heartbeat,
so a move whose process died is known to be abandoned and may be taken up again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from runtime.store.tables import utcnow

__all__ = ["MigrationRow", "MigrationStatus"]


class MigrationStatus(StrEnum):
    """Where a move stands."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MigrationRow(SQLModel, table=True):
    """One move of a workflow's unfinished runs from ``from_version`` to ``to_version``."""

    __tablename__ = "run_migration"
    __table_args__ = (Index("ix_run_migration_workflow", "workflow_id", "started_at"),)

    id: str = Field(primary_key=True, max_length=64)
    workflow_id: str = Field(max_length=120)
    from_version: int
    to_version: int
    mapping: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=MigrationStatus.RUNNING, max_length=20)
    running: str | None = Field(default=None, unique=True, max_length=120)
    total: int = 0
    moved: int = 0
    unmapped: int = 0
    unmapped_runs: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    started_by: str = Field(max_length=255)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    heartbeat_at: datetime = Field(default_factory=utcnow)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    host: str = Field(default="", max_length=255)
    boot_id: str = Field(default="", max_length=64)
    pid: int = 0
    pid_started: str = Field(default="", max_length=32)
