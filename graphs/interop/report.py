"""What an import did with each element of the source: the report that comes with the result.

Nothing is dropped in silence: every element Baton could not represent exactly is a
:class:`ReportItem` naming its id in the source document, its type there, what Baton
did with it and why.

>>> item = ReportItem("Task_1", "bpmn:scriptTask", ReportKind.NEEDS_ACTION,
...                   "a script task becomes a background step without an action",
...                   baton_id="review/Task_1")
>>> item.to_dict()["kind"]
'needs_action'
>>> str(item)
'bpmn:scriptTask Task_1 (needs action): a script task becomes a background step without an action'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphs.model import Workflow
from graphs.problems import Problem

__all__ = ["ImportResult", "InteropFormat", "ReportItem", "ReportKind"]


class InteropFormat(StrEnum):
    """The document formats Baton reads and writes."""

    BATON = "baton"
    BPMN = "bpmn"
    SALESFORCE = "salesforce"


class ReportKind(StrEnum):
    """What became of an element that did not map one to one."""

    #: Not represented in the workflow at all (a call activity, a message event, ...).
    NOT_IMPORTED = "not_imported"
    #: Became a step that needs an action chosen before it can run.
    NEEDS_ACTION = "needs_action"
    #: An expression Baton could not translate, kept as text for the admin.
    KEPT_AS_TEXT = "kept_as_text"
    #: Represented, but with a meaning that differs in a way the admin should check.
    APPROXIMATED = "approximated"
    #: A reference to something outside the document (a flow, a form, a script file).
    UNRESOLVED_REFERENCE = "unresolved_reference"

    @property
    def label(self) -> str:
        """The kind for a person: ``needs action``."""
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One element of the source that did not map one to one, and why."""

    element_id: str
    element_type: str
    kind: ReportKind
    reason: str
    #: Where the element landed in the Baton workflow (``node`` or ``node/step``), if anywhere.
    baton_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that leaves out what is unknown."""
        data: dict[str, Any] = {
            "element_id": self.element_id,
            "element_type": self.element_type,
            "kind": self.kind.value,
            "reason": self.reason,
        }
        if self.baton_id is not None:
            data["baton_id"] = self.baton_id
        return data

    def __str__(self) -> str:
        return f"{self.element_type} {self.element_id} ({self.kind.label}): {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """A workflow read from another format, what did not map, and its validation problems."""

    format: InteropFormat
    workflow: Workflow
    report: tuple[ReportItem, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """``{"format", "workflow", "report", "problems"}``, the shape the CLI and API print."""
        from graphs.io import workflow_to_document

        return {
            "format": self.format.value,
            "workflow": workflow_to_document(self.workflow),
            "report": [item.to_dict() for item in self.report],
            "problems": [problem.model_dump(mode="json", exclude_none=True)
                         for problem in self.problems],
        }
