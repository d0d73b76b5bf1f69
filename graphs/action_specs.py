"""What design time knows of an installed action: the JSON Schema of its step inputs and
outputs, and which case fields it writes.

``graphs`` never imports the runtime, so the runtime hands validation and the data flow
a catalogue of :class:`ActionSpec` (``runtime.actions.registry.action_catalogue``). The
schemas are plain JSON Schema; :func:`input_findings` checks a step's inputs against the
part of it a step can be judged by before it runs: required inputs, unknown inputs, and
the types, choices and bounds of literal values (a ``ref`` is only known at run time).

>>> spec = ActionSpec("notify", {"type": "object", "additionalProperties": False,
...     "properties": {"to": {"type": "string", "minLength": 1},
...                    "channel": {"enum": ["email", "log"]}}, "required": ["to"]})
>>> from graphs.model import StepInput
>>> [f"{name}: {why}" for name, why in input_findings(spec, {"to": StepInput(value="")})]
['to: is required and empty']
>>> for name, why in input_findings(spec, {"channel": StepInput(value="sms")}):
...     print(f"{name}: {why}")
to: is required and missing
channel: 'sms' is not one of 'email', 'log'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphs.model import FieldType, StepInput

__all__ = [
    "ActionCatalogue",
    "ActionSpec",
    "input_findings",
    "missing",
    "output_type",
    "schema_fits",
]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action as design time sees it.

    ``input_schema`` describes a step's inputs as the step gives them (one input per
    name). What the action writes to the case: the fields in ``writes``, always; with
    ``writes_inputs``, the case field each input is named after (``set_fields``); with
    ``writes_named_by``, the case fields named by the values of that input's mapping
    (``salesforce_query``'s ``into``).
    """

    name: str
    input_schema: Mapping[str, Any] = field(default_factory=dict)
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    writes: tuple[str, ...] = ()
    writes_inputs: bool = False
    writes_named_by: str | None = None

    def case_writes(self, inputs: Mapping[str, StepInput]) -> list[tuple[str, str]]:
        """``(case field, input name or "")`` of every case field a step with ``inputs``
        writes; the input is "" for the fields the action always writes.

        >>> spec = ActionSpec("set_fields", writes_inputs=True)
        >>> spec.case_writes({"status": StepInput(value="new")})
        [('status', 'status')]
        >>> ActionSpec("q", writes_named_by="into").case_writes(
        ...     {"into": StepInput(value="Owner.Name->owner, Status -> status")})
        [('owner', 'into'), ('status', 'into')]
        """
        found = [(name, "") for name in self.writes]
        if self.writes_inputs:
            for name, item in inputs.items():
                if name == "fields" and isinstance(item.value, Mapping):
                    found.extend((str(key), name) for key in item.value)
                else:
                    found.append((name, name))
        if self.writes_named_by is not None and self.writes_named_by in inputs:
            value = inputs[self.writes_named_by].value
            if isinstance(value, Mapping):
                found.extend((str(target), self.writes_named_by) for target in value.values())
            elif isinstance(value, str):
                # The short form "SalesforceField->case_field, ..." the action also takes.
                for part in value.split(","):
                    _, arrow, target = part.partition("->")
                    if arrow and target.strip():
                        found.append((target.strip(), self.writes_named_by))
        return found

    def output_names(self) -> list[str] | None:
        """The outputs the action may give, or None when any may come: it declares none,
        or its schema admits more (``additionalProperties``, as the ``ai`` action's,
        whose step declares its outputs).

        >>> ActionSpec("a", output_schema={"properties": {"n": {}}}).output_names()
        ['n']
        >>> print(ActionSpec("a", output_schema={"properties": {"n": {}},
        ...     "additionalProperties": True}).output_names())
        None
        """
        properties = self.output_schema.get("properties")
        if self.output_schema.get("additionalProperties", False) is not False:
            return None
        return list(properties) if isinstance(properties, Mapping) else None


ActionCatalogue = Mapping[str, ActionSpec]
"""The installed actions by name."""


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        found = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"))
        if isinstance(found, Mapping):
            return found
    return schema


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: _is_number(v) and float(v).is_integer(),
    "number": _is_number,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, Mapping),
    "null": lambda v: v is None,
}


