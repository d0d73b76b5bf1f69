"""Workflow definitions: list, create, read, save drafts, publish, activate, diff, import."""

from __future__ import annotations

from flask import Blueprint, Response

from designer import validation_pool as pool
from designer.api.http import (
    RouteDoc,
    body_bytes,
    documented,
    json_body,
    query_args,
    respond,
)
from designer.api.interop import (
    DOCUMENT_BODY,
    DOCUMENT_TYPES,
    DocumentExportQuery,
    DocumentImportQuery,
    export_response,
    require_document,
)
from designer.api.schemas import (
    CreateWorkflowBody,
    DiffQuery,
    ProblemList,
    PublishBody,
    SaveDraftBody,
    ValidateBody,
    VersionList,
    WorkflowList,
)
from designer.api.start_schemas import Activation, Published
from designer.auth.identity import actor
from designer.extensions import db_session
from runtime.services import workflows as service
from runtime.services.triggers import trigger_overlaps
from runtime.services.workflows import VersionDetail, VersionDiff, WorkflowDetail

__all__ = ["bp"]

bp = Blueprint("workflows", __name__)

_TAG = "workflows"
_ID = {"workflow_id": "The workflow's id"}
_ID_VERSION = {**_ID, "version": "A published version number"}


@bp.get("/workflows")
@documented(RouteDoc("List workflows", _TAG, {200: WorkflowList}))
def list_workflows() -> Response:
    return respond(WorkflowList(workflows=service.list_workflows(session=db_session())))


@bp.post("/workflows")
@documented(
    RouteDoc(
        "Create a workflow",
        _TAG,
        {201: WorkflowDetail},
        body=CreateWorkflowBody,
        errors=(400, 409, 413, 415),
    )
)
def create_workflow() -> Response:
    body = json_body(CreateWorkflowBody)
    detail = service.create_workflow(session=db_session(), workflow=body.workflow)
    return respond(detail, 201, {"Location": f"/api/workflows/{detail.id}"})


@bp.post("/workflows/import")
@documented(
    RouteDoc(
        "Import a workflow file",
        _TAG,
        {201: WorkflowDetail},
        query=DocumentImportQuery,
        raw_body=DOCUMENT_BODY,
        raw_body_types=DOCUMENT_TYPES,
        errors=(400, 409, 413, 415),
        description=(
            "The body is a workflow file's JSON, of any supported schema version (older "
            "formats are upgraded), a BPMN 2.0 file or a Salesforce orchestration "
            "(`POST /api/workflows/import/preview` shows first what it becomes). A new id "
            "creates a workflow; an existing id is refused (409) unless "
            "`replace=true&revision=n` is given, which replaces its draft."
        ),
    )
)
def import_workflow() -> Response:
    query = query_args(DocumentImportQuery)
    require_document()
    detail = service.import_workflow(
        session=db_session(),
        source=body_bytes(),
        replace=query.replace,
        revision=query.revision,
        format=query.format,
    )
    return respond(detail, 201)


@bp.get("/workflows/<workflow_id>")
@documented(
    RouteDoc("Read a workflow's draft", _TAG, {200: WorkflowDetail}, errors=(404,),
             path_params=_ID)
)
def get_workflow(workflow_id: str) -> Response:
    pool.bound_read(service.stored_bytes(session=db_session(), workflow_id=workflow_id))
    return respond(service.get_workflow(session=db_session(), workflow_id=workflow_id))


@bp.put("/workflows/<workflow_id>/draft")
@documented(
    RouteDoc(
        "Save the draft",
        _TAG,
        {200: WorkflowDetail},
        body=SaveDraftBody,
        errors=(400, 404, 409, 413, 415),
        description=(
            "Saves over `revision`, which must be the current one: a stale save is "
            "refused with 409 `stale_revision` and `details.current_revision`. Invalid "
            "drafts are stored; their problems come back in the detail."
        ),
        path_params=_ID,
    )
)
def save_draft(workflow_id: str) -> Response:
    body = json_body(SaveDraftBody)
    detail = service.save_draft(
        session=db_session(),
        workflow_id=workflow_id,
        revision=body.revision,
        workflow=body.workflow,
    )
    return respond(detail)


@bp.delete("/workflows/<workflow_id>")
@documented(
    RouteDoc(
        "Delete a workflow that was never published",
        _TAG,
        {204: None},
        errors=(404, 409),
        path_params=_ID,
    )
)
def delete_workflow(workflow_id: str) -> Response:
    service.delete_workflow(session=db_session(), workflow_id=workflow_id)
    return Response(status=204)


