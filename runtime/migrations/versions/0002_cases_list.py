"""cases list and monitor indexes: a workflow's runs newest first, by node, age in node

Revision ID: 0002_cases_list
Revises: 0001
Create Date: 2026-11-21 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_cases_list"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    # The cases list pages newest first within a workflow, or a workflow's node; without
    # these the database sorts every matching run before it can return the first page.
    op.create_index("ix_run_workflow_started", "run", ["workflow_id", "started_at", "id"])
    op.create_index(
        "ix_run_workflow_node_started", "run", ["workflow_id", "node_id", "started_at", "id"]
    )
    # The monitor's age in node and its longest-waiting runs, read from the index alone
    # (a run's row carries its state snapshot: reading 100,000 of them is what is slow).
    op.create_index(
        "ix_run_workflow_age",
        "run",
        ["workflow_id", "status", "node_entered_at", "node_id", "id"],
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index("ix_run_workflow_age", table_name="run")
    op.drop_index("ix_run_workflow_node_started", table_name="run")
    op.drop_index("ix_run_workflow_started", table_name="run")
