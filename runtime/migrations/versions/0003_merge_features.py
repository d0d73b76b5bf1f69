"""Join the feature branches of the schema (accounts, cases list, routing, Salesforce).

Each feature added its tables in a revision of its own off 0001 while they were built in
parallel; this revision makes ``head`` one revision again.

Revision ID: 0003_merge_features
Revises: 0002_accounts, 0002_cases_list, 0002_routing, 0002_salesforce
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003_merge_features"
down_revision: str | Sequence[str] | None = (
    "0002_accounts",
    "0002_cases_list",
    "0002_routing",
    "0002_salesforce",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches' own revisions did the work."""


def downgrade() -> None:
    """Nothing to undo here."""
