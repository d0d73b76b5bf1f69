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
the same customer is ``counter.contacts gte 2``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphs.conditions import Facts
from graphs.model import EscalationRule, Workflow
from runtime.engine._fast import make_facts
from runtime.engine.definition import CompiledEscalation, CompiledWorkflow, compile_escalations
from runtime.engine.types import Escalate, RunState, RunStatus

__all__ = [
    "CompiledEscalation",
    "EscalationCounters",
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


class EscalationCounters(Mapping[str, int]):
    """``counter.loops``, ``counter.visits.<node>``, else the case's ``<name>_count``.

    >>> c = EscalationCounters({"triage": 2}, 1, {"contact_count": 3})
    >>> c["loops"], c["visits.triage"], c["contacts"], c.get("reopenings", 0)
    (1, 2, 3, 0)
    """

    __slots__ = ("_case", "_loops", "_visits")

    def __init__(self, visits: Mapping[str, int], loops: int, case: Mapping[str, Any]) -> None:
        self._visits = visits
        self._loops = loops
        self._case = case

    def __getitem__(self, key: str) -> int:
        if key == "loops":
            return self._loops
        if key.startswith("visits."):
            return self._visits.get(key[7:], 0)
        for name in (f"{key}_count", f"{key[:-1]}_count" if key.endswith("s") else None):
            value = self._case.get(name) if name else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield "loops"
        for node_id in self._visits:
            yield f"visits.{node_id}"

    def __len__(self) -> int:
        return 1 + len(self._visits)


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
    key = f"{node_id}:{visit}"
    new_held: dict[str, str] = {}
    fired: list[Firing] = []
    for esc in escalations:
        if esc.stages and node_id not in esc.stages:
            continue
        if not esc.test.test(facts):
            continue
        rule_id = esc.rule.id
        new_held[rule_id] = key
        if held.get(rule_id) != key:
            fired.append(Firing(esc.rule, esc.test.describe(facts, True), esc.test.explain(facts)))
    return fired, new_held


_RUNNING = RunStatus.RUNNING
_EMPTY: Mapping[str, Any] = {}


class _RunLike(Protocol):
    """What :func:`escalate` needs of the transition's working run."""

    d: CompiledWorkflow
    s: RunState
    effects: list[Any]

    def note(
        self, kind: str, *, node_id: str | None = ..., step_id: str | None = ..., **data: Any
    ) -> None: ...
    def sla_view(self) -> Mapping[str, Any]: ...
    def own(self, step_id: str) -> Any: ...
    def cancel_step(self, cs: Any, st: Any, reason: str) -> None: ...
    def stop_stage_clock(self, node: Any) -> None: ...
    def enter(self, node_id: str, via: Any = ...) -> None: ...
    def advance(self) -> None: ...


def escalate(run: _RunLike) -> None:
    """Fire the escalation rules that hold now at the run's stage (called by the transition)."""
    # This runs after every event: answer "nothing to do here" before building any facts.
    plan = run.d.escalation
    s = run.s
    values = s.__dict__
    if values["status"] is not _RUNNING:
        return
    node_id = values["node_id"]
    rules = plan.at.get(node_id)
    if rules is None:  # not at a stage (or the workflow has no rules)
        return
    if not rules:
        # No rule watches this stage, so none holds here: forget the ones held elsewhere.
        if values["escalations"]:
            values["escalations"] = {}
        return
    node = run.d.nodes[node_id]
    case = values["case"]
    facts = make_facts(
        case,
        values["previous_case"],
        values["step_outputs"],
        run.sla_view() if plan.reads_sla else _EMPTY,
        EscalationCounters(values["visits"], values["loops"], case)
        if plan.reads_counters
        else _EMPTY,
    )
    fired, held = evaluate(
        rules,
        node_id=node_id,
        visit=values["visits"].get(node_id, 0),
        facts=facts,
        held=values["escalations"],
    )
    values["escalations"] = held
    for firing in fired:
        rule = firing.rule
        actions = [a.model_dump(mode="json", exclude_defaults=True) for a in rule.actions]
        for a, action in zip(actions, rule.actions, strict=True):
            a["kind"] = action.kind.value
        run.note(
            "escalation.fired",
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


def _jump(run: _RunLike, node: Any, target: str, rule: EscalationRule) -> None:
    s = run.s
    if target == s.node_id or target not in run.d.nodes:
        run.note(
            "escalation.skipped",
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
    cancelled: list[str] = []
    for cs in node.steps:
        st = s.steps.get(cs.id)
        if st is not None and st.status.value not in ("done", "skipped", "cancelled"):
            run.cancel_step(cs, run.own(cs.id), why)
            cancelled.append(cs.id)
    run.stop_stage_clock(node)
    run.note("stage.exited", node_id=node.id, early=True, reason=why, cancelled=cancelled)
    run.enter(target)
    # The rule that moved the run is held at the new visit too: it fires again only if
    # it turns false and then true, not merely because the stage changed under it.
    visit_key = f"{target}:{s.visits.get(target, 0)}"
    s.__dict__.update(escalations={**s.escalations, rule.id: visit_key})
    run.advance()
