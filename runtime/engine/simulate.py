"""Run a case through a workflow in memory, with no side effects: for tests and ``baton simulate``.

The simulator plays the executor and the clock: background steps complete at once with
the outputs given for them, interactive steps complete with the given form data, and
timers fire in time order (a simulated clock, nothing sleeps). It stops when the run
finishes, stops at an incident, or has nothing left to wait for.

``outputs`` maps a step id to the outputs of each of its attempts: one mapping for all
attempts, or a list with one per attempt (the last one repeats). Two keys are special:
``"$fail": "message"`` makes that attempt fail (retryable), ``"$after_minutes": n``
lets ``n`` simulated minutes pass before the attempt completes (to see SLA timers fire),
and ``"$case": {...}`` is written to the case when it completes. ``set_fields`` and
``assign`` steps write their inputs to the case as the real actions do.

>>> from graphs.model import Edge, EndNode, StageNode, StartNode, Workflow, BackgroundStep
>>> wf = Workflow(id="w", name="W", nodes=[
...     StartNode(id="start"),
...     StageNode(id="work", steps=[BackgroundStep(id="ping", action="notify")]),
...     EndNode(id="done")],
...     edges=[Edge(id="e1", source="start", target="work"),
...            Edge(id="e2", source="work", target="done")])
>>> result = simulate(compile_workflow(wf), {"subject": "Hello"})
>>> result.path, result.state.status.value
(['start', 'work', 'done'], 'completed')
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graphs.dataflow import mapped_answers, mapped_outputs
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.engine.transition import transition
from runtime.engine.types import (
    CaseCreated,
    CaseUpdated,
    Effect,
    Event,
    LogEvent,
    LogKind,
    RunIdentity,
    RunState,
    RunStatus,
    RunStep,
    ScheduleTimer,
    StepCompleted,
    StepFailed,
    TimerFired,
    WorkItemCompleted,
)

__all__ = ["SIMULATION_START", "SimulationResult", "compile_workflow", "simulate"]

SIMULATION_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""Where the simulated clock starts unless told otherwise (a Monday morning)."""

Outputs = Mapping[str, Mapping[str, Any] | Sequence[Mapping[str, Any]]]


#: log lines :meth:`SimulationResult.describe` shows with their reason
_EXPLAINED = frozenset(
    {LogKind.STAGE_WAITING, LogKind.STAGE_EXITED, LogKind.STEP_SKIPPED, LogKind.STEP_FAILED}
)
#: the lines that end a run, shown with its resolution or reason
_ENDINGS = frozenset({LogKind.RUN_COMPLETED, LogKind.RUN_INCIDENT, LogKind.RUN_CANCELLED})


