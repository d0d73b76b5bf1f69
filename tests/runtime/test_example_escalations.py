"""The shipped support-case escalates a returning or unhappy customer, and a breach."""

from __future__ import annotations

import pytest

from graphs.conditions import Facts
from graphs.examples import load_example
from runtime.engine.escalation import compiled_escalations, evaluate

RULES = compiled_escalations(load_example("support-case"))


def fired(node_id: str, facts: Facts) -> list[str]:
    firings, _held = evaluate(RULES, node_id=node_id, visit=1, facts=facts, held={})
    return [firing.rule.id for firing in firings]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"contact_count": 2, "customer_sentiment": "neutral"}, ["repeat_or_unhappy_customer"]),
        ({"contact_count": 1, "customer_sentiment": "negative"}, ["repeat_or_unhappy_customer"]),
        ({"contact_count": 1, "customer_sentiment": "neutral"}, []),
    ],
)
def test_a_second_contact_or_a_negative_reply_escalates_while_the_case_is_worked(
    case: dict[str, object], expected: list[str]
) -> None:
    assert fired("routing", Facts(case=case)) == expected
    assert fired("execution", Facts(case=case)) == expected
    # Before anyone owns the case there is nothing to escalate yet.
    assert fired("triage", Facts(case=case)) == []


def test_a_breach_while_the_agent_works_the_case_moves_it_to_tier_two() -> None:
    calm = {"contact_count": 1, "customer_sentiment": "neutral"}
    assert fired("execution", Facts(case=calm, sla={"state": "breached"})) == [
        "sla_breached_in_execution"
    ]
    assert fired("execution", Facts(case=calm, sla={"state": "at_risk"})) == []
    assert fired("routing", Facts(case=calm, sla={"state": "breached"})) == []
