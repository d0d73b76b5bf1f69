"""The workflow definition service: drafts, published versions, activation, diff, import.

A workflow has one editable *draft*, guarded by a ``revision`` number that every save
must name (a stale save is refused, never applied over someone else's), and any number
of immutable published *versions* numbered 1, 2, 3, ... of which at most one is
*active* (new cases start on it). Drafts may be invalid; publishing is refused while
validation reports errors.

Errors are the runtime's (:mod:`runtime.errors`), specialised with stable codes:
unknown ids are :class:`~runtime.errors.NotFound`, stale revisions and taken ids
:class:`~runtime.errors.Conflict`, an unpublishable draft :class:`InvalidWorkflow`.

Every function is keyword-only and takes the caller's session; none commits. The
caller (a request, a CLI command) owns the transaction, so a refused operation
changes nothing. Drafts, publishing and import are here; published versions are read in
:mod:`runtime.services.workflow_versions`, the list in :mod:`runtime.services.workflow_list`,
rows in :mod:`runtime.services.workflow_rows`, and this module offers all their names.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from graphs.interop import InteropFormat, import_document
from graphs.model import Workflow
from graphs.problems import has_errors
from graphs.validation import validate
from runtime.actions.registry import action_catalogue
from runtime.errors import (
    HasVersions,
    IdMismatch,
    InvalidWorkflow,
    StaleRevision,
    WorkflowExists,
)
from runtime.errors import VersionNotFound as VersionNotFound  # offered here, as it always was
from runtime.errors import WorkflowNotFound as WorkflowNotFound
from runtime.services import workflow_list as _workflow_list
from runtime.services import workflow_shapes as _workflow_shapes
from runtime.services import workflow_versions as _workflow_versions
from runtime.services.workflow_list import *  # noqa: F403
from runtime.services.workflow_list import remember_counts
from runtime.services.workflow_rows import (
    document,
    draft_columns,
    insert_once,
    latest_version,
    load_workflow,
    utc,
    workflow_row,
)
from runtime.services.workflow_shapes import *  # noqa: F403
from runtime.services.workflow_shapes import PublishResult, WorkflowDetail
from runtime.services.workflow_versions import *  # noqa: F403
from runtime.store.tables import utcnow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

__all__ = [
    "create_workflow",
    "delete_workflow",
    "get_workflow",
    "import_workflow",
    "install_examples",
    "publish",
    "save_draft",
]
__all__ += _workflow_shapes.__all__
__all__ += _workflow_list.__all__
__all__ += _workflow_versions.__all__


def _detail(session: Session, row: WorkflowRow, workflow: Workflow | None = None) -> WorkflowDetail:
    """The detail of ``row``; pass ``workflow`` when the caller already has its draft."""
    workflow = workflow if workflow is not None else load_workflow(row.draft)
    problems = validate(workflow, actions=action_catalogue())
    remember_counts(row, workflow, problems)
    return WorkflowDetail(
        id=row.id,
        revision=row.revision,
        workflow=workflow,
        active_version=row.active_version,
        latest_version=latest_version(session, row.id),
        updated_at=utc(row.updated_at),
        problems=problems,
    )


def _check_revision(row: WorkflowRow, revision: int | None) -> None:
    if revision != row.revision:
        raise StaleRevision(row.id, revision, row.revision)


def get_workflow(*, session: Session, workflow_id: str) -> WorkflowDetail:
    """The workflow's draft, revision, versions and current problems."""
    return _detail(session, workflow_row(session, workflow_id))


def create_workflow(
    *, session: Session, workflow: Workflow, now: datetime | None = None
) -> WorkflowDetail:
    """Store a new workflow whose draft is ``workflow`` (revision 1, never published)."""
    moment = now or utcnow()
    if session.get(WorkflowRow, workflow.id) is not None:
        raise WorkflowExists(workflow.id)
    row = WorkflowRow(
        id=workflow.id,
        revision=1,
        created_at=moment,
        updated_at=moment,
        **draft_columns(workflow),
    )
    if not insert_once(session, row):
        raise WorkflowExists(workflow.id)  # created by someone else a moment ago
    return _detail(session, row, workflow)


