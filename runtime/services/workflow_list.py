"""The workflow list, and sizes read without loading documents.

Listing counts each draft's nodes and errors; the counts are kept per exact draft (id,
creation, revision), bounded, per process, so the list need not validate every
workflow on every call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Text, cast, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from graphs.model import Workflow
from graphs.problems import Problem
from graphs.validation import validate
from runtime.actions.registry import action_catalogue
from runtime.services.workflow_rows import load_workflow, utc
from runtime.services.workflow_shapes import WorkflowSummary
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

__all__ = ["list_workflows", "stored_bytes"]


class _Listed(NamedTuple):
    """The columns of a workflow row the list shows: never the draft, which may be large."""

    id: str
    name: str
    description: str
    revision: int
    active_version: int | None
    created_at: datetime
    updated_at: datetime


# Node and error counts of a draft by (id, created_at, revision): together they name one
# exact draft (a deleted and re-created id has a new created_at), so the list need not
# validate every workflow on every call. Bounded, per process, shared by threads.
_COUNTS: OrderedDict[tuple[str, str, int], tuple[int, int]] = OrderedDict()
_COUNTS_MAX = 1024
_COUNTS_LOCK = threading.Lock()


def _counts_key(row: WorkflowRow | _Listed) -> tuple[str, str, int]:
    return (row.id, utc(row.created_at).isoformat(), row.revision)


def remember_counts(
    row: WorkflowRow | _Listed, workflow: Workflow, problems: list[Problem]
) -> None:
    errors = sum(1 for p in problems if p.severity == "error")
    key = _counts_key(row)
    with _COUNTS_LOCK:
        _COUNTS[key] = (len(workflow.nodes), errors)
        _COUNTS.move_to_end(key)
        while len(_COUNTS) > _COUNTS_MAX:
            _COUNTS.popitem(last=False)


def _counts(session: Session, row: _Listed) -> tuple[int, int]:
    with _COUNTS_LOCK:
        known = _COUNTS.get(_counts_key(row))
    if known is not None:
        return known
    # Only a draft whose counts this process has not seen yet is read, and checked.
    draft = session.exec(select(WorkflowRow.draft).where(WorkflowRow.id == row.id)).one()
    workflow = load_workflow(draft)
    problems = validate(workflow, actions=action_catalogue())
    remember_counts(row, workflow, problems)
    return len(workflow.nodes), sum(1 for p in problems if p.severity == "error")


def list_workflows(*, session: Session) -> list[WorkflowSummary]:
    """Every workflow, by name, with its version numbers and how many errors its draft has.

    Drafts are read only to count what this process has not counted yet (a 50,000-node
    draft is tens of MB): the counts are kept per exact draft (id, creation, revision).
    """
    latest = dict(
        session.exec(
            select(WorkflowVersionRow.workflow_id, func.max(WorkflowVersionRow.version)).group_by(
                WorkflowVersionRow.workflow_id
            )
        ).all()
    )
    columns = [col(getattr(WorkflowRow, name)) for name in _Listed._fields]
    listed = session.execute(
        sa_select(*columns).order_by(col(WorkflowRow.name), col(WorkflowRow.id))
    ).all()
    return [_summary(session, _Listed(*values), latest) for values in listed]


def _summary(session: Session, row: _Listed, latest: dict[str, int]) -> WorkflowSummary:
    shown = row._asdict()
    del shown["created_at"]  # read only to name the exact draft whose counts are kept
    node_count, error_count = _counts(session, row)
    shown.update(
        updated_at=utc(row.updated_at),
        latest_version=latest.get(row.id),
        node_count=node_count,
        error_count=error_count,
    )
    return WorkflowSummary(**shown)


def stored_bytes(*, session: Session, workflow_id: str, version: int | None = None) -> int:
    """How large the draft (or a published version) is as stored JSON, read without
    loading it (0 if there is none): callers bound who may have a huge one read.
    """
    if version is None:
        column, where = col(WorkflowRow.draft), [col(WorkflowRow.id) == workflow_id]
    else:
        column = col(WorkflowVersionRow.definition)
        where = [
            col(WorkflowVersionRow.workflow_id) == workflow_id,
            col(WorkflowVersionRow.version) == version,
        ]
    found = session.execute(sa_select(func.length(cast(column, Text))).where(*where)).first()
    return int(found[0] or 0) if found is not None else 0
