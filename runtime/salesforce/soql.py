"""SOQL built safely: names are validated API names, values are quoted literals.

Nothing from a workflow or a case reaches a query as text except a trigger's filter,
which :func:`graphs.salesforce.soql_filter_problem` has checked to be a plain condition,
and which goes inside its own parentheses.

>>> from graphs.salesforce import SalesforceTrigger
>>> trigger = SalesforceTrigger(soql_filter="Status != 'Closed'",
...     field_mapping=[{"sf_field": "Subject", "case_field": "subject"}])
>>> print(changes_query(trigger, since=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)))
... # doctest: +NORMALIZE_WHITESPACE
SELECT Id, SystemModstamp, Subject FROM Case WHERE (Status != 'Closed')
AND SystemModstamp >= 2026-01-02T03:04:05.000Z ORDER BY SystemModstamp ASC, Id ASC
>>> bind("SELECT Id FROM Case WHERE Subject = :s AND Id != ':s'", {"s": "it's"})
"SELECT Id FROM Case WHERE Subject = 'it\\\\'s' AND Id != ':s'"
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from graphs.salesforce import (
    SalesforceTrigger,
    api_name_problem,
    field_path_problem,
    soql_filter_problem,
)
from runtime.errors import InvalidInput

__all__ = [
    "MODSTAMP",
    "backfill_query",
    "bind",
    "changes_query",
    "quote",
    "select_fields",
    "soql_datetime",
]

MODSTAMP = "SystemModstamp"
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_BIND_OR_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|:([A-Za-z_][A-Za-z0-9_]*)")


def soql_datetime(value: datetime) -> str:
    """A SOQL date-time literal in UTC with milliseconds.

    >>> soql_datetime(datetime(2026, 1, 2, 3, 4, 5, 678900, tzinfo=UTC))
    '2026-01-02T03:04:05.678Z'
    """
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def quote(value: Any) -> str:
    """``value`` as a SOQL literal; strings are escaped, so they stay strings.

    >>> [quote(v) for v in (None, True, 3, 2.5, "a'b\\\\c")]
    ['null', 'true', '3', '2.5', "'a\\\\'b\\\\\\\\c'"]
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return soql_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "(" + ", ".join(quote(item) for item in value) + ")"
    text = str(value)
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in text) + "'"


def bind(soql: str, params: Mapping[str, Any]) -> str:
    """Replace each ``:name`` outside string literals with the quoted value of ``params[name]``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return match.group(0)
        if name not in params:
            raise InvalidInput(f"the query uses :{name}, but no value named {name!r} is given")
        return quote(params[name])

    return _BIND_OR_STRING.sub(replace, soql)


def _checked(trigger: SalesforceTrigger) -> SalesforceTrigger:
    problems = [api_name_problem(trigger.sobject)]
    problems += [field_path_problem(m.sf_field) for m in trigger.field_mapping]
    if trigger.soql_filter:
        problems.append(soql_filter_problem(trigger.soql_filter))
    found = [p for p in problems if p]
    if found:
        raise InvalidInput(f"the Salesforce trigger cannot be queried: {'; '.join(found)}")
    return trigger


def select_fields(trigger: SalesforceTrigger) -> list[str]:
    """Id, SystemModstamp and every mapped field, once each, in mapping order."""
    fields = ["Id", MODSTAMP]
    for mapping in trigger.field_mapping:
        if mapping.sf_field.lower() not in {f.lower() for f in fields}:
            fields.append(mapping.sf_field)
    return fields


def _where(trigger: SalesforceTrigger, extra: str | None) -> str:
    parts = []
    if trigger.soql_filter and trigger.soql_filter.strip():
        parts.append(f"({trigger.soql_filter.strip()})")
    if extra:
        parts.append(extra)
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def changes_query(trigger: SalesforceTrigger, *, since: datetime | None) -> str:
    """Records matching the trigger changed at or after ``since``, oldest change first.

    ``>=`` rather than ``>``: records that share the watermark's timestamp are read again
    and recognised as seen, so none sharing it is missed.
    """
    _checked(trigger)
    extra = f"{MODSTAMP} >= {soql_datetime(since)}" if since is not None else None
    return (
        f"SELECT {', '.join(select_fields(trigger))} FROM {trigger.sobject}"
        f"{_where(trigger, extra)} ORDER BY {MODSTAMP} ASC, Id ASC"
    )


def backfill_query(trigger: SalesforceTrigger) -> str:
    """Every record matching the trigger (Bulk API 2.0 takes no ORDER BY)."""
    _checked(trigger)
    fields = ", ".join(select_fields(trigger))
    return f"SELECT {fields} FROM {trigger.sobject}{_where(trigger, None)}"
