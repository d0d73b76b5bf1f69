"""Who gets a new work item: the seam the routing issue replaces.

Today a work item goes to the agent the step names, or stays unassigned in its queue
for someone to pull. The store calls :func:`choose_assignee` inside the transaction that
creates the work item, so a smarter router can read agents' loads and skills from
``session`` and decide consistently.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from runtime.engine.types import CreateWorkItem

__all__ = ["choose_assignee"]


def choose_assignee(
    session: Session,
    *,
    item: CreateWorkItem,
    case: Mapping[str, Any],
    now: datetime,
) -> str | None:
    """The agent to assign ``item`` to, or ``None`` to leave it in its queue.

    >>> from runtime.engine.types import CreateWorkItem
    >>> item = CreateWorkItem(work_item_key="r:s:1", step_id="s", attempt=1, title="t",
    ...                       queue="triage", agent="ada")
    >>> choose_assignee(None, item=item, case={}, now=None)  # type: ignore[arg-type]
    'ada'
    """
    return item.agent
