"""Record triggers across workflows: which active workflows can start on the same records.

The rule itself is pure (:mod:`graphs.trigger_overlap`); this module finds the trigger
asked about (a published version or the draft) and the active versions of the others.
Functions are keyword-only, take the caller's session and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from sqlmodel import Session

from graphs.model import Trigger
from graphs.trigger_overlap import trigger_overlap
from runtime.errors import NotFound
from runtime.services.run_events import definition_for
from runtime.store import statements as sql
from runtime.store.workflow_tables import WorkflowRow

__all__ = ["Overlap", "TriggerOverlaps", "trigger_overlaps"]

DRAFT = "draft"


@dataclass(frozen=True, slots=True)
class Overlap:
    """An active workflow whose record trigger can fire on the same records, and why."""

    workflow_id: str
    name: str
    version: int
    reason: str


@dataclass(frozen=True, slots=True)
class TriggerOverlaps:
    """The trigger checked (``version``: ``None`` for the draft) and what it overlaps."""

    workflow_id: str
    version: int | None
    overlaps: list[Overlap]


def _draft_trigger(row: WorkflowRow) -> Trigger:
    try:
        return Trigger.model_validate(row.draft.get("trigger") or {})
    except ValidationError:
        # A draft whose trigger does not read yet starts nothing: nothing to warn about.
        return Trigger()


def trigger_overlaps(
    session: Session, *, workflow_id: str, version: int | Literal["draft"] | None = None
) -> TriggerOverlaps:
    """The other active workflows whose record triggers can fire on the same records as
    ``workflow_id``'s trigger in ``version`` (a published version, ``"draft"``, or by
    default its active version, else its draft). :class:`NotFound` for an unknown
    workflow or version."""
    row = session.get(WorkflowRow, workflow_id)
    if row is None:
        raise NotFound("workflow", workflow_id)
    chosen = row.active_version if version is None else version
    if chosen is None or chosen == DRAFT:
        trigger, checked = _draft_trigger(row), None
    else:
        trigger = definition_for(session, workflow_id, int(chosen)).workflow.trigger
        checked = int(chosen)
    found: list[Overlap] = []
    for other_id, active in sql.read_all(session, sql.RECORD_TRIGGERS, {}):
        if other_id == workflow_id:
            continue
        other = definition_for(session, other_id, int(active))
        reason = trigger_overlap(trigger, other.workflow.trigger)
        if reason is not None:
            found.append(Overlap(other_id, other.workflow.name, int(active), reason))
    return TriggerOverlaps(workflow_id, checked, found)
