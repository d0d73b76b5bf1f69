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

__all__ = ["declare_read_fields"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


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
