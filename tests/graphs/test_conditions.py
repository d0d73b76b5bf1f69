"""Conditions compile into predicates that read the latest case, step outputs and SLA."""

from __future__ import annotations

import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from graphs.conditions import Facts, Group, Operator, Rule, compile_condition


def check(field: str, op: str, value: object = None, **facts: object) -> bool:
    predicate = compile_condition(Group(rules=[Rule(field=field, op=Operator(op), value=value)]))
    return predicate(Facts(**facts))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("op", "value", "case", "expected"),
    [
        ("eq", "high", {"p": "high"}, True),
        ("eq", "high", {"p": "low"}, False),
        ("ne", "high", {"p": "low"}, True),
        ("ne", "high", {}, True),
        ("lt", 5, {"p": 3}, True),
        ("lt", 5, {"p": 5}, False),
        ("lte", 5, {"p": 5}, True),
        ("gt", 5, {"p": 6}, True),
        ("gt", 5, {}, False),
        ("gte", 5, {"p": 4}, False),
        ("in", ["a", "b"], {"p": "b"}, True),
        ("in", ["a", "b"], {"p": "c"}, False),
        ("not_in", ["a", "b"], {"p": "c"}, True),
        ("contains", "refund", {"p": "Asks for a REFUND now"}, True),
        ("contains", "vip", {"p": ["vip", "gold"]}, True),
        ("not_contains", "vip", {"p": ["gold"]}, True),
        ("is_set", None, {"p": "x"}, True),
        ("is_set", None, {"p": ""}, False),
        ("is_set", None, {"p": None}, False),
        ("is_not_set", None, {}, True),
        ("is_not_set", None, {"p": 0}, False),
    ],
)
def test_operators_on_case_fields(op: str, value: object, case: dict, expected: bool) -> None:
    assert check("case.p", op, value, case=case) is expected


def test_ordering_compares_datetimes_as_instants_across_offsets() -> None:
    # 10:00+02:00 is 08:00Z, which is before 09:00Z although the string sorts after.
    assert check(
        "case.due", "lt", "2026-03-01T09:00:00Z", case={"due": "2026-03-01T10:00:00+02:00"}
    )
    assert not check("case.due", "gt", "2026-03-01T09:00:00Z", case={"due": "2026-03-01T08:30:00Z"})


def test_ordering_against_a_value_of_the_wrong_type_is_false_not_an_error() -> None:
    assert check("case.amount", "gt", 10, case={"amount": "lots"}) is False


def test_changed_compares_with_the_previous_record() -> None:
    assert check("case.status", "changed", case={"status": "b"}, previous_case={"status": "a"})
    assert not check("case.status", "changed", case={"status": "a"}, previous_case={"status": "a"})
    # A brand-new case has no previous record: nothing has changed yet.
    assert not check("case.status", "changed", case={"status": "a"})


def test_step_outputs_sla_and_counters_are_readable() -> None:
    assert check(
        "step.classify.category",
        "eq",
        "billing",
        case={},
        steps={"classify": {"category": "billing"}},
    )
    assert not check("step.classify.category", "eq", "billing", case={}, steps={})
    assert check("sla.state", "eq", "at_risk", case={}, sla={"state": "at_risk"})
    assert check("counter.contacts", "gte", 2, case={}, counters={"contacts": 2})
    assert check("counter.contacts", "eq", 0, case={})


def test_nested_groups_follow_all_and_any() -> None:
    condition = Group(
        match="all",
        rules=[
            Rule(field="case.tier", op=Operator.EQ, value="gold"),
            Group(
                match="any",
                rules=[
                    Rule(field="case.priority", op=Operator.EQ, value="urgent"),
                    Rule(field="counter.contacts", op=Operator.GTE, value=2),
                ],
            ),
        ],
    )
    predicate = compile_condition(condition)
    assert predicate(Facts(case={"tier": "gold", "priority": "urgent"}))
    assert predicate(Facts(case={"tier": "gold"}, counters={"contacts": 3}))
    assert not predicate(Facts(case={"tier": "silver", "priority": "urgent"}))
    assert not predicate(Facts(case={"tier": "gold", "priority": "low"}))


def test_empty_groups_and_missing_conditions() -> None:
    assert compile_condition(None)(Facts(case={}))
    assert compile_condition(Group(match="all"))(Facts(case={}))
    assert not compile_condition(Group(match="any"))(Facts(case={}))