@bp.post("/validate")
@documented(
    RouteDoc(
        "Validate a workflow document without storing it",
        _TAG,
        {200: ProblemList},
        body=ValidateBody,
        errors=(400, 413, 415, 429),
        description=(
            "Designers may send documents up to the app's body limit, other roles up to "
            "1 MiB (413). Large documents are checked one at a time per account: another "
            "while one is under way answers 429 `validation_busy` with `Retry-After`."
        ),
    )
)
def validate_workflow() -> Response:
    return respond(ProblemList(problems=pool.validate_posted()))


@bp.post("/workflows/<workflow_id>/publish")
@documented(
    RouteDoc(
        "Publish the draft as the next version",
        _TAG,
        {201: Published},
        body=PublishBody,
        errors=(400, 404, 409, 413, 415, 422),
        description=(
            "Refused with 422 `invalid_workflow` (and `details.problems`) while the draft "
            "has validation errors, and with 409 `stale_revision` when the draft changed "
            "since `revision`. With `activate`, `trigger_overlaps` lists the other active "
            "workflows whose record triggers can fire on the same records."
        ),
        path_params=_ID,
    )
)
def publish(workflow_id: str) -> Response:
    body = json_body(PublishBody)
    session = db_session()
    result = service.publish(
        session=session,
        workflow_id=workflow_id,
        revision=body.revision,
        note=body.note,
        activate_now=body.activate,
        published_by=actor(),
    )
    found = None
    if result.active:
        found = trigger_overlaps(session, workflow_id=workflow_id, version=result.version)
    return respond(Published.of(result, found), 201)


@bp.get("/workflows/<workflow_id>/versions")
@documented(
    RouteDoc("List published versions", _TAG, {200: VersionList}, errors=(404,),
             path_params=_ID)
)
def list_versions(workflow_id: str) -> Response:
    versions = service.list_versions(session=db_session(), workflow_id=workflow_id)
    return respond(VersionList(versions=versions))


@bp.get("/workflows/<workflow_id>/versions/<int:version>")
@documented(
    RouteDoc("Read a published version", _TAG, {200: VersionDetail}, errors=(404,),
             path_params=_ID_VERSION)
)
def get_version(workflow_id: str, version: int) -> Response:
    pool.bound_read(
        service.stored_bytes(session=db_session(), workflow_id=workflow_id, version=version)
    )
    detail = service.get_version(session=db_session(), workflow_id=workflow_id, version=version)
    return respond(detail)


@bp.post("/workflows/<workflow_id>/versions/<int:version>/activate")
@documented(
    RouteDoc(
        "Make a version the active one",
        _TAG,
        {200: Activation},
        errors=(404,),
        description=(
            "New cases start on the active version; running cases keep theirs. "
            "`trigger_overlaps` lists the other active workflows whose record triggers can "
            "fire on the same records (as `GET /api/workflows/{workflow_id}/trigger-overlaps` "
            "does, which a client may ask before activating)."
        ),
        path_params=_ID_VERSION,
    )
)
def activate(workflow_id: str, version: int) -> Response:
    session = db_session()
    active = service.activate(session=session, workflow_id=workflow_id, version=version)
    overlaps = trigger_overlaps(session, workflow_id=workflow_id, version=active)
    return respond(Activation.of(active, overlaps))


@bp.get("/workflows/<workflow_id>/diff")
@documented(
    RouteDoc(
        "Compare two versions (or a version and the draft)",
        _TAG,
        {200: VersionDiff},
        query=DiffQuery,
        errors=(400, 404),
        path_params=_ID,
    )
)
def diff(workflow_id: str) -> Response:
    query = query_args(DiffQuery)
    for ref in (query.from_, query.to):
        pool.bound_read(
            service.stored_bytes(
                session=db_session(),
                workflow_id=workflow_id,
                version=None if ref == service.DRAFT else int(ref),
            )
        )
    result = service.diff(
        session=db_session(), workflow_id=workflow_id, from_=query.from_, to=query.to
    )
    return respond(result)


@bp.get("/workflows/<workflow_id>/export")
@documented(
    RouteDoc(
        "Download the draft (or a version) as a workflow file",
        _TAG,
        {200: (("application/json", "application/xml"), "The workflow document, as an "
               "attachment: Baton JSON, or BPMN 2.0 / a Salesforce orchestration with ?format=")},
        query=DocumentExportQuery,
        errors=(404,),
        path_params=_ID,
    )
)
def export_workflow(workflow_id: str) -> Response:
    query = query_args(DocumentExportQuery)
    pool.bound_read(
        service.stored_bytes(session=db_session(), workflow_id=workflow_id, version=query.version)
    )
    workflow = service.export_workflow(
        session=db_session(), workflow_id=workflow_id, version=query.version
    )
    suffix = f"-v{query.version}" if query.version is not None else ""
    return export_response(workflow, query.format, suffix)
