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
changes nothing. This is the only module that queries the workflow tables.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Text, cast, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from graphs.diff import Change, ElementChanges, diff_workflows
from graphs.interop import InteropFormat, import_document
from graphs.migrations import migrate as upgrade_document
from graphs.model import SCHEMA_VERSION, Workflow
from graphs.problems import Problem, has_errors
from graphs.validation import validate
from runtime.actions.registry import action_catalogue
from runtime.errors import (
    HasVersions,
    IdMismatch,
    InvalidWorkflow,
    StaleRevision,
    VersionNotFound,
    WorkflowExists,
    WorkflowNotFound,
)
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

__all__ = [
    "DRAFT",
    "PublishResult",
    "Ref",
    "VersionDetail",
    "VersionDiff",
    "VersionSummary",
    "WorkflowDetail",
    "WorkflowSummary",
    "activate",
    "create_workflow",
    "delete_workflow",
    "diff",
    "export_workflow",
    "get_version",
    "get_workflow",
    "import_workflow",
    "install_examples",
    "list_versions",
    "list_workflows",
    "publish",
    "save_draft",
    "stored_bytes",
]

DRAFT = "draft"
#: A reference to one state of a workflow: a version number or the draft.
Ref = int | Literal["draft"]


# --- public shapes ------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkflowSummary(_Out):
    """One line of the workflow list."""

    id: str
    name: str
    description: str
    revision: int
    active_version: int | None
    latest_version: int | None
    updated_at: datetime
    node_count: int
    error_count: int


class WorkflowDetail(_Out):
    """A workflow's draft with its revision, versions and current problems."""

    id: str
    revision: int
    workflow: Workflow
    active_version: int | None
    latest_version: int | None
    updated_at: datetime
    problems: list[Problem]


class VersionSummary(_Out):
    """One published version."""

    version: int
    published_at: datetime
    published_by: str
    note: str
    active: bool


class VersionDetail(VersionSummary):
    """One published version with its definition."""

    workflow: Workflow


class PublishResult(_Out):
    """What publishing created."""

    version: int
    published_at: datetime
    active: bool = False


class VersionDiff(_Out):
    """A diff between two states of one workflow, each a version number or the draft."""

    from_: int | Literal["draft"] = Field(serialization_alias="from")
    to: int | Literal["draft"]
    nodes: ElementChanges
    edges: ElementChanges
    changes: list[Change]
    workflow_fields: list[str]


# --- helpers ------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    # The columns give back aware UTC already; this keeps a caller's naive value honest.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _document(workflow: Workflow) -> dict[str, Any]:
    return workflow.model_dump(mode="json")


def _load(document: Mapping[str, Any]) -> Workflow:
    # Stored documents may predate today's format; upgrade them on read (the upgrade
    # copies the document, so only when there is something to upgrade).
    if document.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        document = upgrade_document(document)
    return Workflow.model_validate(document)


def _row(session: Session, workflow_id: str) -> WorkflowRow:
    row = session.get(WorkflowRow, workflow_id)
    if row is None:
        raise WorkflowNotFound(workflow_id)
    return row


def _latest_version(session: Session, workflow_id: str) -> int | None:
    statement = select(func.max(WorkflowVersionRow.version)).where(
        WorkflowVersionRow.workflow_id == workflow_id
    )
    return session.exec(statement).one()


def _version_row(session: Session, workflow_id: str, version: int) -> WorkflowVersionRow:
    statement = select(WorkflowVersionRow).where(
        WorkflowVersionRow.workflow_id == workflow_id, WorkflowVersionRow.version == version
    )
    row = session.exec(statement).first()
    if row is None:
        _row(session, workflow_id)  # an unknown workflow says so rather than "no version"
        raise VersionNotFound(workflow_id, version)
    return row


def _detail(session: Session, row: WorkflowRow, workflow: Workflow | None = None) -> WorkflowDetail:
    """The detail of ``row``; pass ``workflow`` when the caller already has its draft."""
    workflow = workflow if workflow is not None else _load(row.draft)
    problems = validate(workflow, actions=action_catalogue())
    _remember_counts(row, workflow, problems)
    return WorkflowDetail(
        id=row.id,
        revision=row.revision,
        workflow=workflow,
        active_version=row.active_version,
        latest_version=_latest_version(session, row.id),
        updated_at=_utc(row.updated_at),
        problems=problems,
    )


def _check_revision(row: WorkflowRow, revision: int | None) -> None:
    if revision != row.revision:
        raise StaleRevision(row.id, revision, row.revision)


# --- queries and commands -----------------------------------------------------------


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
    return (row.id, _utc(row.created_at).isoformat(), row.revision)


