"""Boundary events: a timer on a user task becomes its SLA, or its SLA and an escalation.

An interrupting timer on a user task means "if the person has not finished after this
long, take the other path". Baton says the same with the step's SLA, the stage's SLA (so
the run's SLA clock reads it) and an escalation rule that jumps to the stage the timer's
path leads to when that SLA is breached. A non-interrupting timer only keeps the SLA; an
interrupting timer on a background step becomes the step's timeout. Other boundary
events (errors, messages, signals, ...) are reported.
"""

from __future__ import annotations

from typing import Any, Protocol

from graphs.conditions import Group, Operator, Rule
from graphs.interop.bpmn.reader import BpmnElement, BpmnFlow, BpmnProcess
from graphs.interop.bpmn.roles import Role, Structure
from graphs.interop.bpmn.steps import timer_minutes
from graphs.interop.report import ReportKind
from graphs.model import (
    SLA,
    BackgroundStep,
    EscalationAction,
    EscalationActionKind,
    EscalationRule,
    InteractiveStep,
    Node,
    StageNode,
    Step,
)

__all__ = ["Mapper", "apply_boundary_events"]



class _Ids(Protocol):
    def take(self, wanted: Any, fallback: str) -> str: ...


class Mapper(Protocol):
    """What the boundary events need of the mapping under way."""

    process: BpmnProcess
    structure: Structure
    step_of: dict[str, tuple[StageNode, Step]]
    nodes: list[Node]

    @property
    def node_ids(self) -> _Ids: ...

    def targets(self, flow_id: str) -> list[str]: ...

    def say(self, element: BpmnElement | BpmnFlow, kind: ReportKind, reason: str,
            baton_id: str | None = None) -> None: ...


_BREACHED = Group(rules=[Rule(field="sla.state", op=Operator.EQ, value="breached")])


def apply_boundary_events(mapper: Mapper) -> list[EscalationRule]:
    """Apply every boundary event to its task's step; the escalation rules they need."""
    rules: list[EscalationRule] = []
    for element in mapper.process.elements.values():
        if mapper.structure.roles.get(element.id) is not Role.BOUNDARY:
            continue
        rule = _boundary(mapper, element)
        if rule is not None:
            rules.append(rule)
    return rules


def _timer_text(element: BpmnElement) -> str:
    for definition in element.xml:
        if definition.tag.endswith("timerEventDefinition"):
            return " ".join((c.text or "").strip() for c in definition)
    return ""


def _boundary(mapper: Mapper, element: BpmnElement) -> EscalationRule | None:
    owner = mapper.step_of.get(element.attached_to or "")
    events = ", ".join(element.events) or "none"
    if owner is None or element.events != ["timer"]:
        where = "its task" if owner is not None else f"{element.attached_to!r}"
        mapper.say(element, ReportKind.NOT_IMPORTED, f"a {events} boundary event on {where} "
                   "has no Baton counterpart; the path it starts is left unconnected")
        return None
    stage, step = owner
    text = _timer_text(element)
    minutes = timer_minutes(text)
    where = f"{stage.id}/{step.id}"
    if minutes is None or minutes <= 0:
        mapper.say(element, ReportKind.KEPT_AS_TEXT, f"the timer {text!r} is no simple "
                   "duration; set the step's SLA by hand", where)
        return None
    if isinstance(step, BackgroundStep):
        step.timeout_seconds = minutes * 60
        mapper.say(element, ReportKind.APPROXIMATED, "a timer on a background step becomes its "
                   "timeout; the path it starts is left unconnected", where)
        return None
    assert isinstance(step, InteractiveStep)
    step.sla = SLA(target_minutes=minutes)
    targets = [t for f in element.outgoing for t in mapper.targets(f)]
    target = next(iter(targets), None)
    goto = next((n for n in mapper.nodes if n.id == target and isinstance(n, StageNode)), None)
    if not element.interrupting or goto is None:
        path = "" if not element.outgoing else "; the path it starts is left unconnected"
        mapper.say(element, ReportKind.APPROXIMATED, f"the timer becomes the step's SLA{path}",
                   where)
        return None
    if stage.sla is None:
        stage.sla = SLA(target_minutes=minutes)
    mapper.say(element, ReportKind.APPROXIMATED, "the timer becomes the step's and stage's SLA "
               f"and an escalation rule that jumps to {goto.id!r} when it is breached", where)
    rule_id = mapper.node_ids.take(element.id, "timer")
    return EscalationRule(
        id=rule_id, name=element.name or f"Timer on {step.name or step.id}",
        condition=_BREACHED.model_copy(deep=True),
        actions=[EscalationAction(kind=EscalationActionKind.GOTO_STAGE, node_id=goto.id)],
        stages=[stage.id],
    )
