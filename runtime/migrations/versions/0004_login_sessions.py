"""login sessions: a signed-in browser session lives in the store until it signs out

Revision ID: 0004_login_sessions
Revises: 0003_merge_features
Create Date: 2026-11-21 12:00:00

Sessions opened before this revision named no stored session; their cookies stop
working and their people sign in again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_login_sessions"
down_revision: str | Sequence[str] | None = "0003_merge_features"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the login_session table."""
    op.create_table(
        "login_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index(
        op.f("ix_login_session_account_id"), "login_session", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_login_session_opened_at"), "login_session", ["opened_at"], unique=False
    )


def downgrade() -> None:
    """Drop the login_session table."""
    op.drop_index(op.f("ix_login_session_opened_at"), table_name="login_session")
    op.drop_index(op.f("ix_login_session_account_id"), table_name="login_session")
    op.drop_table("login_session")
