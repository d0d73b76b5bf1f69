"""One meaning per rule (issue 15, part 8): the same condition over the same case gives
the same verdict wherever it stands. Random rules and cases go through every place that
evaluates rules (the compiler, its explanation, a decision, a stage's entry condition, an
escalation rule and a record trigger) and every place must agree."""

from __future__ import annotations

from typing import Any

from engine_helpers import Harness, linear, stage, ui, with_decision
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphs.conditions import Facts, Group, Rule, compile_condition
from graphs.explain import compile_explained
from graphs.model import EscalationAction, EscalationRule, Trigger
from runtime.engine import compile_workflow
from runtime.engine.types import CreateWorkItem, Escalate

#: field path -> values a case may hold there (of its type, of another, or none)
_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "case.amount": st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False), st.none()),
    "case.contact_count": st.one_of(st.integers(0, 4), st.just("2"), st.none()),
    "case.tier": st.sampled_from(["gold", "silver", "", None, 3]),
    "case.vip": st.sampled_from([True, False, None, "yes"]),
    "case.tags": st.one_of(st.lists(st.sampled_from(["vip", "new"]), max_size=2), st.none()),
}
_PATHS = [*_VALUES, "counter.contacts", "counter.contacts"]  # twice: the rule in question
_OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "not_contains",
        "is_set", "is_not_set"]  # fmt: skip
_LITERALS = st.one_of(
    st.integers(-3, 5), st.sampled_from(["gold", "silver", "vip", "2", "", True, False])
)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    op = draw(st.sampled_from(_OPS))
    value: Any = None
    if op in ("in", "not_in"):
        value = draw(st.lists(_LITERALS, min_size=1, max_size=3))
    elif op not in ("is_set", "is_not_set"):
        value = draw(_LITERALS)
    return Rule(field=draw(st.sampled_from(_PATHS)), op=op, value=value)


conditions = st.builds(
    lambda match, items: Group(match=match, rules=items),
    st.sampled_from(["all", "any"]),
    st.lists(rules(), min_size=1, max_size=3),
)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for path, values in _VALUES.items():
        if draw(st.booleans()):
            case[path.removeprefix("case.")] = draw(values)
    return case


def _decision(condition: Group, case: dict[str, Any]) -> bool:
    h = Harness(with_decision(stage("before"), [("yes", condition, "end")], "other_end"))
    h.start(**case)
    return bool(h.entries("decision.taken")[0].data["outcome"] == "yes")


def _stage_entry(condition: Group, case: dict[str, Any]) -> bool:
    h = Harness(linear(stage("gate", ui("work"), entry_condition=condition)))
    result = h.start(**case)
    return any(isinstance(effect, CreateWorkItem) for effect in result.effects)


def _escalation(condition: Group, case: dict[str, Any]) -> bool:
    workflow = linear(stage("work", ui("w")))
    action = EscalationAction(kind="notify", to="lead@example.com")
    workflow.escalations = [EscalationRule(id="r", condition=condition, actions=[action])]
    result = Harness(workflow).start(**case)
    return any(isinstance(effect, Escalate) for effect in result.effects)


def _trigger(condition: Group, case: dict[str, Any]) -> bool:
    workflow = linear(stage("work", ui("w")))
    workflow.trigger = Trigger(kind="record", condition=condition)
    return compile_workflow(workflow).matches_trigger(case, None)


def _explained(condition: Group, case: dict[str, Any]) -> bool:
    compiled = compile_explained(condition)
    assert compiled is not None
    return compiled.judge(Facts(case=case))[0]


PLACES = {
    "explanation": _explained,
    "decision": _decision,
    "stage entry": _stage_entry,
    "escalation rule": _escalation,
    "trigger": _trigger,
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(condition=conditions, case=cases())
def test_every_place_gives_a_rule_the_same_verdict(condition: Group, case: dict[str, Any]) -> None:
    expected = compile_condition(condition)(Facts(case=case))
    verdicts = {place: judge(condition, case) for place, judge in PLACES.items()}
    assert verdicts == dict.fromkeys(PLACES, expected), (condition.model_dump(), case)


def test_a_counter_the_engine_does_not_keep_reads_the_case_everywhere() -> None:
    # Before issue 15 this held as an escalation rule only; stages and decisions read 0.
    condition = Group(rules=[Rule(field="counter.contacts", op="gte", value=2)])
    case = {"contact_count": 2}
    assert {place: judge(condition, case) for place, judge in PLACES.items()} == dict.fromkeys(
        PLACES, True
    )
    assert compile_condition(condition)(Facts(case={"contact_count": 1})) is False
