"""Salesforce values into typed case fields: pure functions, no I/O.

A record arrives either as REST JSON (typed values, relationships as nested objects) or
as a Bulk API CSV row (every value a string, relationships as ``Owner.Name`` columns,
empty for null); both map to the same case fields.

>>> from graphs.model import CaseField
>>> from graphs.salesforce import SalesforceTrigger
>>> trigger = SalesforceTrigger(field_mapping=[
...     {"sf_field": "Priority", "case_field": "priority"},
...     {"sf_field": "Owner.Name", "case_field": "owner"},
...     {"sf_field": "Contacts__c", "case_field": "contacts"}])
>>> schema = [CaseField(name="contacts", type="number")]
>>> rest = {"Id": "500A", "Priority": "High", "Owner": {"Name": "Ana"}, "Contacts__c": 2.0}
>>> csv_row = {"Id": "500A", "Priority": "High", "Owner.Name": "Ana", "Contacts__c": "2"}
>>> case_fields(rest, trigger, schema) == case_fields(csv_row, trigger, schema)
True
>>> case_fields(csv_row, trigger, schema)
{'salesforce_id': '500A', 'priority': 'High', 'owner': 'Ana', 'contacts': 2}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from graphs.case_limits import value_problem
from graphs.conditions import parse_datetime
from graphs.model import CaseField, FieldType
from graphs.salesforce import SalesforceConvert, SalesforceTrigger

__all__ = ["case_fields", "convert", "parse_modstamp", "record_value"]

logger = logging.getLogger("baton.salesforce")

_FROM_FIELD_TYPE = {
    FieldType.STRING: SalesforceConvert.STRING,
    FieldType.PICKLIST: SalesforceConvert.STRING,
    FieldType.NUMBER: SalesforceConvert.NUMBER,
    FieldType.BOOLEAN: SalesforceConvert.BOOLEAN,
    FieldType.DATETIME: SalesforceConvert.DATETIME,
}


def record_value(record: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` (``Owner.Name``) of a REST record or a CSV row; None if absent."""
    if path in record:
        return record[path]
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def parse_modstamp(value: Any) -> datetime:
    """A Salesforce date-time (``2026-01-02T03:04:05.000+0000``) as an aware UTC datetime.

    >>> parse_modstamp("2026-01-02T03:04:05.120+0000").isoformat()
    '2026-01-02T03:04:05.120000+00:00'
    """
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"  # Python wants +00:00
    parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(f"not a Salesforce date-time: {value!r}")
    return parsed.astimezone(UTC)


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def convert(value: Any, how: SalesforceConvert) -> Any:
    """``value`` converted as ``how`` says; ``""`` (a CSV null) and None become None.

    >>> convert("true", SalesforceConvert.BOOLEAN), convert("3.50", SalesforceConvert.NUMBER)
    (True, 3.5)
    >>> convert("2026-01-02T03:04:05.000+0000", SalesforceConvert.DATETIME)
    '2026-01-02T03:04:05Z'
    """
    if value is None or value == "":
        return None
    if how is SalesforceConvert.AUTO:
        return value
    if how is SalesforceConvert.STRING:
        return value if isinstance(value, str) else str(value)
    if how is SalesforceConvert.NUMBER:
        return _number(value)
    if how is SalesforceConvert.INTEGER:
        return int(float(value))
    if how is SalesforceConvert.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(f"not a boolean: {value!r}")
    if how is SalesforceConvert.DATE:
        return str(value)[:10]
    stamp = parse_modstamp(value)
    return stamp.isoformat(timespec="milliseconds" if stamp.microsecond else "seconds").replace(
        "+00:00", "Z"
    )


def case_fields(
    record: Mapping[str, Any], trigger: SalesforceTrigger, case_schema: Sequence[CaseField]
) -> dict[str, Any]:
    """The case fields a record maps to: its Id into ``trigger.id_field``, then each mapping.

    ``auto`` converts to the declared type of the case field (as is when undeclared). A
    value that does not convert, or breaks a limit of :mod:`graphs.case_limits`, is
    logged and left out, so the case keeps its old value rather than taking a wrong one.
    """
    types = {f.name: f.type for f in case_schema}
    fields: dict[str, Any] = {trigger.id_field: str(record_value(record, "Id"))}
    for mapping in trigger.field_mapping:
        how = mapping.convert
        if how is SalesforceConvert.AUTO and mapping.case_field in types:
            how = _FROM_FIELD_TYPE.get(types[mapping.case_field], SalesforceConvert.AUTO)
        raw = record_value(record, mapping.sf_field)
        try:
            value = convert(raw, how)
            # A value the store could not give back (a NUL, a number past the float
            # range, an oversized text) is left out like one that does not convert.
            problem = value_problem(mapping.case_field, value)
            if problem is not None:
                raise ValueError(problem.message)
            fields[mapping.case_field] = value
        except (TypeError, ValueError) as exc:
            logger.warning(
                "Salesforce %s %s: %s does not convert to %s for case field %r (%s); left out",
                trigger.sobject,
                fields[trigger.id_field],
                mapping.sf_field,
                how.value,
                mapping.case_field,
                exc,
            )
    return fields
