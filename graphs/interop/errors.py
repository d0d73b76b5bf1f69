"""Why a document from another tool could not be read.

All but :class:`UnreadablePayload` (which the BPMN reader reports and reads past) reuse
the workflow-format error family so that the CLI and the REST API render them as they
render a broken Baton document (a 400 with located issues).

>>> err = MalformedXMLError("mismatched tag", line=3, column=4)
>>> str(err)
'malformed XML: line 3, column 4: mismatched tag'
>>> err.code
'malformed_xml'
"""

from __future__ import annotations

from graphs.errors import FormatIssue, GraphError, WorkflowFormatError

__all__ = [
    "MalformedXMLError",
    "NothingToImport",
    "UnknownDocumentKind",
    "UnreadablePayload",
    "UnsafeXMLError",
]


class MalformedXMLError(WorkflowFormatError):
    """The document is not well-formed XML; the issue gives the line and column."""

    code = "malformed_xml"

    def __init__(self, reason: str, *, line: int | None, column: int | None):
        super().__init__([FormatIssue(reason, line=line, column=column)], summary="malformed XML")


class UnsafeXMLError(WorkflowFormatError):
    """The XML declares a DTD, entities or external references, which Baton never expands."""

    code = "unsafe_xml"

    def __init__(self, reason: str):
        super().__init__([FormatIssue(reason)], summary="unsafe XML refused")


class UnknownDocumentKind(WorkflowFormatError):
    """The document is readable but of a kind Baton does not import; the issue says which."""

    code = "unknown_document_kind"

    def __init__(self, what: str):
        self.what = what
        super().__init__([FormatIssue(what)], summary="not a document Baton can import")


class NothingToImport(WorkflowFormatError):
    """The document is of a known kind but holds nothing that becomes a workflow."""

    code = "nothing_to_import"

    def __init__(self, reason: str):
        super().__init__([FormatIssue(reason)], summary="nothing to import")


class UnreadablePayload(GraphError, ValueError):
    """A Baton extension element whose text is not the JSON Baton writes."""

    code = "unreadable_payload"

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"<baton:{name}> is not readable JSON: {reason}")
