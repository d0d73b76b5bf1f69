"""Escalation rules, evaluated inside the transition: pure, like the rest of the engine.

A workflow's :class:`~graphs.model.EscalationRule` fires when its condition becomes true
while the run is at a stage (one of the rule's ``stages``, when it names any). The
transition calls :func:`escalate` after every event it applies, so a rule fires at once
when a case update makes it true, and on the SLA timers (which change ``sla.state``)
without a timer of its own.

A rule fires at most once per stage visit: ``RunState.escalations`` remembers, per rule,
the visit (``<node>:<visit>``) at which it fired and still holds. When its condition
turns false the entry is dropped, so it may fire again if it becomes true again.

What a firing does:

- ``goto_stage`` is the engine's own: the current stage's unfinished steps are cancelled
  (saying why) and the run enters the escalation stage;
- ``raise_priority``, ``reassign`` and ``notify`` act on work items and people, so they
  leave the engine as one :class:`~runtime.engine.types.Escalate` effect, performed by the
  store in the same transaction.

Counters read by rules are the engine's (``counter.loops``, ``counter.visits.<node>``),
and otherwise a numeric case field named ``<name>_count`` (or, for a plural name, its
singular), so ``counter.contacts`` reads ``case.contact_count``: a second contact from
the same customer is ``counter.contacts gte 2``. Every other condition reads counters
the same way (:func:`graphs.conditions.reader`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphs.conditions import Facts
from graphs.model import EscalationRule, Workflow
from runtime.engine.definition import CompiledEscalation, CompiledNode, compile_escalations
from runtime.engine.facts import EMPTY, Counters, facts_of
from runtime.engine.lifecycle import StageEvent
from runtime.engine.stages import exit_early
from runtime.engine.types import Escalate, LogKind, RunStatus
from runtime.engine.walk import advance, enter
from runtime.engine.working import WorkingRun

__all__ = [
    "CompiledEscalation",
    "Firing",
    "compiled_escalations",
    "escalate",
    "evaluate",
]


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fires now, and why."""

    rule: EscalationRule
    reason: str
    rules: list[dict[str, Any]]


def compiled_escalations(workflow: Workflow) -> tuple[CompiledEscalation, ...]:
    """The workflow's escalation rules, compiled (a compiled version carries them in
    ``CompiledWorkflow.escalation``)."""
    return compile_escalations(workflow).rules


def evaluate(
    escalations: tuple[CompiledEscalation, ...],
    *,
    node_id: str,
    visit: int,
    facts: Facts,
    held: Mapping[str, str],
) -> tuple[list[Firing], dict[str, str]]:
    """The rules that fire now, and the new ``held`` map (rule id -> visit it fired at).

    >>> from graphs.model import EscalationRule
    >>> rule = EscalationRule.model_validate({"id": "neg", "condition": {"rules": [{
    ...     "kind": "rule", "field": "case.mood", "op": "eq", "value": "negative"}]},
    ...     "actions": [{"kind": "raise_priority"}]})
    >>> wf = Workflow(id="w", name="W", escalations=[rule])
    >>> esc = compiled_escalations(wf)
    >>> fired, held = evaluate(esc, node_id="s", visit=1,
    ...                        facts=Facts(case={"mood": "negative"}), held={})
    >>> [f.rule.id for f in fired], held
    (['neg'], {'neg': 's:1'})
    >>> evaluate(esc, node_id="s", visit=1, facts=Facts(case={"mood": "negative"}),
    ...          held=held)[0]
    []
    """
    new_held: dict[str, str] = {}
    fired: list[Firing] = []
    for esc in escalations:
        if esc.stages and node_id not in esc.stages:
            continue
        if not esc.test.test(facts):
            continue  # the usual answer: the visit's key is only written for a rule that holds
        rule_id = esc.rule.id
        key = new_held[rule_id] = f"{node_id}:{visit}"
        if held.get(rule_id) != key:
            explained = esc.test.explain(facts)
            fired.append(Firing(esc.rule, esc.test.summarize(explained, True), explained))
    return fired, new_held


def escalate(run: WorkingRun) -> None:
    """Fire the escalation rules that hold now at the run's stage (called by the transition)."""
    # This runs after every event: answer "nothing to do here" before building any facts.
    plan = run.d.escalation
    s = run.s
    node_id = s.node_id
    rules = plan.at.get(node_id or "")
    if node_id is None or rules is None:  # not at a stage (or the workflow has no rules)
        return
    if not rules:
        # No rule watches this stage, so none holds here: forget the ones held elsewhere.
        if s.escalations and s.status is RunStatus.RUNNING:
            s.escalations = {}
        return
    if s.status is not RunStatus.RUNNING:
        return
    reads_sla, reads_counters = node_id in plan.sla_at, node_id in plan.counters_at
    if reads_sla or reads_counters:
        facts = facts_of(
            s,
            sla=run.sla_view() if reads_sla else EMPTY,
            counters=Counters(s.visits, s.loops) if reads_counters else EMPTY,
        )
    else:
        facts = run.facts()  # the rules here read only what the workflow's conditions read
    fired, s.escalations = evaluate(
        rules, node_id=node_id, visit=s.visits.get(node_id, 0), facts=facts, held=s.escalations
    )
    for firing in fired:
        node = run.d.nodes[node_id]
        rule = firing.rule
        actions = [a.model_dump(mode="json", exclude_defaults=True) for a in rule.actions]
        for a, action in zip(actions, rule.actions, strict=True):
            a["kind"] = action.kind.value
        run.note(
            LogKind.ESCALATION_FIRED,
            node_id=node.id,
            rule_id=rule.id,
            name=rule.name or rule.id,
            actions=actions,
            reason=f"escalation rule {rule.name or rule.id!r} holds: {firing.reason}",
            rules=firing.rules,
        )
        outward = [a for a in actions if a["kind"] != "goto_stage"]
        target = next((a.node_id for a in rule.actions if a.kind.value == "goto_stage"), None)
        if target is not None and s.status is RunStatus.RUNNING:
            _jump(run, node, target, rule)
        if outward:
            run.effects.append(
                Escalate(
                    rule_id=rule.id,
                    name=rule.name or rule.id,
                    node_id=s.node_id,
                    actions=outward,
                    reason=firing.reason,
                )
            )


def _jump(run: WorkingRun, node: CompiledNode, target: str, rule: EscalationRule) -> None:
    s = run.s
    if target == s.node_id or target not in run.d.nodes:
        run.note(
            LogKind.ESCALATION_SKIPPED,
            node_id=s.node_id,
            rule_id=rule.id,
            reason=(
                f"the run is already at {target!r}"
                if target == s.node_id
                else f"{target!r} is not a node of this workflow"
            ),
        )
        return
    why = f"escalation rule {rule.name or rule.id!r} moved the run to {target!r}"
    cancelled = exit_early(run, node, why, event=StageEvent.ESCALATE)
    run.note(LogKind.STAGE_EXITED, node_id=node.id, early=True, reason=why, cancelled=cancelled)
    enter(run, target)
    # The rule that moved the run is held at the new visit too: it fires again only if
    # it turns false and then true, not merely because the stage changed under it.
    s.escalations = {**s.escalations, rule.id: f"{target}:{s.visits.get(target, 0)}"}
    advance(run)
