"""ai usage: the running count of each workflow's AI calls and cost per UTC day

Revision ID: 0010_ai_usage
Revises: 0009_run_migration
Create Date: 2026-12-06 17:30:00

One new table (``runtime.store.ai_tables.AiUsageRow``), filled from the calls already in
``ai_call`` (those not refused by the budget, as the budget counts them).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ai_usage"
down_revision: str | Sequence[str] | None = "0009_run_migration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ai_usage and count the calls recorded so far into it."""
    op.create_table(
        "ai_usage",
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "day"),
    )
    op.execute(
        "INSERT INTO ai_usage (workflow_id, day, calls, cost) "
        "SELECT workflow_id, day, count(*), coalesce(sum(cost), 0.0) FROM ai_call "
        "WHERE verdict != 'refused_budget' GROUP BY workflow_id, day"
    )


def downgrade() -> None:
    """Drop ai_usage (the calls stay in ai_call)."""
    op.drop_table("ai_usage")