def _remember_counts(
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
    workflow = _load(draft)
    problems = validate(workflow, actions=action_catalogue())
    _remember_counts(row, workflow, problems)
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
    summaries = []
    for row in (_Listed(*values) for values in listed):
        node_count, error_count = _counts(session, row)
        summaries.append(
            WorkflowSummary(
                id=row.id,
                name=row.name,
                description=row.description,
                revision=row.revision,
                active_version=row.active_version,
                latest_version=latest.get(row.id),
                updated_at=_utc(row.updated_at),
                node_count=node_count,
                error_count=error_count,
            )
        )
    return summaries


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


def get_workflow(*, session: Session, workflow_id: str) -> WorkflowDetail:
    """The workflow's draft, revision, versions and current problems."""
    return _detail(session, _row(session, workflow_id))


def create_workflow(
    *, session: Session, workflow: Workflow, now: datetime | None = None
) -> WorkflowDetail:
    """Store a new workflow whose draft is ``workflow`` (revision 1, never published)."""
    moment = now or _now()
    if session.get(WorkflowRow, workflow.id) is not None:
        raise WorkflowExists(workflow.id)
    row = WorkflowRow(
        id=workflow.id,
        name=workflow.name,
        description=workflow.description,
        draft=_document(workflow),
        revision=1,
        created_at=moment,
        updated_at=moment,
    )
    try:
        # A savepoint, so a concurrent create of the same id is reported, not fatal.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise WorkflowExists(workflow.id) from None
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
    row = _row(session, workflow_id)
    if workflow.id != workflow_id:
        raise IdMismatch(workflow_id, workflow.id)
    _check_revision(row, revision)
    result = session.execute(
        update(WorkflowRow)
        .where(col(WorkflowRow.id) == workflow_id, col(WorkflowRow.revision) == revision)
        .values(
            draft=_document(workflow),
            name=workflow.name,
            description=workflow.description,
            revision=WorkflowRow.revision + 1,
            updated_at=now or _now(),
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
    row = _row(session, workflow_id)
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
    row = _row(session, workflow_id)
    _check_revision(row, revision)
    workflow = _load(row.draft)
    problems = validate(workflow, actions=action_catalogue())
    if has_errors(problems):
        raise InvalidWorkflow(workflow_id, problems)
    number = (_latest_version(session, workflow_id) or 0) + 1
    moment = now or _now()
    version = WorkflowVersionRow(
        workflow_id=workflow_id,
        version=number,
        definition=_document(workflow),
        published_at=moment,
        published_by=published_by,
        note=note,
    )
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:
        # Someone published the same workflow at the same moment and took the number.
        session.refresh(row)
        raise StaleRevision(workflow_id, revision, row.revision) from None
    if activate_now:
        row.active_version = number
        session.add(row)
        session.flush()
    return PublishResult(version=number, published_at=_utc(moment), active=activate_now)


def activate(*, session: Session, workflow_id: str, version: int) -> int:
    """Make ``version`` the one active version: new cases start on it. Returns it."""
    row = _row(session, workflow_id)
    _version_row(session, workflow_id, version)
    row.active_version = version
    session.add(row)
    session.flush()
    return version


def list_versions(*, session: Session, workflow_id: str) -> list[VersionSummary]:
    """The published versions, newest first."""
    row = _row(session, workflow_id)
    statement = (
        select(WorkflowVersionRow)
        .where(WorkflowVersionRow.workflow_id == workflow_id)
        .order_by(col(WorkflowVersionRow.version).desc())
    )
    return [
        VersionSummary(
            version=v.version,
            published_at=_utc(v.published_at),
            published_by=v.published_by,
            note=v.note,
            active=v.version == row.active_version,
        )
        for v in session.exec(statement)
    ]


def get_version(*, session: Session, workflow_id: str, version: int) -> VersionDetail:
    """One published version with its definition."""
    row = _row(session, workflow_id)
    v = _version_row(session, workflow_id, version)
    return VersionDetail(
        version=v.version,
        published_at=_utc(v.published_at),
        published_by=v.published_by,
        note=v.note,
        active=v.version == row.active_version,
        workflow=_load(v.definition),
    )


def _state(session: Session, workflow_id: str, ref: Ref) -> Workflow:
    if ref == DRAFT:
        return _load(_row(session, workflow_id).draft)
    return _load(_version_row(session, workflow_id, int(ref)).definition)


def diff(*, session: Session, workflow_id: str, from_: Ref, to: Ref) -> VersionDiff:
    """What changed from one state of the workflow to another (versions or the draft)."""
    changes = diff_workflows(_state(session, workflow_id, from_), _state(session, workflow_id, to))
    return VersionDiff(from_=from_, to=to, **changes.model_dump())


def export_workflow(*, session: Session, workflow_id: str, version: int | None = None) -> Workflow:
    """The draft, or a published version, as a workflow document."""
    if version is None:
        return _load(_row(session, workflow_id).draft)
    return _load(_version_row(session, workflow_id, version).definition)


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
