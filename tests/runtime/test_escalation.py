"""Escalation rules in the engine: fired at once on a case update, on SLA timers, once
per stage visit (again only after turning false), jumping to an escalation stage."""

from __future__ import annotations

from typing import Any

from engine_helpers import Harness, linear, rule, stage, ui

from graphs.conditions import Group, Rule
from graphs.model import Edge, EscalationAction, EscalationRule, StageNode, Workflow
from runtime.engine.types import Escalate, TimerFired


def _rule(rule_id: str, condition: Group, *actions: dict[str, Any], **kw: Any) -> EscalationRule:
    return EscalationRule(
        id=rule_id,
        condition=condition,
        actions=[EscalationAction.model_validate(a) for a in actions],
        **kw,
    )


def support(*rules: EscalationRule) -> Workflow:
    """work (one interactive step, a 60-minute SLA warning at 45) -> end; plus an
    escalation stage reachable only by escalation, which leads to the end."""
    wf = linear(stage("work", ui("handle"), sla={"target_minutes": 60, "warning_minutes": 45}))
    escalation = StageNode(id="escalated", steps=[ui("senior", queue="tier2")])
    return wf.model_copy(
        update={
            "nodes": [*wf.nodes, escalation],
            "edges": [*wf.edges, Edge(id="esc_end", source="escalated", target="end")],
            "escalations": list(rules),
        }
    )


def escalations(h: Harness) -> list[Escalate]:
    return [e for e in (h.last.effects if h.last else []) if isinstance(e, Escalate)]


SECOND_CONTACT = _rule(
    "second_contact",
    rule("counter.contacts", "gte", 2),
    {"kind": "raise_priority"},
    {"kind": "notify", "to": "lead@example.com", "message": "{subject}: contacted again"},
)


def test_a_second_contact_after_creation_escalates_at_once_not_at_the_timer() -> None:
    h = Harness(support(SECOND_CONTACT))
    h.start(subject="Login fails", contact_count=1)
    assert not h.entries("escalation.fired")
    h.update(minutes=5, contact_count=2)
    (fired,) = h.entries("escalation.fired")
    assert fired.data["rule_id"] == "second_contact"
    assert "counter.contacts gte 2 (saw 2)" in fired.data["reason"]
    (effect,) = escalations(h)
    assert [a["kind"] for a in effect.actions] == ["raise_priority", "notify"]
    assert h.s.escalations == {"second_contact": "work:1"}
    assert h.replayed() == h.s


def test_a_rule_fires_once_per_stage_visit_and_again_only_after_turning_false() -> None:
    negative = _rule(
        "negative", rule("case.customer_sentiment", "eq", "negative"), {"kind": "raise_priority"}
    )
    h = Harness(support(negative))
    h.start(customer_sentiment="neutral")
    h.update(customer_sentiment="negative")
    h.update(subject="still negative")
    h.update(subject="and again")
    assert len(h.entries("escalation.fired")) == 1
    h.update(customer_sentiment="neutral")
    assert h.s.escalations == {}
    h.update(customer_sentiment="negative")
    assert len(h.entries("escalation.fired")) == 2


def test_an_account_status_change_escalates() -> None:
    changed = _rule("account", rule("case.account_status", "changed"), {"kind": "raise_priority"})
    h = Harness(support(changed))
    h.start(account_status="active")
    h.update(subject="other field")
    assert not h.entries("escalation.fired")
    h.update(account_status="suspended")
    assert len(h.entries("escalation.fired")) == 1


def test_the_sla_timer_fires_an_sla_rule_and_a_repeated_delivery_does_not() -> None:
    at_risk = _rule(
        "at_risk",
        rule("sla.state", "in", ["at_risk", "breached"]),
        {"kind": "reassign", "queue": "tier2"},
    )
    h = Harness(support(at_risk))
    h.start(subject="x")
    timer = next(t for t in h.timers.values() if t.purpose == "sla_warning")
    h.fire("sla_warning")
    (fired,) = h.entries("escalation.fired")
    assert "sla.state in" in fired.data["reason"]
    assert escalations(h)[0].actions == [{"kind": "reassign", "queue": "tier2"}]
    # The same timer delivered again (a restart before the ack): ignored, no second firing.
    h.send(TimerFired(timer_key=timer.timer_key, purpose="sla_warning", data=timer.data))
    assert len(h.entries("escalation.fired")) == 1
    h.fire("sla_breach")
    assert len(h.entries("escalation.fired")) == 1, "still holding: no second firing"
    assert h.replayed() == h.s


def test_a_breach_rule_fires_exactly_once_across_a_restart() -> None:
    breached = _rule("breach", rule("sla.state", "eq", "breached"), {"kind": "raise_priority"})
    h = Harness(support(breached))
    h.start(subject="x")
    h.fire("sla_warning")
    h.fire("sla_breach")
    assert len(h.entries("escalation.fired")) == 1
    # A restart rebuilds the state from the inputs; the rule is remembered as fired.
    restarted = Harness(h.d)
    restarted.state = h.replayed()
    restarted.now = h.now
    restarted.update(minutes=1, subject="y")
    assert not restarted.entries("escalation.fired")


def test_goto_stage_cancels_the_current_stage_and_enters_the_escalation_stage() -> None:
    jump = _rule(
        "vip_negative",
        Group(
            rules=[
                Rule(field="case.customer_sentiment", op="eq", value="negative"),
                Rule(field="case.tier", op="eq", value="vip"),
            ]
        ),
        {"kind": "goto_stage", "node_id": "escalated"},
        {"kind": "notify", "to": "duty@example.com"},
    )
    h = Harness(support(jump))
    h.start(tier="vip", customer_sentiment="neutral")
    h.update(customer_sentiment="negative")
    assert h.s.node_id == "escalated"
    assert h.status("senior").value == "waiting"
    kinds = h.kinds()
    assert (
        kinds.index("escalation.fired")
        < kinds.index("step.cancelled")
        < kinds.index("stage.exited")
    )
    exited = h.entries("stage.exited")[-1]
    assert exited.data["cancelled"] == ["handle"] and "vip_negative" in exited.data["reason"]
    (effect,) = escalations(h)
    assert effect.node_id == "escalated" and effect.actions[0]["kind"] == "notify"
    # Still negative in the escalation stage: the rule that moved the run does not fire again.
    h.update(subject="more")
    assert len(h.entries("escalation.fired")) == 1
    h.submit("senior")
    assert h.s.status.value == "completed"
    assert h.replayed() == h.s


def test_rules_limited_to_stages_only_fire_there() -> None:
    only_elsewhere = _rule(
        "elsewhere", rule("case.x", "eq", 1), {"kind": "raise_priority"}, stages=["escalated"]
    )
    h = Harness(support(only_elsewhere))
    h.start(x=1)
    assert not h.entries("escalation.fired")


def test_a_workflow_without_escalations_logs_nothing_new() -> None:
    h = Harness(support())
    h.start(subject="x")
    h.update(contact_count=5)
    assert not h.entries("escalation.fired") and h.s.escalations == {}
