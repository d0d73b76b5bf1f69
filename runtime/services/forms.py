"""Checking a work item's form submission against the step's form fields.

Pure: no database. Every problem is reported at once, by field name.

>>> from graphs.model import FormField
>>> fields = [FormField(name="approved", type="boolean", required=True),
...           FormField(name="tier", type="picklist", values=["gold", "silver"])]
>>> validate_form(fields, {"approved": True, "tier": "gold"})
{'approved': True, 'tier': 'gold'}
>>> try:
...     validate_form(fields, {"tier": "bronze", "extra": 1})
... except FormValidationError as err:
...     print(err.field_errors)
{'extra': 'unknown field', 'approved': 'required', 'tier': "'bronze' is not one of: gold, silver"}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from graphs.case_limits import value_problem
from graphs.conditions import parse_datetime
from graphs.model import FieldType, FormField
from runtime.errors import FormValidationError

__all__ = ["check_value", "validate_form"]


def check_value(field_type: FieldType, values: Sequence[str], value: Any) -> tuple[Any, str | None]:
    """``value`` normalised for ``field_type``, and the problem with it (``None`` if fine).

    >>> check_value(FieldType.NUMBER, [], True)
    (True, 'expected a number')
    >>> check_value(FieldType.DATETIME, [], "2026-03-01T10:00:00Z")
    ('2026-03-01T10:00:00+00:00', None)
    """
    if field_type is FieldType.STRING:
        return value, None if isinstance(value, str) else "expected a string"
    if field_type is FieldType.NUMBER:
        # bool is an int in Python, but a checkbox is not a number.
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and isinstance(value, float) and not math.isfinite(value):
            ok = False
        return value, None if ok else "expected a number"
    if field_type is FieldType.BOOLEAN:
        return value, None if isinstance(value, bool) else "expected true or false"
    if field_type is FieldType.DATETIME:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            return value, "expected a date-time such as 2026-01-31T09:00:00Z"
        return parsed.isoformat(), None
    if field_type is FieldType.PICKLIST:
        if isinstance(value, str) and value in values:
            return value, None
        return value, f"{value!r} is not one of: {', '.join(values)}"
    return value, f"unsupported field type {field_type!r}"  # pragma: no cover


def validate_form(fields: Sequence[FormField], data: Mapping[str, Any]) -> dict[str, Any]:
    """The submission, checked and normalised; :class:`FormValidationError` if it is bad.

    Unknown fields are refused, required fields must have a non-empty value, and every
    value must fit its field's type (picklists: one of their values) and the limits of
    :mod:`graphs.case_limits`. Empty optional fields are left out of the result.
    """
    known = {field.name: field for field in fields}
    errors: dict[str, str] = {}
    for name in data:
        if name not in known:
            errors[str(name)] = "unknown field"
    cleaned: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.name)
        if value is None or value == "":
            if field.required:
                errors[field.name] = "required"
            continue
        normalised, problem = check_value(field.type, field.values, value)
        if problem is None:
            # The same limits as case data: the submission is stored and read back alike.
            limit = value_problem(field.name, normalised, what="form field")
            problem = limit.message if limit is not None else None
        if problem is not None:
            errors[field.name] = problem
        else:
            cleaned[field.name] = normalised
    if errors:
        raise FormValidationError(errors)
    return cleaned
