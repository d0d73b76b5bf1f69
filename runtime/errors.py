"""The runtime's domain errors: one base, one line of docstring each, context as fields.

The designer maps them to HTTP responses in one error handler (``NotFound`` -> 404,
``Conflict`` -> 409, ``FormValidationError``/``InvalidCommand`` -> 422); the runtime
never builds response bodies.

>>> err = FormValidationError({"reason": "required"})
>>> isinstance(err, BatonRuntimeError), err.field_errors
(True, {'reason': 'required'})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from graphs.case_limits import Problem
from graphs.case_types import FieldProblem
from graphs.errors import BatonError
from graphs.problems import Problem as ValidationProblem

__all__ = [
    "BatonRuntimeError",
    "CaseDataRefused",
    "CaseFieldsInvalid",
    "Conflict",
    "FormValidationError",
    "HasVersions",
    "IdMismatch",
    "InvalidCommand",
    "InvalidInput",
    "InvalidWorkflow",
    "NotFound",
    "StaleRevision",
    "VersionNotFound",
    "WorkflowExists",
    "WorkflowNotFound",
]


class BatonRuntimeError(BatonError):
    """Base of every error the runtime raises on purpose."""

    code = "runtime_error"
    #: The attributes :meth:`to_dict` adds to the code and message: each class names
    #: its own and keeps its bases'.
    context: ClassVar[tuple[str, ...]] = ()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, for an API response or a log line."""
        own = (vars(cls).get("context", ()) for cls in reversed(type(self).__mro__))
        names = dict.fromkeys(name for names in own for name in names)
        return {"code": self.code, "message": self.message, **{n: getattr(self, n) for n in names}}


class NotFound(BatonRuntimeError):
    """The thing asked for does not exist."""

    code = "not_found"
    context = ("kind", "key")

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class Conflict(BatonRuntimeError):
    """The thing changed or moved on since the caller last saw it."""

    code = "conflict"
    context = ("current",)

    def __init__(self, message: str, *, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class InvalidInput(BatonRuntimeError):
    """The request's data is malformed or names unknown things."""

    code = "invalid_input"


class CaseDataRefused(InvalidInput):
    """Case data breaks a limit of :mod:`graphs.case_limits`; ``field`` and ``limit`` say which."""

    code = "case_data_refused"
    context = ("field", "limit", "allowed")

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.field = problem.field
        self.limit = problem.limit
        self.allowed = problem.allowed


class CaseFieldsInvalid(CaseDataRefused):
    """Case fields break their case schemas (type, picklist, required); ``problems`` says how."""

    code = "case_fields_invalid"

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        first = problems[0]
        listed = "; ".join(f"case field {p.field!r}: {p.message}" for p in problems)
        super().__init__(Problem(first.field, first.problem, listed))
        self.problems = list(problems)
        self.expected = first.expected

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "expected": self.expected,
            "field_errors": {p.field: p.message for p in self.problems},
            "problems": [p.as_dict() for p in self.problems],
        }


class FormValidationError(InvalidInput):
    """A work item's form submission is invalid; ``field_errors`` maps field to problem."""

    code = "form_invalid"
    context = ("field_errors",)

    def __init__(self, field_errors: dict[str, str]) -> None:
        listed = "; ".join(f"{name}: {problem}" for name, problem in field_errors.items())
        super().__init__(f"the form has errors: {listed}")
        self.field_errors = dict(field_errors)


class InvalidCommand(BatonRuntimeError):
    """The command does not apply to the run (or work item) as it stands now."""

    code = "invalid_command"
    context = ("run_id", "status")

    def __init__(self, message: str, *, run_id: str | None = None, status: str | None = None):
        super().__init__(message)
        self.run_id = run_id
        self.status = status


# --- workflows and their versions ------------------------------------------------


class WorkflowNotFound(NotFound):
    """No workflow has this id."""

    code = "workflow_not_found"

    def __init__(self, workflow_id: str) -> None:
        super().__init__("workflow", workflow_id)
        self.workflow_id = workflow_id
        _say(self, f"There is no workflow with id '{workflow_id}'.")


class VersionNotFound(NotFound):
    """The workflow has no published version with this number."""

    code = "version_not_found"

    def __init__(self, workflow_id: str, version: int) -> None:
        super().__init__("version", f"{workflow_id} v{version}")
        self.workflow_id = workflow_id
        self.version = version
        _say(self, f"Workflow '{workflow_id}' has no version {version}.")


class WorkflowExists(Conflict):
    """A workflow with this id already exists."""

    code = "workflow_exists"

    def __init__(self, workflow_id: str) -> None:
        super().__init__(
            f"A workflow with id '{workflow_id}' already exists; choose another id "
            "or replace its draft.",
            current=workflow_id,
        )
        self.workflow_id = workflow_id

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "workflow_id": self.workflow_id}


class StaleRevision(Conflict):
    """The caller's revision is not the draft's current one: someone saved in between."""

    code = "stale_revision"

    def __init__(self, workflow_id: str, given: int | None, current: int) -> None:
        if given is None:
            message = (
                f"Replacing the draft of '{workflow_id}' needs the revision you are "
                f"replacing (the current revision is {current})."
            )
        else:
            message = (
                f"The draft of '{workflow_id}' was changed by someone else: you have "
                f"revision {given}, the current revision is {current}. Reload it and "
                "apply your changes again."
            )
        super().__init__(message, current=current)
        self.workflow_id = workflow_id
        self.given = given
        self.current_revision = current

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "current_revision": self.current_revision,
        }


class HasVersions(Conflict):
    """A workflow that was ever published cannot be deleted: runs may point at it."""

    code = "has_versions"

    def __init__(self, workflow_id: str, versions: int) -> None:
        super().__init__(
            f"Workflow '{workflow_id}' has {versions} published version(s) and cannot "
            "be deleted; only workflows that were never published can.",
            current=versions,
        )
        self.workflow_id = workflow_id
        self.versions = versions

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "versions": self.versions}


class IdMismatch(InvalidInput):
    """The document's id is not the id of the workflow it is saved to."""

    code = "id_mismatch"

    def __init__(self, workflow_id: str, document_id: str) -> None:
        super().__init__(
            f"The document's id '{document_id}' does not match workflow '{workflow_id}'; "
            "a workflow's id cannot change."
        )
        self.workflow_id = workflow_id
        self.document_id = document_id

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "path": "workflow.id", "expected": self.workflow_id}


class InvalidWorkflow(InvalidInput):
    """Publishing refused: validation found errors in the draft."""

    code = "invalid_workflow"

    def __init__(self, workflow_id: str, problems: list[ValidationProblem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        first = f" First: {errors[0].location()}: {errors[0].message}" if errors else ""
        super().__init__(
            f"Workflow '{workflow_id}' cannot be published while {len(errors)} "
            f"validation error(s) remain.{first}"
        )
        self.workflow_id = workflow_id
        self.problems = problems

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "problems": [p.model_dump(mode="json") for p in self.problems],
        }


def _say(error: BatonRuntimeError, message: str) -> None:
    # The runtime's NotFound words its own message; ours name the workflow for a person.
    error.message = message
    error.args = (message,)
