"""Workflows drawn elsewhere: BPMN 2.0 and Salesforce Orchestrator in and out of Baton.

Pure, like the rest of ``graphs``: bytes in, a workflow with a report out; a workflow in,
text out. Every importer returns an :class:`ImportResult` whose ``report`` names each
source element that did not map one to one, and whose ``problems`` are the validation
problems of the workflow produced, so an import never yields an invalid workflow
without saying so. The mapping tables are in this package's README.

>>> result = import_document(b'{"id": "w", "name": "Tiny", "nodes": []}')
>>> result.format, result.workflow.name, result.report
(<InteropFormat.BATON: 'baton'>, 'Tiny', ())
"""

from __future__ import annotations

from collections.abc import Callable

from graphs.interop.errors import (
    MalformedXMLError,
    NothingToImport,
    UnknownDocumentKind,
    UnsafeXMLError,
)
from graphs.interop.formats import detect_format
from graphs.interop.report import ImportResult, InteropFormat, ReportItem, ReportKind
from graphs.interop.safe_xml import MAX_IMPORT_BYTES
from graphs.model import Workflow

__all__ = [
    "MAX_IMPORT_BYTES",
    "ImportResult",
    "InteropFormat",
    "MalformedXMLError",
    "NothingToImport",
    "ReportItem",
    "ReportKind",
    "UnknownDocumentKind",
    "UnsafeXMLError",
    "detect_format",
    "export_workflow",
    "import_document",
]

#: An importer: the document's bytes to a workflow and what did not map one to one.
_Importer = Callable[[bytes], tuple[Workflow, list[ReportItem]]]


def import_document(
    data: bytes | str, *, format: InteropFormat | None = None, max_bytes: int = MAX_IMPORT_BYTES
) -> ImportResult:
    """Read ``data`` in ``format`` (detected from content when ``None``) into a workflow.

    Raises a :class:`~graphs.errors.WorkflowFormatError` when nothing can be imported:
    malformed or unsafe XML, a document of another kind, one over ``max_bytes``.
    """
    from graphs.errors import DocumentTooLarge
    from graphs.validation import validate

    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise DocumentTooLarge(len(raw), max_bytes)
    chosen = format or detect_format(raw)
    workflow, report = _importer(chosen)(raw)
    return ImportResult(chosen, workflow, tuple(report), tuple(validate(workflow)))


def export_workflow(workflow: Workflow, format: InteropFormat) -> str:
    """Write ``workflow`` as a document in ``format``."""
    if format is InteropFormat.BATON:
        from graphs.io import dump_workflow

        return dump_workflow(workflow)
    if format is InteropFormat.BPMN:
        from graphs.interop.bpmn import export_bpmn

        return export_bpmn(workflow)
    from graphs.interop.salesforce import export_orchestration

    return export_orchestration(workflow)


def _importer(format: InteropFormat) -> _Importer:
    # Imported on use: each format's modules are only loaded by those who read it.
    if format is InteropFormat.BATON:
        return _import_baton
    if format is InteropFormat.BPMN:
        from graphs.interop.bpmn import import_bpmn

        return import_bpmn
    from graphs.interop.salesforce import import_orchestration

    return import_orchestration


def _import_baton(data: bytes) -> tuple[Workflow, list[ReportItem]]:
    from graphs.io import load_workflow

    return load_workflow(data), []
