"""The checks around every AI answer: declared outputs, refusal, confidence threshold.

Pure. :func:`judge` turns a model's raw text into a :class:`Verdict`:

- ``accepted``: valid JSON, valid against the declared outputs, sure enough;
- ``retried``: not JSON, or outside the declared outputs: the step fails (retryable) and
  its retry policy decides; when attempts run out the run is an incident naming the problem;
- ``handed_to_person``: a refusal, or a confidence below the threshold: the answer goes to
  the review step as a suggestion.

>>> schema = {"type": "object", "properties": {"category": {"enum": ["billing", "outage"]}},
...           "required": ["category"]}
>>> judge('{"category": "billing", "confidence": 0.9}', schema, threshold=0.7).verdict
'accepted'
>>> judge('{"category": "billing", "confidence": 0.4}', schema, threshold=0.7).reason
'confidence 0.4 is below the threshold 0.7'
>>> judge('{"category": "sales"}', schema, threshold=None).reason
"the answer breaks the declared outputs: category: 'sales' is not one of ['billing', 'outage']"
>>> judge('{"category": ', schema, threshold=None).verdict
'retried'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Verdict", "VerdictName", "check_schema", "judge", "request_schema"]

VerdictName = Literal["accepted", "retried", "handed_to_person"]
_META = ("confidence", "reason", "refusal")
_MAX_PROBLEMS = 3


@dataclass(frozen=True, slots=True)
class Verdict:
    """What Baton decided about one answer, and why."""

    verdict: VerdictName
    reason: str
    answer: dict[str, Any] | None = None
    confidence: float | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def check_schema(schema: Mapping[str, Any]) -> str | None:
    """Why ``schema`` is not a usable outputs schema (an object schema), or None.

    >>> check_schema({"type": "string"})
    "the outputs schema must describe an object ('type': 'object')"
    """
    # A step's outputs schema is checked each time its inputs are validated, i.e. at
    # every call (~0.7 ms in jsonschema): the verdict on a schema seen before is kept.
    canonical = json.dumps(schema, sort_keys=True, default=str)
    if canonical in _checked:
        return _checked[canonical]
    problem = _check_schema(schema)
    if len(_checked) >= _CHECKED_MAX:
        _checked.clear()
    _checked[canonical] = problem
    return problem


_checked: dict[str, str | None] = {}
_CHECKED_MAX = 256


def _check_schema(schema: Mapping[str, Any]) -> str | None:
    # jsonschema is imported on first use: the action registry imports this module, and
    # every process that never checks an AI answer is spared its ~80 ms.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(dict(schema))
    except SchemaError as exc:
        return f"the outputs schema is not valid JSON Schema: {exc.message}"
    if schema.get("type") != "object":
        return "the outputs schema must describe an object ('type': 'object')"
    return None


def request_schema(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The schema asked of the provider: the outputs plus confidence and reason, or a refusal."""
    answer = dict(outputs)
    properties = {
        **dict(answer.get("properties") or {}),
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string"},
    }
    answer["properties"] = properties
    refusal = {
        "type": "object",
        "properties": {"refusal": {"type": "string"}},
        "required": ["refusal"],
    }
    return {"anyOf": [answer, refusal]}


def _where(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(answer)"


def _confidence(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= 1 else None


def judge(
    text: str,
    outputs: Mapping[str, Any],
    *,
    threshold: float | None,
    refusal: str | None = None,
    confidence: float | None = None,
) -> Verdict:
    """Judge the raw ``text`` of an answer; ``confidence`` overrides one the text states."""
    if refusal:
        return Verdict("handed_to_person", f"the model declined: {refusal}"[:500])
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        return Verdict("retried", f"the answer is not JSON ({exc.msg} at {exc.pos})")
    if not isinstance(parsed, dict):
        return Verdict("retried", "the answer is not a JSON object")
    if isinstance(parsed.get("refusal"), str) and parsed["refusal"]:
        return Verdict("handed_to_person", f"the model declined: {parsed['refusal']}"[:500])
    from jsonschema import Draft202012Validator

    stated = _confidence(parsed.get("confidence"))
    sure = confidence if confidence is not None else stated
    why = parsed.get("reason")
    answer = {k: v for k, v in parsed.items() if k not in _META}
    errors = sorted(Draft202012Validator(dict(outputs)).iter_errors(answer), key=str)
    if errors:
        problems = "; ".join(f"{_where(e.absolute_path)}: {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - _MAX_PROBLEMS} more)" if len(errors) > _MAX_PROBLEMS else ""
        return Verdict("retried", f"the answer breaks the declared outputs: {problems}{more}")
    notes = {"model_reason": why[:500]} if isinstance(why, str) and why else {}
    if threshold is not None and (sure is None or sure < threshold):
        reason = (
            f"confidence {sure:g} is below the threshold {threshold:g}"
            if sure is not None
            else f"the answer states no confidence (threshold {threshold:g})"
        )
        return Verdict("handed_to_person", reason, answer, sure, notes)
    return Verdict("accepted", "the answer follows the declared outputs", answer, sure, notes)
