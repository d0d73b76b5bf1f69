"""ai steps: the call account (budget, audit, metrics), daily budgets, trained classifiers

Revision ID: 0007_ai_steps
Revises: 0006_case_data_limits
Create Date: 2026-12-06 08:00:00

Three new tables for AI steps (``runtime.store.ai_tables``); nothing existing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_ai_steps"
down_revision: str | Sequence[str] | None = "0006_case_data_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    """Create ai_call, ai_budget and ai_model."""
    op.create_table(
        "ai_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("step_id", sa.String(length=120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_hash", sa.String(length=64), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ai_call_run_id", "ai_call", ["run_id"], unique=False)
    op.create_index("ix_ai_call_budget", "ai_call", ["workflow_id", "day"], unique=False)
    op.create_index("ix_ai_call_step", "ai_call", ["workflow_id", "step_id"], unique=False)
    op.create_table(
        "ai_budget",
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("max_calls", sa.Integer(), nullable=True),
        sa.Column("max_cost", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_table(
        "ai_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_fields", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("cases_used", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("train_seconds", sa.Float(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "field", "version", name="uq_ai_model"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("ai_model")
    op.drop_table("ai_budget")
    op.drop_index("ix_ai_call_step", table_name="ai_call")
    op.drop_index("ix_ai_call_budget", table_name="ai_call")
    op.drop_index("ix_ai_call_run_id", table_name="ai_call")
    op.drop_table("ai_call")
