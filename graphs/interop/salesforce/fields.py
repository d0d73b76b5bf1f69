"""The case fields and form fields an orchestration reads, declared for its imported workflow.

A Salesforce orchestration reads the triggering record (``$Record.Status``) and the
outputs of its steps' flows (``Review.Outputs.severity``) without declaring them. A
workflow Baton imported from one declares each record field it reads as a case field,
and each output of an interactive step as a form field of that step, typed after the
values it is compared with (text when nothing says otherwise), so that its conditions
name fields that exist.

>>> document = {"trigger": {"condition": {"kind": "group", "rules": [
...     {"kind": "rule", "field": "case.IsEscalated", "op": "eq", "value": True}]}},
...     "nodes": []}
>>> declare_read_fields(document)
['IsEscalated']
>>> document["case_schema"]
[{'name': 'IsEscalated', 'type': 'boolean'}]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphs.salesforce import DEFAULT_ID_FIELD, field_path_problem

__all__ = ["declare_fields", "declare_read_fields", "map_record_fields"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def declare_fields(document: dict[str, Any]) -> list[str]:
    """Declare the fields ``document`` reads and map them from Salesforce; say what was done."""
    said = []
    added = declare_read_fields(document)
    if added:
        said.append(
            "the record fields the orchestration reads became case fields, typed after the "
            f"values they are compared with: {', '.join(added)}"
        )
    mapped = map_record_fields(document, added)
    if mapped:
        said.append(
            "Baton's Salesforce sync copies each into the case field of the same name "
            f"(check their types): {', '.join(mapped)}"
        )
    return said


def declare_read_fields(document: dict[str, Any]) -> list[str]:
    """Add to ``document`` the case and form fields its conditions and inputs read.

    Returns the names of the case fields added.
    """
    case: dict[str, str] = {}
    outputs: dict[tuple[str, str], str] = {}
    for field, value in _reads(document):
        root, _, rest = field.partition(".")
        if root == "case" and _NAME.match(rest):
            case[rest] = _wider(case.get(rest), _type_of(value))
        elif root == "step":
            step, _, key = rest.partition(".")
            if _NAME.match(key):
                outputs[(step, key)] = _wider(outputs.get((step, key)), _type_of(value))
    declared = {f.get("name") for f in document.get("case_schema", [])}
    added = [name for name in case if name not in declared]
    document.setdefault("case_schema", []).extend(_field(n, case[n]) for n in added)
    for node in document.get("nodes", []):
        for step in node.get("steps", []):
            if step.get("kind") != "interactive":
                continue
            form = step.setdefault("form", [])
            names = {f.get("name") for f in form}
            for (step_id, key), kind in outputs.items():
                if step_id == step.get("id") and key not in names:
                    form.append(_field(key, kind))
    return added


def map_record_fields(document: dict[str, Any], names: list[str]) -> list[str]:
    """Map each record field in ``names`` into the case field of the same name, when the
    trigger takes its cases from Salesforce; returns the names mapped.

    Baton's Salesforce sync then fills the case fields the orchestration reads (the record
    Id goes to the trigger's id field without a mapping).

    >>> document = {"trigger": {"salesforce": {"sobject": "Case"}}}
    >>> map_record_fields(document, ["Status", "salesforce_id"])
    ['Status']
    >>> document["trigger"]["salesforce"]["field_mapping"]
    [{'sf_field': 'Status', 'case_field': 'Status'}]
    """
    config = document.get("trigger", {}).get("salesforce")
    if not isinstance(config, dict):
        return []
    id_field = config.get("id_field", DEFAULT_ID_FIELD)
    mapped = [n for n in names if n != id_field and field_path_problem(n) is None]
    config.setdefault("field_mapping", []).extend(
        {"sf_field": name, "case_field": name} for name in mapped
    )
    return mapped


def _field(name: str, kind: str) -> dict[str, Any]:
    return {"name": name} if kind == "string" else {"name": name, "type": kind}


def _reads(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    conditions = [document.get("trigger", {}).get("condition")]
    for node in document.get("nodes", []):
        conditions += [node.get("exit_condition"), node.get("entry_condition")]
        conditions += [o.get("condition") for o in node.get("outcomes", [])]
        for step in node.get("steps", []):
            conditions.append(step.get("entry_condition"))
            for given in step.get("inputs", {}).values():
                if isinstance(given, dict) and isinstance(given.get("ref"), str):
                    yield given["ref"], None
    for condition in conditions:
        yield from _rules(condition)


def _rules(item: Any) -> Iterator[tuple[str, Any]]:
    if not isinstance(item, dict):
        return
    if item.get("kind") == "rule" and isinstance(item.get("field"), str):
        yield item["field"], item.get("value")
    for child in item.get("rules", []):
        yield from _rules(child)


def _type_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _wider(old: str | None, new: str | None) -> str:
    if old is None or old == new:
        return new or old or "string"
    return "string" if new is not None else old
