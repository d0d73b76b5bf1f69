"""case data limits: cases stored before them are repaired so that every list reads them

Revision ID: 0006_case_data_limits
Revises: 0005_worker_leases
Create Date: 2026-12-06 07:00:00

Earlier versions stored case values nested hundreds of levels deep, lone surrogates and
control characters; one such case made the cases list, exports and metrics fail. Each
case whose fields break a limit of ``graphs.case_limits`` gets the readable form of its
values as a new version (``runtime.store.case_repair``, also ``baton cases repair``).
No schema change; the downgrade keeps the repaired values.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op

from runtime.store.case_repair import repair_cases

revision: str = "0006_case_data_limits"
down_revision: str | Sequence[str] | None = "0005_worker_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("baton.store")


def upgrade() -> None:
    """Repair the cases that break the limits on case data."""
    for repair in repair_cases(op.get_bind()):
        if repair.repaired:
            logger.warning("case %s repaired: %s", repair.case_id, repair.as_dict())


def downgrade() -> None:
    """Nothing to undo: the values taken out could not be read back."""
