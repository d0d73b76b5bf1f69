"""Workflows drawn in other tools: preview an import, and the helpers the import and export
routes of :mod:`designer.api.workflows` use to take and give BPMN 2.0 and Salesforce files.

``POST /api/workflows/import/preview`` reads a Baton JSON, BPMN 2.0 or Salesforce
orchestration document (the format told from content unless ``?format=`` names it) and
answers with the workflow it becomes, the report of what did not map one to one and the
workflow's validation problems; it saves nothing. ``POST /api/workflows/import`` saves the
same as a draft; ``GET /api/workflows/<id>/export?format=bpmn|salesforce`` writes a
workflow out in those formats (Baton JSON remains the default).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field

from designer.api.http import RouteDoc, body_bytes, documented, query_args, respond
from designer.api.schemas import ExportQuery, ImportQuery, QueryModel
from designer.errors import UnsupportedMediaType
from designer.extensions import db_session
from graphs.interop import InteropFormat, export_workflow, import_document
from graphs.model import Workflow
from graphs.problems import Problem
from runtime.errors import WorkflowNotFound
from runtime.services import workflows as service

__all__ = [
    "DOCUMENT_BODY",
    "DOCUMENT_TYPES",
    "DocumentExportQuery",
    "DocumentImportQuery",
    "ImportPreview",
    "bp",
    "export_response",
    "require_document",
]

bp = Blueprint("interop", __name__)

#: The media types an imported document may be sent as. Each needs a CORS preflight, so
#: a plain cross-site form cannot post one (as for JSON bodies).
DOCUMENT_TYPES = (
    "application/json",
    "application/xml",
    "text/xml",
    "application/bpmn+xml",
    "application/octet-stream",
)
DOCUMENT_BODY = (
    "A workflow document: Baton JSON (any supported schema_version), BPMN 2.0 XML, or a "
    "Salesforce orchestration's .flow-meta.xml"
)
_EXPORT_TYPES = {
    InteropFormat.BATON: ("application/json", ".json"),
    InteropFormat.BPMN: ("application/xml", ".bpmn"),
    InteropFormat.SALESFORCE: ("application/xml", ".flow-meta.xml"),
}
_FORMAT_HELP = "baton, bpmn or salesforce; default: told from the document's content"


class PreviewQuery(QueryModel):
    """Which format to read the document as."""

    format: InteropFormat | None = Field(default=None, description=_FORMAT_HELP)


class DocumentImportQuery(ImportQuery):
    """How an imported document is read and meets an existing workflow with the same id."""

    format: InteropFormat | None = Field(default=None, description=_FORMAT_HELP)


class DocumentExportQuery(ExportQuery):
    """Which state of a workflow to export, and in which format."""

    format: InteropFormat = Field(
        default=InteropFormat.BATON,
        description="baton (JSON, the default), bpmn (BPMN 2.0 with its diagram) or "
        "salesforce (an orchestration's .flow-meta.xml)",
    )


class ReportEntry(BaseModel):
    """One element of the source that did not map one to one, and why."""

    model_config = ConfigDict(extra="forbid")

    element_id: str = Field(description="Its id in the source document")
    element_type: str = Field(description="Its type there, such as bpmn:callActivity")
    kind: str = Field(
        description="not_imported, needs_action, kept_as_text, approximated, unresolved_reference"
    )
    reason: str
    baton_id: str | None = Field(
        default=None, description="Where it landed in the workflow (node or node/step)"
    )


class ImportPreview(BaseModel):
    """What an import would save: the workflow, what did not map, its problems."""

    model_config = ConfigDict(extra="forbid")

    format: InteropFormat
    workflow: dict[str, Any] = Field(description="The workflow document it becomes")
    report: list[ReportEntry]
    problems: list[Problem]
    existing_revision: int | None = Field(
        description="The draft revision of a workflow with the same id, which saving would "
        "replace (with replace=true&revision=n); null when the id is free"
    )


def require_document() -> None:
    """Refuse a body not sent as JSON or XML (415)."""
    mimetype = request.mimetype
    if mimetype in DOCUMENT_TYPES or mimetype.endswith(("+json", "+xml")):
        return
    raise UnsupportedMediaType(
        "Send the document as JSON or XML with a Content-Type of "
        f"{', '.join(DOCUMENT_TYPES)} (got {mimetype or 'no content type'}).",
        {"expected": list(DOCUMENT_TYPES), "received": mimetype or None},
    )


def export_response(workflow: Workflow, format: InteropFormat, suffix: str = "") -> Response:
    """``workflow`` written in ``format``, as a file to download."""
    media_type, extension = _EXPORT_TYPES[format]
    return Response(
        export_workflow(workflow, format),
        mimetype=media_type,
        headers={"Content-Disposition": f"attachment; filename={workflow.id}{suffix}{extension}"},
    )


@bp.post("/workflows/import/preview")
@documented(
    RouteDoc(
        "Preview the import of a workflow document",
        "workflows",
        {200: ImportPreview},
        query=PreviewQuery,
        raw_body=DOCUMENT_BODY,
        raw_body_types=DOCUMENT_TYPES,
        errors=(400, 413, 415),
        description=(
            "Reads the document and answers with the workflow it becomes, each element that "
            "did not map one to one (its id, type, what became of it and why) and the "
            "workflow's validation problems. Saves nothing. A document that cannot be read "
            "(malformed XML names its line and column; DTDs and entities are refused) or "
            "holds no workflow (another kind of document, a Salesforce flow that is not an "
            "orchestration) is a 400 naming why."
        ),
    )
)
def preview_import() -> Response:
    query = query_args(PreviewQuery)
    require_document()
    result = import_document(body_bytes(), format=query.format)
    try:
        revision: int | None = service.get_workflow(
            session=db_session(), workflow_id=result.workflow.id
        ).revision
    except WorkflowNotFound:
        revision = None
    return respond(
        ImportPreview.model_validate({**result.to_dict(), "existing_revision": revision})
    )
