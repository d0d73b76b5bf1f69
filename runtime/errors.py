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
from typing import Any

from graphs.case_limits import Problem
from graphs.case_types import FieldProblem

__all__ = [
    "BatonRuntimeError",
    "CaseDataRefused",
    "CaseFieldsInvalid",
    "Conflict",
    "FormValidationError",
    "InvalidCommand",
    "InvalidInput",
    "NotFound",
]


class BatonRuntimeError(Exception):
    """Base of every error the runtime raises on purpose."""

    code = "runtime_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, for an API response or a log line."""
        return {"code": self.code, "message": self.message}


class NotFound(BatonRuntimeError):
    """The thing asked for does not exist."""

    code = "not_found"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "kind": self.kind, "key": self.key}


class Conflict(BatonRuntimeError):
    """The thing changed or moved on since the caller last saw it."""

    code = "conflict"

    def __init__(self, message: str, *, current: Any = None) -> None:
        super().__init__(message)
        self.current = current

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "current": self.current}


class InvalidInput(BatonRuntimeError):
    """The request's data is malformed or names unknown things."""

    code = "invalid_input"


class CaseDataRefused(InvalidInput):
    """Case data breaks a limit of :mod:`graphs.case_limits`; ``field`` and ``limit`` say which."""

    code = "case_data_refused"

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.field = problem.field
        self.limit = problem.limit
        self.allowed = problem.allowed

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "field": self.field, "limit": self.limit,
                "allowed": self.allowed}  # fmt: skip


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

    def __init__(self, field_errors: dict[str, str]) -> None:
        listed = "; ".join(f"{name}: {problem}" for name, problem in field_errors.items())
        super().__init__(f"the form has errors: {listed}")
        self.field_errors = dict(field_errors)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "field_errors": self.field_errors}


class InvalidCommand(BatonRuntimeError):
    """The command does not apply to the run (or work item) as it stands now."""

    code = "invalid_command"

    def __init__(self, message: str, *, run_id: str | None = None, status: str | None = None):
        super().__init__(message)
        self.run_id = run_id
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "run_id": self.run_id, "status": self.status}
