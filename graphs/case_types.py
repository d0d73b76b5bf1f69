"""Case data typed against case schemas: the one check of a value's type, picklist and presence.

Pure: no I/O. The runtime calls it before a case is created or changed (the REST API,
the start dialog and record triggers all go through that one service), with the case
schemas of the workflows the case runs or is about to start.

The rules, said once here and in the READMEs:

- **No conversions.** A value must already have its field's JSON type: the string
  ``"2"`` for a number, ``"true"`` for a boolean or ``1`` for a boolean is refused, with
  a message saying what to send instead. Converting would hide a client's bug until a
  rule such as ``contact_count gte 2`` silently never fires; a refusal is seen at once.
  A date-time is a string in ISO 8601 (``2026-01-31T09:00:00Z``); it is stored as sent.
- **Empty means not set.** ``null``, ``""`` and ``[]`` are accepted for every type (they
  clear the field), as the conditions' ``is_set`` reads them.
- **Required means present when a run starts.** A run of a workflow starts only for a
  case that has a value for each of the workflow's ``required`` fields; while a run of it
  is active, those fields may not be cleared.
- Fields no schema declares are not typed (case data is open); a field two schemas
  declare must satisfy both.

>>> from graphs.model import CaseField, FieldType
>>> count = CaseField(name="contact_count", type=FieldType.NUMBER)
>>> print(type_problem(count, "2"))
expected a number, got the string '2' (Baton converts nothing: send 2)
>>> type_problem(count, 2) is None, type_problem(count, None) is None
(True, True)
>>> tier = CaseField(name="tier", type=FieldType.PICKLIST, values=["gold", "silver"])
>>> print(type_problem(tier, "bronze"))
expected one of gold, silver; got 'bronze'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from graphs.conditions import parse_datetime
from graphs.io import describe_value
from graphs.model import CaseField, FieldType

__all__ = [
    "FieldProblem",
    "expectation",
    "is_empty",
    "missing_required",
    "record_type_problems",
    "type_problem",
]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why case field ``field`` is refused: ``expected`` says what it takes; ``workflow_id``
    is the workflow whose case schema asks for it."""

    field: str
    problem: str  #: ``type``, ``picklist`` or ``required``
    message: str
    expected: str
    workflow_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for an API answer."""
        return asdict(self)


def is_empty(value: Any) -> bool:
    """Whether ``value`` means "not set" (as conditions' ``is_set`` reads it).

    >>> [is_empty(v) for v in (None, "", [], 0, False)]
    [True, True, True, False, False]
    """
    return value is None or value == "" or value == []


def expectation(field: CaseField) -> str:
    """What ``field`` takes, in words.

    >>> from graphs.model import CaseField
    >>> expectation(CaseField(name="due", type="date-time"))
    'a date-time such as 2026-01-31T09:00:00Z'
    """
    if field.type is FieldType.NUMBER:
        return "a number"
    if field.type is FieldType.BOOLEAN:
        return "true or false"
    if field.type is FieldType.DATETIME:
        return "a date-time such as 2026-01-31T09:00:00Z"
    if field.type is FieldType.PICKLIST:
        return "one of " + ", ".join(field.values) if field.values else "a value of its picklist"
    return "a string"


def _kind(value: Any) -> str:
    # Booleans are named as such here: "expects a number, got the boolean true".
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return describe_value(value)


def _number_hint(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    shown = int(number) if number.is_integer() and abs(number) < 2**53 else number
    return f" (Baton converts nothing: send {shown})"


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but a checkbox is not a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def type_problem(field: CaseField, value: Any) -> str | None:
    """What is wrong with ``value`` for ``field`` (its type or picklist), or ``None``.

    Empty values (:func:`is_empty`) are fine here; whether the field must be set is
    :func:`missing_required`'s question.

    >>> from graphs.model import CaseField
    >>> print(type_problem(CaseField(name="ok", type="boolean"), "true"))
    expected true or false, got the string 'true' (Baton converts nothing: send true)
    >>> print(type_problem(CaseField(name="at", type="date-time"), "soon"))
    expected a date-time such as 2026-01-31T09:00:00Z, got the string 'soon'
    """
    if is_empty(value):
        return None
    kind = field.type
    if kind is FieldType.STRING:
        ok = isinstance(value, str)
    elif kind is FieldType.NUMBER:
        ok = _is_number(value)
    elif kind is FieldType.BOOLEAN:
        ok = isinstance(value, bool)
    elif kind is FieldType.DATETIME:
        ok = isinstance(value, str) and parse_datetime(value) is not None
    else:
        if isinstance(value, str) and value in field.values:
            return None
        listed = ", ".join(field.values) if field.values else "(no values declared)"
        return f"expected one of {listed}; got {value!r}"
    if ok:
        return None
    hint = ""
    if kind is FieldType.NUMBER and isinstance(value, str):
        hint = _number_hint(value.strip())
    elif kind is FieldType.BOOLEAN and isinstance(value, str | int | float):
        word = str(value).strip().lower()
        if word in ("true", "1", "yes"):
            hint = " (Baton converts nothing: send true)"
        elif word in ("false", "0", "no"):
            hint = " (Baton converts nothing: send false)"
    return f"expected {expectation(field)}, got {_kind(value)}{hint}"


def record_type_problems(
    schemas: Mapping[str, Sequence[CaseField]], fields: Mapping[str, Any]
) -> list[FieldProblem]:
    """Every value of ``fields`` that a schema of ``schemas`` (workflow id -> case schema)
    types differently, in the order of ``fields``; fields no schema declares pass.

    >>> from graphs.model import CaseField
    >>> schemas = {"support": [CaseField(name="n", type="number")]}
    >>> [p.message for p in record_type_problems(schemas, {"n": "x", "other": "x"})]
    ["expected a number, got the string 'x'"]
    """
    found: list[FieldProblem] = []
    for name, value in fields.items():
        for workflow_id, schema in schemas.items():
            declared = next((f for f in schema if f.name == name), None)
            if declared is None:
                continue
            message = type_problem(declared, value)
            if message is not None:
                problem = "picklist" if declared.type is FieldType.PICKLIST else "type"
                found.append(
                    FieldProblem(name, problem, message, expectation(declared), workflow_id)
                )
                break  # one problem per field: the first schema that refuses it
    return found


def missing_required(
    schemas: Mapping[str, Sequence[CaseField]],
    record: Mapping[str, Any],
    *,
    only: Iterable[str] | None = None,
) -> list[FieldProblem]:
    """Required fields of ``schemas`` that ``record`` leaves empty (``only``: just these
    field names, say the ones a change touches).

    >>> from graphs.model import CaseField
    >>> schemas = {"support": [CaseField(name="subject", required=True)]}
    >>> [p.message for p in missing_required(schemas, {"subject": ""})]
    ["required by workflow 'support': expected a string"]
    """
    wanted = None if only is None else set(only)
    found: list[FieldProblem] = []
    seen: set[str] = set()
    for workflow_id, schema in schemas.items():
        for declared in schema:
            name = declared.name
            if not declared.required or name in seen or (wanted is not None and name not in wanted):
                continue
            if is_empty(record.get(name)):
                seen.add(name)
                expected = expectation(declared)
                message = f"required by workflow {workflow_id!r}: expected {expected}"
                found.append(FieldProblem(name, "required", message, expected, workflow_id))
    return found
