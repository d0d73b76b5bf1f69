"""Which record triggers can fire on the same records: the conservative check."""

from __future__ import annotations

from typing import Any

import pytest

from graphs.conditions import Group
from graphs.examples import example_names, load_example
from graphs.model import Trigger
from graphs.trigger_overlap import conditions_exclude, overlapping_workflows, trigger_overlap


def rule(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"kind": "rule", "field": f"case.{field}", "op": op, "value": value}


def group(*rules: dict[str, Any] | Group, match: str = "all") -> Group:
    return Group.model_validate({"kind": "group", "match": match, "rules": list(rules)})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (group(rule("kind", "eq", "support")), group(rule("kind", "eq", "claim"))),
        (group(rule("kind", "eq", "a")), group(rule("kind", "ne", "a"))),
        (group(rule("kind", "eq", "a")), group(rule("kind", "in", ["b", "c"]))),
        (group(rule("kind", "in", ["a"])), group(rule("kind", "in", ["b", "c"]))),
        (group(rule("kind", "eq", "a")), group(rule("kind", "not_in", ["a", "b"]))),
        (group(rule("claim", "is_set")), group(rule("claim", "is_not_set"))),
        (group(rule("claim", "eq", "x")), group(rule("claim", "is_not_set"))),
        (group(rule("amount", "gte", 1000)), group(rule("amount", "lt", 1000))),
        (group(rule("amount", "gt", 5)), group(rule("amount", "lte", 5))),
        (group(rule("amount", "eq", 3)), group(rule("amount", "gt", 5))),
        # A required rule nested in an "all" group, or alone in an "any" group.
        (group(rule("x", "is_set"), group(rule("kind", "eq", "a"))),
         group(group(rule("kind", "eq", "b"), match="any"))),
    ],
)  # fmt: skip
def test_conditions_that_cannot_both_hold(a: Group, b: Group) -> None:
    assert conditions_exclude(a, b) is not None
    assert conditions_exclude(b, a) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (group(rule("subject", "is_set")), group(rule("claim", "is_set"))),
        (group(rule("kind", "eq", "a")), group(rule("kind", "eq", "a"))),
        (group(rule("amount", "gte", 1000)), group(rule("amount", "lte", 1000))),
        (group(rule("kind", "eq", "a")), None),
        # One of several alternatives is required of neither: they may both hold.
        (group(rule("kind", "eq", "a"), rule("vip", "eq", True), match="any"),
         group(rule("kind", "eq", "b"))),
    ],
)  # fmt: skip
def test_conditions_that_may_both_hold(a: Group, b: Group | None) -> None:
    assert conditions_exclude(a, b) is None


def test_triggers_overlap_only_on_one_source_and_a_common_event() -> None:
    create = Trigger(kind="record", on="create")
    assert trigger_overlap(create, Trigger(kind="record", on="create_or_update")) is not None
    assert trigger_overlap(create, Trigger(kind="record", on="update")) is None
    assert trigger_overlap(create, Trigger(kind="record", source="salesforce")) is None
    assert trigger_overlap(create, Trigger(kind="manual")) is None


def test_the_shipped_examples_never_start_for_the_same_case() -> None:
    examples = [load_example(name) for name in example_names()]
    for workflow in examples:
        assert overlapping_workflows(workflow, examples) == [], workflow.id
    tutorial = load_example("support-case").model_copy(update={"id": "tutorial"})
    tutorial.trigger = Trigger(kind="record")
    assert sorted(o.workflow_id for o in overlapping_workflows(tutorial, examples)) == sorted(
        example_names()
    )
