"""The errors of the ``graphs`` package, and :class:`BatonError`, the root of every Baton error.

The root lives here because ``graphs`` is the bottom layer: the runtime's and the
designer's errors derive from it without ``graphs`` importing either.

Every error carries its context as fields so that the CLI and the REST API can render
it without parsing messages. A :class:`WorkflowFormatError` lists every
:class:`FormatIssue` found at once, each located either by line and column (malformed
JSON) or by a path into the document such as ``nodes[3].steps[0].kind``.

>>> err = WorkflowFormatError([FormatIssue("unknown field", path="nodes[0].colour")])
>>> str(err)
'not a valid workflow: nodes[0].colour: unknown field'
>>> isinstance(err, GraphError)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BatonError",
    "DocumentTooLarge",
    "FormatIssue",
    "GraphError",
    "MalformedJSONError",
    "NotAWorkflowError",
    "UnreadableDocumentError",
    "UnsupportedSchemaVersion",
    "WorkflowFormatError",
]


@dataclass(frozen=True, slots=True)
class FormatIssue:
    """One located reason why a document is not a readable workflow.

    ``path`` is a JSON path such as ``edges[2].target``; ``line`` and ``column``
    (1-based) locate malformed JSON. ``where`` names the enclosing elements by id
    (``node 'triage', step 'classify'``) when the document has them.

    >>> str(FormatIssue("Expecting ',' delimiter", line=3, column=7))
    "line 3, column 7: Expecting ',' delimiter"
    >>> str(FormatIssue("required field is missing", path="nodes[1].id", where="node 2"))
    'nodes[1].id (node 2): required field is missing'
    """

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    where: str | None = None

    def location(self) -> str:
        """Where the issue is, for a person: a path, a line and column, or ``document``."""
        if self.line is not None:
            column = f", column {self.column}" if self.column is not None else ""
            return f"line {self.line}{column}"
        if self.path:
            return f"{self.path} ({self.where})" if self.where else self.path
        return "document"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that leaves out what is unknown."""
        data: dict[str, Any] = {"message": self.message}
        for key in ("path", "line", "column", "where"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def __str__(self) -> str:
        if self.line is None and not self.path:
            return self.message
        return f"{self.location()}: {self.message}"


class BatonError(Exception):
    """Base of every error Baton raises on purpose; ``code`` is a stable identifier."""

    code = "baton_error"


class GraphError(BatonError):
    """Base of every error raised by the ``graphs`` package."""

    code = "graph_error"


class WorkflowFormatError(GraphError, ValueError):
    """The document is not a readable workflow; ``issues`` says where and why."""

    #: A stable identifier for API clients, one per subclass.
    code = "invalid_workflow"

    def __init__(self, issues: list[FormatIssue], *, summary: str = "not a valid workflow"):
        self.issues = list(issues)
        self.summary = summary
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.issues:
            return self.summary
        if len(self.issues) == 1:
            return f"{self.summary}: {self.issues[0]}"
        listed = "\n".join(f"  - {issue}" for issue in self.issues)
        return f"{self.summary} ({len(self.issues)} problems):\n{listed}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: ``{"error": code, "message": ..., "issues": [...]}``."""
        return {
            "error": self.code,
            "message": self.summary,
            "issues": [issue.to_dict() for issue in self.issues],
        }


class MalformedJSONError(WorkflowFormatError):
    """The document is not JSON text: ``issues`` give the line and column."""

    code = "malformed_json"

    def __init__(self, issues: list[FormatIssue]):
        super().__init__(issues, summary="malformed JSON")


class UnreadableDocumentError(WorkflowFormatError):
    """The document could not be read at all (a missing file, no permission)."""

    code = "unreadable_document"

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__([FormatIssue(reason)], summary="unreadable document")


class NotAWorkflowError(WorkflowFormatError):
    """The document is JSON, but not a workflow at all (a list, an unrelated object)."""

    code = "not_a_workflow"

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__([FormatIssue(reason)], summary="not a workflow")


class DocumentTooLarge(WorkflowFormatError):
    """The document is larger than the loader accepts; nothing of it was parsed."""

    code = "document_too_large"

    def __init__(self, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(
            [
                FormatIssue(
                    f"the document is {size:,} bytes; workflows may be at most {limit:,} bytes"
                )
            ],
            summary="document too large",
        )


class UnsupportedSchemaVersion(WorkflowFormatError):
    """The document's ``schema_version`` is one this code cannot read or upgrade."""

    code = "unsupported_schema_version"

    def __init__(self, version: object, *, oldest: int, newest: int):
        self.version = version
        self.oldest = oldest
        self.newest = newest
        if isinstance(version, int) and version > newest:
            reason = (
                f"schema_version {version} is newer than this Baton understands "
                f"(it reads versions {oldest} to {newest}); upgrade Baton to load it"
            )
        else:
            reason = (
                f"schema_version {version!r} is not supported; "
                f"expected a whole number from {oldest} to {newest}"
            )
        super().__init__(
            [FormatIssue(reason, path="schema_version")], summary="unsupported schema version"
        )
