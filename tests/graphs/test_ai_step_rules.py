"""The AI-step validation rules: each fires on the workflow that needs it and is silent on
the one that does not."""

from __future__ import annotations

import copy
from typing import Any

from graphs.examples import load_example
from graphs.model import Workflow
from graphs.validation import validate

NEEDS_REVIEW = {
    "kind": "group",
    "rules": [{"kind": "rule", "field": "step.classify.needs_review", "op": "eq", "value": True}],
}
BASE: dict[str, Any] = {
    "id": "w", "name": "w",
    "case_schema": [{"name": "subject"}, {"name": "iban", "sensitive": True}],
    "nodes": [
        {"id": "start", "kind": "start"},
        {"id": "t", "kind": "stage", "steps": [
            {"id": "classify", "kind": "background", "action": "ai", "inputs": {
                "confidence_threshold": {"type": "number", "value": 0.8},
                "fields": {"value": "subject"}}},
            {"id": "review", "kind": "interactive", "after": ["classify"],
             "entry_condition": NEEDS_REVIEW,
             "assignment": {"queue": "q"}, "form": [{"name": "subject"}]},
        ]},
        {"id": "end", "kind": "end"},
    ],
    "edges": [{"id": "a", "source": "start", "target": "t"},
              {"id": "b", "source": "t", "target": "end"}],
}  # fmt: skip


def _codes(change: Any = None) -> list[tuple[str, str | None, str]]:
    document = copy.deepcopy(BASE)
    if change is not None:
        change(document)
    return [
        (p.code.value, p.step_id, p.severity)
        for p in validate(Workflow.model_validate(document))
        if p.code.value.startswith("ai_")
    ]


def test_an_ai_step_with_its_review_step_is_silent() -> None:
    assert _codes() == []
    assert _codes(lambda d: d["nodes"][1]["steps"][0]["inputs"].pop("confidence_threshold")) == []


def test_a_threshold_without_a_review_step_is_an_error_naming_the_step() -> None:
    def drop_review(d: Any) -> None:
        d["nodes"][1]["steps"].pop(1)

    assert _codes(drop_review) == [("ai_step_without_review", "classify", "error")]


def test_a_review_step_that_always_opens_is_a_warning() -> None:
    def always(d: Any) -> None:
        d["nodes"][1]["steps"][1].pop("entry_condition")

    assert _codes(always) == [("ai_review_opens_always", "review", "warning")]


def test_a_sensitive_field_listed_for_the_model_is_a_warning() -> None:
    def sensitive(d: Any) -> None:
        d["nodes"][1]["steps"][0]["inputs"]["fields"] = {"value": "subject, iban"}

    assert _codes(sensitive) == [("ai_reads_sensitive_field", "classify", "warning")]


def test_the_shipped_support_case_pairs_its_classifier_with_a_review() -> None:
    assert not [p for p in validate(load_example("support-case")) if p.code.value.startswith("ai_")]
