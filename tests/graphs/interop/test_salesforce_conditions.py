"""Conditions to Salesforce rows and logic, and back."""

from __future__ import annotations

import pytest

from graphs.conditions import Group, Rule
from graphs.interop.salesforce.conditions import FlowCondition, parse_condition, render_condition


@pytest.mark.parametrize(
    ("rule", "rows"),
    [
        (Rule(field="case.a", op="is_set"), [("$Record.a", "IsNull", "false")]),
        (Rule(field="case.a", op="is_not_set"), [("$Record.a", "IsNull", "true")]),
        (Rule(field="case.a", op="changed"), [("$Record.a", "IsChanged", "true")]),
        (Rule(field="case.n", op="gte", value=2.5), [("$Record.n", "GreaterThanOrEqualTo", "2.5")]),
        (Rule(field="step.s.k", op="ne", value="x"), [("S_1.Outputs.k", "NotEqualTo", "x")]),
        (
            Rule(field="sla.state", op="eq", value="breached"),
            [("$Baton.sla.state", "EqualTo", "breached")],
        ),
    ],
)
def test_each_operator_renders_and_reads_back(rule: Rule, rows: list[tuple[str, str, str]]) -> None:
    logic, rendered = render_condition(Group(rules=[rule]), {"s": "S_1"})
    assert [(r.left, r.operator, r.value) for r in rendered] == rows
    parsed, notes = parse_condition(logic, rendered, {"S_1": "s"})
    assert (parsed, notes) == (Group(rules=[rule]), [])


def test_in_not_in_and_not_contains_become_or_and_and_not() -> None:
    condition = Group(
        rules=[
            Rule(field="case.p", op="in", value=["a", "b"]),
            Rule(field="case.q", op="not_in", value=[1, 2]),
            Rule(field="case.r", op="not_contains", value="spam"),
        ]
    )
    logic, rows = render_condition(condition, {})
    assert logic == "(1 OR 2) AND (3 AND 4) AND NOT 5"
    assert [r.operator for r in rows] == [
        "EqualTo",
        "EqualTo",
        "NotEqualTo",
        "NotEqualTo",
        "Contains",
    ]
    parsed, notes = parse_condition(logic, rows, {})
    assert notes == []
    assert parsed == Group(
        rules=[
            Group(
                match="any",
                rules=[
                    Rule(field="case.p", op="eq", value="a"),
                    Rule(field="case.p", op="eq", value="b"),
                ],
            ),
            Group(
                rules=[
                    Rule(field="case.q", op="ne", value=1),
                    Rule(field="case.q", op="ne", value=2),
                ]
            ),
            Rule(field="case.r", op="not_contains", value="spam"),
        ]
    )


def test_what_baton_cannot_read_is_noted_not_dropped_in_silence() -> None:
    rows = [
        FlowCondition("$Record.Subject", "StartsWith", "stringValue", "Re:"),
        FlowCondition("$Record.Owner", "WasSelected", "booleanValue", "true"),
        FlowCondition("$Record.Status", "EqualTo", "elementReference", "$Record__Prior.Status"),
    ]
    parsed, notes = parse_condition("and", rows, {})
    assert parsed is not None and len(parsed.rules) == 2
    assert len(notes) == 3
    assert "WasSelected" in notes[1]


def test_an_unreadable_logic_is_noted_and_all_rows_must_hold() -> None:
    rows = [FlowCondition("$Record.a", "EqualTo", "stringValue", "x")] * 2
    parsed, notes = parse_condition("1 AND (2 OR", rows, {})
    assert parsed is not None and parsed.match == "all" and len(parsed.rules) == 2
    assert "could not be read" in notes[0]


def test_logic_nested_past_reading_is_noted_not_a_crash() -> None:
    rows = [FlowCondition("$Record.a", "EqualTo", "stringValue", "x")]
    parsed, notes = parse_condition("(" * 3000 + "1" + ")" * 3000, rows, {})
    assert parsed == Group(rules=[Rule(field="case.a", op="eq", value="x")])
    assert len(notes) == 1 and len(notes[0]) < 150
