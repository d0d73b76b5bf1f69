"""The ActionContext a test hands an action: a step of a run, with the settings it needs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from runtime.actions import ActionContext
from runtime.settings import Settings

__all__ = ["action_context"]


def action_context(
    settings: Settings | None = None,
    case: Mapping[str, Any] | None = None,
    *,
    run_id: str = "r1",
    case_id: str = "c1",
    step_id: str = "call",
    attempt: int = 1,
    now: datetime = datetime(2026, 1, 1, tzinfo=UTC),
) -> ActionContext:
    """Attempt ``attempt`` of step ``step_id`` in run ``run_id`` (``<run>:<step>:<attempt>``)."""
    return ActionContext(
        run_id=run_id, case_id=case_id, step_id=step_id, attempt=attempt,
        case=case or {}, settings=settings or Settings(), now=now,
    )