def save_draft(
    *,
    session: Session,
    workflow_id: str,
    revision: int | None,
    workflow: Workflow,
    now: datetime | None = None,
) -> WorkflowDetail:
    """Replace the draft if ``revision`` is still current; the revision then goes up by one.

    Invalid drafts are stored (work in progress may be incomplete); their problems come
    back in the detail. The check and the write are one conditional ``UPDATE``, so two
    saves from the same revision cannot both succeed.
    """
    row = workflow_row(session, workflow_id)
    if workflow.id != workflow_id:
        raise IdMismatch(workflow_id, workflow.id)
    _check_revision(row, revision)
    result = session.execute(
        update(WorkflowRow)
        .where(col(WorkflowRow.id) == workflow_id, col(WorkflowRow.revision) == revision)
        .values(
            **draft_columns(workflow),
            revision=WorkflowRow.revision + 1,
            updated_at=now or utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise StaleRevision(workflow_id, revision, row.revision)
    session.refresh(row)
    return _detail(session, row, workflow)


def delete_workflow(*, session: Session, workflow_id: str) -> None:
    """Delete a workflow that was never published."""
    row = workflow_row(session, workflow_id)
    count = session.exec(
        select(func.count())
        .select_from(WorkflowVersionRow)
        .where(WorkflowVersionRow.workflow_id == workflow_id)
    ).one()
    if count:
        raise HasVersions(workflow_id, count)
    session.delete(row)
    session.flush()


def publish(
    *,
    session: Session,
    workflow_id: str,
    revision: int | None,
    note: str = "",
    published_by: str = "admin",
    activate_now: bool = False,
    now: datetime | None = None,
) -> PublishResult:
    """Publish the draft at ``revision`` as the next immutable version.

    Refused with :class:`InvalidWorkflow` while validation reports errors (warnings do
    not block), and with :class:`StaleRevision` when the draft moved on since the caller
    last read it, so what gets published is what the caller saw.
    """
    row = workflow_row(session, workflow_id)
    _check_revision(row, revision)
    workflow = load_workflow(row.draft)
    problems = validate(workflow, actions=action_catalogue())
    if has_errors(problems):
        raise InvalidWorkflow(workflow_id, problems)
    number = (latest_version(session, workflow_id) or 0) + 1
    moment = now or utcnow()
    version = WorkflowVersionRow(
        workflow_id=workflow_id,
        version=number,
        definition=document(workflow),
        published_at=moment,
        published_by=published_by,
        note=note,
    )
    if not insert_once(session, version):
        # Someone published the same workflow at the same moment and took the number.
        session.refresh(row)
        raise StaleRevision(workflow_id, revision, row.revision)
    if activate_now:
        row.active_version = number
        session.add(row)
        session.flush()
    return PublishResult(version=number, published_at=utc(moment), active=activate_now)


def import_workflow(
    *,
    session: Session,
    source: str | bytes,
    replace: bool = False,
    revision: int | None = None,
    format: InteropFormat | None = None,
    now: datetime | None = None,
) -> WorkflowDetail:
    """Read a workflow file (any supported schema version, BPMN 2.0 or a Salesforce
    orchestration; ``format`` None: told from content) and store it.

    A new id creates a workflow. An existing id is refused unless ``replace`` is set,
    in which case the file becomes the draft, guarded by ``revision`` like any save.
    Raises :class:`graphs.errors.WorkflowFormatError` for a file that is not a workflow.
    """
    workflow = import_document(source, format=format).workflow
    existing = session.get(WorkflowRow, workflow.id)
    if existing is None:
        return create_workflow(session=session, workflow=workflow, now=now)
    if not replace:
        raise WorkflowExists(workflow.id)
    return save_draft(
        session=session, workflow_id=workflow.id, revision=revision, workflow=workflow, now=now
    )


def install_examples(
    *,
    session: Session,
    workflows: Iterable[Workflow],
    only_if_empty: bool = True,
    now: datetime | None = None,
) -> list[str]:
    """Store shipped workflows, each published as version 1 and made active.

    With ``only_if_empty`` (what every start of the app does) nothing happens once any
    workflow exists, so an admin's store is never touched. Otherwise each example whose
    id is not taken is added. Returns the ids it added.
    """
    if only_if_empty and session.exec(select(WorkflowRow.id).limit(1)).first() is not None:
        return []
    loaded = []
    for workflow in workflows:
        if session.get(WorkflowRow, workflow.id) is not None:
            continue
        create_workflow(session=session, workflow=workflow, now=now)
        publish(
            session=session,
            workflow_id=workflow.id,
            revision=1,
            note="Shipped example",
            published_by="baton",
            activate_now=True,
            now=now,
        )
        loaded.append(workflow.id)
    return loaded
