"""cases list and monitor: a run's running SLA clock as columns, and their indexes

Revision ID: 0002_cases_list
Revises: 0001
Create Date: 2026-11-21 14:40:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002_cases_list"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("sla_state", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sla_warning_at", sa.DateTime(timezone=True), nullable=True))
    # Runs already stored get their clock from their snapshot.
    run = sa.table(
        "run",
        sa.column("id", sa.String),
        sa.column("state", sa.JSON),
        sa.column("sla_state", sa.String),
        sa.column("sla_due_at", sa.DateTime(timezone=True)),
        sa.column("sla_warning_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    updates = []
    for run_id, state in bind.execute(sa.select(run.c.id, run.c.state)):
        data = json.loads(state) if isinstance(state, str) else state or {}
        clock = data.get("sla") or {}
        if clock.get("due_at") and not clock.get("stopped_at"):
            updates.append(
                {
                    "_id": run_id,
                    "sla_state": clock.get("state") or "on_track",
                    "sla_due_at": _time(clock["due_at"]),
                    "sla_warning_at": _time(clock.get("warning_at")),
                }
            )
    if updates:
        bind.execute(
            run.update()
            .where(run.c.id == sa.bindparam("_id"))
            .values(
                sla_state=sa.bindparam("sla_state"),
                sla_due_at=sa.bindparam("sla_due_at"),
                sla_warning_at=sa.bindparam("sla_warning_at"),
            ),
            updates,
        )
    # The cases list pages newest first within a workflow, or a workflow's node; without
    # these the database sorts every matching run before it can return the first page.
    op.create_index("ix_run_workflow_started", "run", ["workflow_id", "started_at", "id"])
    op.create_index(
        "ix_run_workflow_node_started", "run", ["workflow_id", "node_id", "started_at", "id"]
    )
    # The monitor's figures (age in node, SLA levels, the longest-waiting runs) read from
    # the index alone: a run's row carries its snapshot, and reading 100,000 is slow.
    op.create_index(
        "ix_run_workflow_age",
        "run",
        [
            "workflow_id", "status", "node_entered_at", "node_id", "id", "version", "sla_state",
            "sla_due_at", "sla_warning_at",
        ],
    )  # fmt: skip
    op.create_index("ix_run_sla_due", "run", ["sla_due_at"])


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index("ix_run_sla_due", table_name="run")
    op.drop_index("ix_run_workflow_age", table_name="run")
    op.drop_index("ix_run_workflow_node_started", table_name="run")
    op.drop_index("ix_run_workflow_started", table_name="run")
    with op.batch_alter_table("run") as batch:
        batch.drop_column("sla_warning_at")
        batch.drop_column("sla_due_at")
        batch.drop_column("sla_state")
