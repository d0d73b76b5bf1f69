"""Salesforce connector: sync streams and the records they applied

Revision ID: 0002_salesforce
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_salesforce"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "salesforce_sync",
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("sobject", sa.String(length=80), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backfilled", sa.Boolean(), nullable=False),
        sa.Column("records_synced", sa.Integer(), nullable=False),
        sa.Column("last_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workflow_id"),
    )
    op.create_table(
        "salesforce_record",
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("record_id", sa.String(length=18), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("system_modstamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("workflow_id", "record_id"),
    )
    op.create_index(
        op.f("ix_salesforce_record_case_id"), "salesforce_record", ["case_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_salesforce_record_case_id"), table_name="salesforce_record")
    op.drop_table("salesforce_record")
    op.drop_table("salesforce_sync")
