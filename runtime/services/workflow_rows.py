"""Reading the workflow tables: a workflow's row, its versions, and documents upgraded on load.

Stored documents may predate today's format: :func:`load_workflow` upgrades them on
read. Unknown ids are :class:`~runtime.errors.WorkflowNotFound` and
:class:`~runtime.errors.VersionNotFound`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from graphs.migrations import migrate as upgrade_document
from graphs.model import SCHEMA_VERSION, Workflow
from runtime.errors import VersionNotFound, WorkflowNotFound
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

__all__ = [
    "document",
    "draft_columns",
    "insert_once",
    "latest_version",
    "load_workflow",
    "utc",
    "version_row",
    "workflow_row",
]


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive one is taken to be UTC)."""
    # The columns give back aware UTC already; this keeps a caller's naive value honest.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def document(workflow: Workflow) -> dict[str, Any]:
    """``workflow`` as the tables store it."""
    return workflow.model_dump(mode="json")


def draft_columns(workflow: Workflow) -> dict[str, Any]:
    """The workflow row's columns that mirror its draft: the document, its name and description."""
    return {
        "draft": document(workflow),
        "name": workflow.name,
        "description": workflow.description,
    }


def load_workflow(document: Mapping[str, Any]) -> Workflow:
    """A stored document as a workflow, upgraded first if it predates today's format."""
    # The upgrade copies the document, so only when there is something to upgrade.
    if document.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        document = upgrade_document(document)
    return Workflow.model_validate(document)


def workflow_row(session: Session, workflow_id: str) -> WorkflowRow:
    """The workflow's row; :class:`WorkflowNotFound` if unknown."""
    row = session.get(WorkflowRow, workflow_id)
    if row is None:
        raise WorkflowNotFound(workflow_id)
    return row


def latest_version(session: Session, workflow_id: str) -> int | None:
    """The workflow's highest version number, ``None`` if it was never published."""
    statement = select(func.max(WorkflowVersionRow.version)).where(
        WorkflowVersionRow.workflow_id == workflow_id
    )
    return session.exec(statement).one()


def version_row(session: Session, workflow_id: str, version: int) -> WorkflowVersionRow:
    """One published version's row; an unknown workflow or version says which."""
    statement = select(WorkflowVersionRow).where(
        WorkflowVersionRow.workflow_id == workflow_id, WorkflowVersionRow.version == version
    )
    row = session.exec(statement).first()
    if row is None:
        workflow_row(session, workflow_id)  # an unknown workflow says so rather than "no version"
        raise VersionNotFound(workflow_id, version)
    return row


def insert_once(session: Session, row: SQLModel) -> bool:
    """Add ``row`` under a savepoint; ``False`` if a concurrent writer took its key first."""
    try:
        # A savepoint, so a concurrent insert of the same key is reported, not fatal.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True
