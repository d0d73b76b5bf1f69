"""worker leases: an outbox claim names the worker process holding it

Revision ID: 0005_worker_leases
Revises: 0004_login_sessions
Create Date: 2026-12-06 07:00:00

A restarted worker that finds the process it replaces gone hands that process's claims
back at once, instead of waiting out each lease (a step's timeout plus a margin).
Claims taken before this revision name no process and come back when their lease ends.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_worker_leases"
down_revision: str | Sequence[str] | None = "0004_login_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outbox.claimed_by and the worker_process table."""
    op.create_table(
        "worker_process",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("boot_id", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_started", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_outbox_claimed_by"), ["claimed_by"], unique=False)


def downgrade() -> None:
    """Drop outbox.claimed_by and the worker_process table."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_claimed_by"))
        batch.drop_column("claimed_by")
    op.drop_table("worker_process")