@dataclass
class SimulationResult:
    """What a simulated run did."""

    state: RunState
    log: list[LogEvent]
    events: list[tuple[Event, datetime]]  #: every input event with its time, for replay
    #: every effect the engine asked for, with the simulated time it was performed
    effects: list[tuple[Effect, datetime]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  #: node ids in the order entered
    edges: list[str] = field(default_factory=list)  #: edge ids in the order taken
    decisions: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = ""  #: why the simulation stopped

    def describe(self) -> list[str]:
        """The run as readable lines: each node, each decision and why, how it ended."""
        lines: list[str] = []
        for entry in self.log:
            d = entry.data
            at = entry.at.strftime("%Y-%m-%d %H:%M")
            if entry.kind == LogKind.NODE_ENTERED:
                lines.append(f"{at}  -> {entry.node_id} ({d['node_kind']}, visit {d['visit']})")
            elif entry.kind == LogKind.DECISION_TAKEN:
                lines.append(
                    f"{at}     decision: {d['label']} ({d['outcome']}) because {d['reason']}"
                )
            elif entry.kind in _EXPLAINED:
                what = entry.step_id or entry.node_id
                lines.append(f"{at}     {entry.kind} {what}: {d.get('reason', '')}")
            elif entry.kind in (LogKind.SLA_AT_RISK, LogKind.SLA_BREACHED):
                lines.append(f"{at}     {entry.kind} {entry.step_id or entry.node_id}")
            elif entry.kind in _ENDINGS:
                lines.append(f"{at}  {entry.kind}: {d.get('resolution') or d.get('reason')}")
        lines.append(f"stopped: {self.stopped}")
        return lines


def _pick(outputs: Outputs, step_id: str, nth: int) -> Mapping[str, Any]:
    given = outputs.get(step_id)
    if given is None:
        return {}
    if isinstance(given, Mapping):
        return given
    if not given:
        return {}
    return given[min(nth, len(given) - 1)]


#: the built-in actions whose inputs a simulated run writes to the case
_WRITING_ACTIONS = frozenset({"set_fields", "assign"})


def _case_writes(effect: RunStep, given: Mapping[str, Any]) -> dict[str, Any]:
    """What a simulated action writes to the case, as the built-in actions would."""
    if "$case" not in given and effect.action not in _WRITING_ACTIONS:
        return {}
    writes: dict[str, Any] = dict(given.get("$case", {}))
    if effect.action == "set_fields":
        fields = effect.inputs.get("fields")
        writes = {**(fields if isinstance(fields, dict) else effect.inputs), **writes}
    elif effect.action == "assign":
        agent, queue = effect.inputs.get("agent"), effect.inputs.get("queue")
        if agent or queue:
            writes = {"owner": agent or f"queue:{queue}", **writes}
    return writes


def simulate(
    definition: CompiledWorkflow,
    case: Mapping[str, Any],
    *,
    outputs: Outputs | None = None,
    updates: Sequence[tuple[float, Mapping[str, Any]]] = (),
    start: datetime = SIMULATION_START,
    max_events: int = 10_000,
    identity: RunIdentity | None = None,
    until: datetime | None = None,
) -> SimulationResult:
    """Run ``case`` through ``definition`` with simulated steps, people and clock.

    Parameters
    ----------
    definition
        The compiled workflow.
    case
        The case record the run starts with.
    outputs
        Outputs (or form data) per step id, see the module docstring.
    updates
        Case changes ``(minutes after start, changed fields)`` applied at those times.
    start
        The simulated time the case is created.
    max_events
        A safety stop for the simulation itself.
    identity
        The run's ids; made up from the workflow id when not given.
    until
        Stop before anything due after this simulated time (a what-if stops at now).
    """
    outputs = outputs or {}
    identity = identity or RunIdentity(
        run_id="sim", workflow_id=definition.id, version=1, case_id="case"
    )
    # A timer is queued as its effect and becomes its event only if it fires: most are
    # cancelled (the step finished, the stage was left) before they come due.
    queue: list[tuple[datetime, int, Event | ScheduleTimer]] = []
    order = 0
    cancelled: set[str] = set()  # timer and work item keys withdrawn by the engine
    executions: dict[str, int] = {}
    case_writes: dict[tuple[str, int], dict[str, Any]] = {}
    log: list[LogEvent] = []
    events: list[tuple[Event, datetime]] = []
    performed: list[tuple[Effect, datetime]] = []

    def push(at: datetime, event: Event | ScheduleTimer) -> None:
        nonlocal order
        order += 1
        heapq.heappush(queue, (at, order, event))

    # What completions write to the case, per step, worked out once per version.
    output_fields = definition.output_fields
    answer_fields = definition.answer_fields

    def answer(step_id: str, now: datetime) -> tuple[Mapping[str, Any], datetime, dict[str, Any]]:
        """What the step's next execution gives (its ``$`` keys too), when, and its data."""
        nth = executions.get(step_id, 0)
        executions[step_id] = nth + 1
        given = _pick(outputs, step_id, nth)
        at = now
        if "$after_minutes" in given:
            at = now + timedelta(minutes=float(given["$after_minutes"]))
        return given, at, {k: v for k, v in given.items() if not k.startswith("$")}

    def perform(effects: Sequence[Effect], now: datetime) -> None:
        for effect in effects:
            performed.append((effect, now))
            if effect.kind == "run_step":
                given, at, data = answer(effect.step_id, now)
                # The step's outputs mapped to the case (the version's table of each
                # step's outputs_to_case), then what the action itself writes.
                fields = output_fields.get(effect.step_id)
                mapped = mapped_outputs(fields, data) if fields else {}
                written = _case_writes(effect, given)
                writes = {**mapped, **written} if mapped and written else mapped or written
                if writes:
                    case_writes[(effect.step_id, effect.attempt)] = writes
                if "$fail" in given:
                    push(
                        at,
                        StepFailed(
                            step_id=effect.step_id,
                            attempt=effect.attempt,
                            error=str(given["$fail"]),
                        ),
                    )
                else:
                    push(
                        at,
                        StepCompleted(step_id=effect.step_id, attempt=effect.attempt, outputs=data),
                    )
            elif effect.kind == "create_work_item":
                _, at, data = answer(effect.step_id, now)
                push(
                    at,
                    WorkItemCompleted(
                        step_id=effect.step_id,
                        attempt=effect.attempt,
                        work_item_key=effect.work_item_key,
                        data=data,
                        actor="simulated-agent",
                    ),
                )
            elif effect.kind == "schedule_timer":
                cancelled.discard(effect.timer_key)
                push(effect.due_at, effect)
            elif effect.kind == "cancel_timer":
                cancelled.add(effect.timer_key)
            elif effect.kind == "cancel_work_item":
                cancelled.add(effect.work_item_key)

    for minutes, changes in updates:
        # Queued as the changed fields only; merged into the latest record when due.
        push(start + timedelta(minutes=minutes), CaseUpdated(case=dict(changes), previous={}))

    first = CaseCreated(case=dict(case))
    result = transition(definition, None, first, start, identity=identity)
    state = result.state
    events.append((first, start))
    log.extend(result.log)
    perform(result.effects, start)
    now = start
    stopped = ""
    while queue:
        if state.status.over or state.status is RunStatus.INCIDENT:
            break
        if len(events) >= max_events:
            stopped = f"gave up after {max_events} events"
            break
        if until is not None and queue[0][0] > until:
            stopped = f"{state.status.value} at {state.node_id} when the simulated time ran out"
            break
        at, _, queued = heapq.heappop(queue)
        if isinstance(queued, ScheduleTimer):
            if queued.timer_key in cancelled:
                continue
            event: Event = TimerFired(
                timer_key=queued.timer_key, purpose=queued.purpose, data=queued.data
            )
        else:
            event = queued
        # The events queued are the simulator's own, read once: the latest case is set on
        # them in place rather than on a copy.
        if isinstance(event, StepCompleted):
            writes = case_writes.pop((event.step_id, event.attempt), None)
            if writes:
                event.case = {**state.case, **writes}
        elif isinstance(event, WorkItemCompleted):
            if event.work_item_key in cancelled:
                continue
            # Answers mapped to case fields reach the case with the completion, as in a run
            # (the version's table of each form's case fields).
            mapped = answer_fields.get(event.step_id)
            if mapped:
                answered = mapped_answers(mapped, event.data)
                if answered:
                    event.case = {**state.case, **answered}
        elif isinstance(event, CaseUpdated):
            event = CaseUpdated(
                case={**state.case, **event.case}, previous=dict(state.case), actor="simulated-user"
            )
        now = max(now, at)
        result = transition(definition, state, event, now)
        state = result.state
        events.append((event, now))
        log.extend(result.log)
        perform(result.effects, now)
    if not stopped:
        if state.status is RunStatus.COMPLETED:
            stopped = f"completed at {state.node_id} ({state.resolution})"
        elif state.status is RunStatus.INCIDENT and state.incident is not None:
            stopped = f"incident {state.incident.code}: {state.incident.message}"
        else:
            stopped = f"{state.status.value} at {state.node_id}, nothing left to wait for"
    return SimulationResult(
        state=state,
        log=log,
        events=events,
        effects=performed,
        path=[e.node_id for e in log if e.kind == "node.entered" and e.node_id],
        edges=[e.data["edge_id"] for e in log if e.kind == "node.entered" and e.data["edge_id"]],
        decisions=[
            {"node_id": e.node_id, **{k: e.data[k] for k in ("outcome", "label", "reason")}}
            for e in log
            if e.kind == "decision.taken"
        ],
        stopped=stopped,
    )