def test_unknown_field_root_is_refused_at_compile_time() -> None:
    with pytest.raises(ValueError, match="unknown field root"):
        compile_condition(Group(rules=[Rule(field="account.tier", op=Operator.EQ, value=1)]))


def test_changed_on_a_non_case_field_is_refused() -> None:
    with pytest.raises(ValueError, match="case fields only"):
        compile_condition(Group(rules=[Rule(field="sla.state", op=Operator.CHANGED)]))


def test_unknown_operator_and_unknown_keys_are_refused_by_the_model() -> None:
    with pytest.raises(ValidationError, match="op"):
        Group.model_validate({"rules": [{"kind": "rule", "field": "case.a", "op": "like"}]})
    with pytest.raises(ValidationError, match="negate"):
        Group.model_validate({"rules": [], "negate": True})


_VALUES: list[object] = [
    "2026-03-01T09:00:00Z",
    "2026-03-01T10:00:00+02:00",
    "2026-03-01T11:00:00+02:00",  # the same instant as the first
    "2026-03-01",
    "2026-13-45T00:00:00Z",
    "2026-xx-yy",
    "high",
    "",
    None,
    0,
    1,
    2.5,
    True,
    False,
    [],
    ["a"],
    ["2026-03-01"],
]
_ABSENT = object()


def _reference(op: str, value: object, actual: object) -> bool:
    """Each operator as the general rule reads it: the field as an instant when it
    looks like a date-time, a list as a tuple, ``_MISSING`` when absent."""
    from graphs.conditions import _MISSING, _comparable, _freeze, _is_set

    seen = _comparable(_MISSING if actual is _ABSENT else actual)
    if op in ("in", "not_in"):
        options = value if isinstance(value, list) else [value]
        members = frozenset(_freeze(_comparable(v)) for v in options)
        return (_freeze(seen) in members) is (op == "in")
    expected = _comparable(value)
    if op == "eq":
        return bool(seen == expected)
    if op == "ne":
        return bool(seen != expected)
    if not _is_set(seen):
        return False
    compare = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}[op]
    try:
        return bool(compare(seen, expected))
    except TypeError:
        return False


@settings(max_examples=400, deadline=None)
@given(
    root=st.sampled_from(["case.p", "step.s.p"]),
    op=st.sampled_from(["eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte"]),
    value=st.sampled_from(_VALUES) | st.lists(st.sampled_from(_VALUES[:14]), max_size=3),
    actual=st.sampled_from([*_VALUES, _ABSENT]),
)
def test_every_operator_agrees_with_the_general_rule(
    root: str, op: str, value: object, actual: object
) -> None:
    # The compiled rules skip reading a field as an instant where that cannot change
    # the answer (a value that is no date-time); they must answer as the general rule.
    record = {} if actual is _ABSENT else {"p": actual}
    facts = Facts(case=record, steps={"s": record})
    try:
        expected = _reference(op, value, actual)
    except TypeError:  # an unhashable field in a membership test fails both ways
        with pytest.raises(TypeError):
            check(root, op, value, case=facts.case, steps=facts.steps)
        return
    assert check(root, op, value, case=facts.case, steps=facts.steps) is expected


@pytest.mark.parametrize(
    ("case", "counters", "holds"),
    [
        ({"contact_count": 3}, {"loops": 0}, True),
        ({"contacts_count": 2}, {}, True),
        ({"contact_count": 2.7}, {}, True),  # read as the whole number 2
        ({"contact_count": True}, {}, False),  # a flag is not a count
        ({"contact_count": "3"}, {}, False),  # nor is text
        ({"contact_count": 3}, {"contacts": 1}, False),  # what is counted wins
        ({}, {"contacts": 2}, True),
    ],
)
def test_an_uncounted_counter_reads_the_case(
    case: dict[str, object], counters: dict[str, int], holds: bool
) -> None:
    # One rule, one meaning (issue 15): a counter the engine does not keep reads the
    # case's <name>_count, or its singular's, wherever the rule stands. This test pinned
    # the old disagreement (0 in stage, step and decision conditions; the case field in
    # escalation rules) until the two readings became one.
    rule = Group(rules=[Rule(field="counter.contacts", op=Operator.GTE, value=2)])
    assert compile_condition(rule)(Facts(case=case, counters=counters)) is holds