_BOUNDS: tuple[tuple[str, Callable[[float, float], bool], str], ...] = (
    ("minimum", lambda v, b: v < b, "at least"),
    ("maximum", lambda v, b: v > b, "at most"),
    ("exclusiveMinimum", lambda v, b: v <= b, "more than"),
    ("exclusiveMaximum", lambda v, b: v >= b, "less than"),
)


def schema_fits(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> str | None:
    """Why ``value`` does not fit ``schema`` (a subset of JSON Schema), or None if it does.

    >>> schema_fits(5, {"type": "number", "exclusiveMinimum": 0}, {})
    >>> schema_fits(0, {"type": "number", "exclusiveMinimum": 0}, {})
    'must be more than 0'
    >>> schema_fits("x", {"anyOf": [{"type": "integer"}, {"type": "null"}]}, {})
    "'x' is not integer or null"
    """
    schema = _resolve(schema, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list) and options:
        reasons = [schema_fits(value, option, root) for option in options]
        if any(reason is None for reason in reasons):
            return None
        kinds = [str(_resolve(o, root).get("type", "another shape")) for o in options]
        return f"{value!r} is not {' or '.join(kinds)}"
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    known = [k for k in kinds if k in _JSON_TYPES]
    if known and not any(_JSON_TYPES[k](value) for k in known):
        return f"{value!r} is not {' or '.join(known)}"
    choices = schema.get("enum")
    if isinstance(choices, list) and value not in choices:
        return f"{value!r} is not one of {', '.join(repr(c) for c in choices)}"
    if "const" in schema and value != schema["const"]:
        return f"must be {schema['const']!r}"
    if isinstance(value, str):
        shortest = schema.get("minLength")
        if isinstance(shortest, int) and len(value.strip()) < shortest:
            return "is required and empty" if shortest == 1 else f"is shorter than {shortest}"
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        for key, fails, words in _BOUNDS:
            bound = schema.get(key)
            if isinstance(bound, int | float) and fails(value, bound):
                return f"must be {words} {bound:g}"
    if isinstance(value, list | Mapping):
        fewest = schema.get("minItems" if isinstance(value, list) else "minProperties")
        if isinstance(fewest, int) and len(value) < fewest:
            return "is required and empty"
    return None


def missing(reason: str) -> bool:
    """Whether an :func:`input_findings` reason says an input is missing (not ill-typed).

    >>> missing("is required and empty"), missing("'x' is not number")
    (True, False)
    """
    return reason.startswith(("is required", "needs at least"))


def input_findings(spec: ActionSpec, inputs: Mapping[str, StepInput]) -> list[tuple[str, str]]:
    """``(input name, what is wrong)`` for every input problem a step would fail on.

    An input given as a ``ref`` is taken to be present (its value is read when the step
    runs); a literal ``None`` or blank text is missing.
    """
    schema = spec.input_schema
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    found: list[tuple[str, str]] = []
    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        item = inputs.get(name)
        if item is None:
            found.append((name, "is required and missing"))
        elif item.ref is None and (item.value is None or item.value == ""):
            found.append((name, "is required and empty"))
    fewest = schema.get("minProperties")
    if isinstance(fewest, int) and len(inputs) < fewest:
        found.append(("", f"needs at least {fewest} input{'s' if fewest != 1 else ''}"))
    open_ended = schema.get("additionalProperties", True) is not False
    for name, item in inputs.items():
        prop = properties.get(name)
        if not isinstance(prop, Mapping):
            if not open_ended:
                known = ", ".join(properties) or "none"
                found.append((name, f"is not an input of {spec.name} (its inputs: {known})"))
            continue
        if item.ref is not None or item.value is None:
            continue
        if item.value == "" and name in (required or []):
            continue  # already reported as required and empty
        why = schema_fits(item.value, prop, schema)
        if why is not None:
            found.append((name, why))
    return found


def output_type(spec: ActionSpec, name: str) -> FieldType | None:
    """The field type an output of ``spec`` has, when its schema says so plainly.

    >>> output_type(ActionSpec("a", output_schema={"properties": {"n": {"type": "integer"}}}), "n")
    <FieldType.NUMBER: 'number'>
    """
    properties = spec.output_schema.get("properties")
    prop = properties.get(name) if isinstance(properties, Mapping) else None
    if not isinstance(prop, Mapping):
        return None
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return FieldType.NUMBER
    if kind == "boolean":
        return FieldType.BOOLEAN
    if kind == "string":
        return FieldType.DATETIME if prop.get("format") == "date-time" else FieldType.STRING
    return None
