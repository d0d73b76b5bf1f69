"""calendar country: a business calendar names a country and region whose public holidays it keeps

Revision ID: 0008_calendar_country
Revises: 0007_ai_steps
Create Date: 2026-12-06 07:00:00

Calendars stored before this revision name no country: they keep only their own dates,
as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_calendar_country"
down_revision: str | Sequence[str] | None = "0007_ai_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add business_calendar.country and .region."""
    with op.batch_alter_table("business_calendar", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop business_calendar.country and .region."""
    with op.batch_alter_table("business_calendar", schema=None) as batch_op:
        batch_op.drop_column("region")
        batch_op.drop_column("country")
