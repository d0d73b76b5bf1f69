"""run migration: the record of each move of running cases to another version

Revision ID: 0009_run_migration
Revises: 0008_calendar_country
Create Date: 2026-12-06 10:00:00

One new table (``runtime.store.migration_tables``); nothing existing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_run_migration"
down_revision: str | Sequence[str] | None = "0008_calendar_country"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create run_migration."""
    op.create_table(
        "run_migration",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("running", sa.String(length=120), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("unmapped", sa.Integer(), nullable=False),
        sa.Column("unmapped_runs", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("boot_id", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_started", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("running"),
    )
    op.create_index(
        "ix_run_migration_workflow", "run_migration", ["workflow_id", "started_at"], unique=False
    )


def downgrade() -> None:
    """Drop run_migration."""
    op.drop_index("ix_run_migration_workflow", table_name="run_migration")
    op.drop_table("run_migration")
