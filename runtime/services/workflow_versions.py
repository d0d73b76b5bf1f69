"""Published versions: reading them, choosing the active one, diffing and exporting.

Versions are immutable and numbered 1, 2, 3, ...; at most one is *active* (new cases
start on it).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from graphs.diff import diff_workflows
from graphs.model import Workflow
from runtime.services.workflow_rows import load_workflow, utc, version_row, workflow_row
from runtime.services.workflow_shapes import (
    DRAFT,
    Ref,
    VersionDetail,
    VersionDiff,
    VersionSummary,
)
from runtime.store.workflow_tables import WorkflowVersionRow

__all__ = ["activate", "diff", "export_workflow", "get_version", "list_versions"]


def activate(*, session: Session, workflow_id: str, version: int) -> int:
    """Make ``version`` the one active version: new cases start on it. Returns it."""
    row = workflow_row(session, workflow_id)
    version_row(session, workflow_id, version)
    row.active_version = version
    session.add(row)
    session.flush()
    return version


def list_versions(*, session: Session, workflow_id: str) -> list[VersionSummary]:
    """The published versions, newest first."""
    row = workflow_row(session, workflow_id)
    statement = (
        select(WorkflowVersionRow)
        .where(WorkflowVersionRow.workflow_id == workflow_id)
        .order_by(col(WorkflowVersionRow.version).desc())
    )
    return [
        VersionSummary(
            version=v.version,
            published_at=utc(v.published_at),
            published_by=v.published_by,
            note=v.note,
            active=v.version == row.active_version,
        )
        for v in session.exec(statement)
    ]


def get_version(*, session: Session, workflow_id: str, version: int) -> VersionDetail:
    """One published version with its definition."""
    row = workflow_row(session, workflow_id)
    v = version_row(session, workflow_id, version)
    return VersionDetail(
        version=v.version,
        published_at=utc(v.published_at),
        published_by=v.published_by,
        note=v.note,
        active=v.version == row.active_version,
        workflow=load_workflow(v.definition),
    )


def _state(session: Session, workflow_id: str, ref: Ref) -> Workflow:
    if ref == DRAFT:
        return load_workflow(workflow_row(session, workflow_id).draft)
    return load_workflow(version_row(session, workflow_id, int(ref)).definition)


def diff(*, session: Session, workflow_id: str, from_: Ref, to: Ref) -> VersionDiff:
    """What changed from one state of the workflow to another (versions or the draft)."""
    changes = diff_workflows(_state(session, workflow_id, from_), _state(session, workflow_id, to))
    return VersionDiff(from_=from_, to=to, **changes.model_dump())


def export_workflow(*, session: Session, workflow_id: str, version: int | None = None) -> Workflow:
    """The draft, or a published version, as a workflow document."""
    if version is None:
        return load_workflow(workflow_row(session, workflow_id).draft)
    return load_workflow(version_row(session, workflow_id, version).definition)
