"""Play recorded cases twice, in memory: as they ran, and through a draft.

Pure: no database, no clock of its own. A :class:`RecordedCase` is a run's stored input
events with their times. :func:`replay_recorded` feeds them to the engine on the version
the run ran on (replay is exact: this is what the case did) and writes down, per step,
what each execution of it gave: the action's outputs (or the form's answers), what it
wrote to the case, whether it failed, and how long it took from start to completion.
:func:`predict` then runs the case's first record through the draft with the simulator
(:func:`runtime.engine.simulate.simulate`), every step answering as it did in the
recording, after as long as it took then. A step the recording never ran answers with the
outputs the admin gave for it (``given``), else with nothing, after the median time it
took in the other recorded cases (else at once). External case changes come back at the
same time after the start. Timers fire on the simulated clock, so SLA clocks run as they
would have. Nothing after ``until`` (the moment of the what-if) happens: a case still open
stays open where the draft would have it.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from graphs.model import BackgroundStep, StageNode
from runtime.engine.definition import CompiledWorkflow
from runtime.engine.simulate import simulate
from runtime.engine.state_migrations import upgrade_event
from runtime.engine.transition import transition
from runtime.engine.types import (
    CaseUpdated,
    Effect,
    Event,
    LogEvent,
    RunIdentity,
    RunState,
    StepCompleted,
    StepFailed,
    WorkItemCompleted,
)
from runtime.whatif.trace import Trace, trace_of

__all__ = [
    "Played",
    "RecordedCase",
    "Script",
    "predict",
    "replay_recorded",
    "sla_stages",
    "typical_minutes",
]

_EVENT: TypeAdapter[Event] = TypeAdapter(Event)

#: The kinds of input the engine takes; others in a run's inputs are the store's notes
#: (log-only lines), which change nothing a replay computes.
_ENGINE_KINDS = frozenset(
    {"case_created", "case_updated", "step_completed", "step_failed",
     "work_item_completed", "timer_fired", "admin"}
)  # fmt: skip

#: Actions whose case writes the simulator works out itself from the draft's inputs, so
#: that a draft that changes what they write is heard.
_SIMULATED_WRITES = frozenset({"set_fields", "assign"})

#: How far past the end a step that had not finished when recorded is put off: it stays
#: unfinished in the prediction too.
_NEVER = timedelta(days=3650)


@dataclass(frozen=True, slots=True)
class RecordedCase:
    """A recorded run: its ids, the version it ran on, and its input events with times
    (as stored: JSON text in the format of the Baton that wrote them)."""

    run_id: str
    case_id: str
    version: int
    inputs: Sequence[tuple[str, datetime]]

    @property
    def started_at(self) -> datetime:
        """When the run started (its ``case_created``)."""
        return self.inputs[0][1]

    def events(self) -> list[tuple[Event, datetime]]:
        """The events the engine took, read and upgraded, with their times."""
        found = []
        for text, at in self.inputs:
            stored = upgrade_event(json.loads(text))
            if stored.get("kind") in _ENGINE_KINDS:
                found.append((_EVENT.validate_python(stored), at))
        return found


@dataclass(slots=True)
class Script:
    """How a recorded case's steps answered, in the simulator's terms (``outputs``)."""

    outputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    updates: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    #: every finished execution's minutes, per step id (for other cases' defaults)
    minutes: dict[str, list[float]] = field(default_factory=dict)


@dataclass(slots=True)
class Played:
    """What replaying one recorded case gave: its trace and its script."""

    trace: Trace
    script: Script


def sla_stages(definition: CompiledWorkflow) -> dict[str, bool]:
    """The stages of ``definition`` whose visits start an SLA clock."""
    return {
        node.id: True
        for node in definition.workflow.nodes
        if isinstance(node, StageNode) and node.sla is not None
    }


def _actions(definition: CompiledWorkflow) -> dict[str, str]:
    """Each step's action by step id (interactive steps: ``""``)."""
    return {
        step.id: step.action if isinstance(step, BackgroundStep) else ""
        for node in definition.workflow.nodes
        if isinstance(node, StageNode)
        for step in node.steps
    }


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def _writes(case: Mapping[str, Any] | None, before: Mapping[str, Any]) -> dict[str, Any]:
    if not case:
        return {}
    return {k: v for k, v in case.items() if k not in before or before[k] != v}


class _Recorder:
    """Writes the script while the recorded events are replayed."""

    def __init__(self, definition: CompiledWorkflow, started_at: datetime) -> None:
        self.actions = _actions(definition)
        self.started_at = started_at
        self.script = Script()
        #: (step id, attempt) -> (its entry in the script, when it started)
        self.open: dict[tuple[str, int], tuple[dict[str, Any], datetime]] = {}

    def effect(self, effect: Effect, at: datetime) -> None:
        if effect.kind in ("run_step", "create_work_item"):
            entry: dict[str, Any] = {}
            self.script.outputs.setdefault(effect.step_id, []).append(entry)
            self.open[(effect.step_id, effect.attempt)] = (entry, at)

    def event(self, event: Event, at: datetime, before: Mapping[str, Any]) -> None:
        if isinstance(event, CaseUpdated):
            changes = _writes(event.case, before)
            if changes:
                self.script.updates.append((_minutes(at, self.started_at), changes))
            return
        if not isinstance(event, StepCompleted | StepFailed | WorkItemCompleted):
            return
        found = self.open.pop((event.step_id, event.attempt), None)
        if found is None:
            return
        entry, started = found
        minutes = _minutes(at, started)
        entry["$after_minutes"] = minutes
        self.script.minutes.setdefault(event.step_id, []).append(minutes)
        if isinstance(event, StepFailed):
            entry["$fail"] = event.error
        elif isinstance(event, WorkItemCompleted):
            entry.update(event.data)
        else:
            entry.update(event.outputs)
            action = self.actions.get(event.step_id, "")
            writes = _writes(event.case, before) if action not in _SIMULATED_WRITES else {}
            if writes:
                entry["$case"] = writes

    def finish(self) -> Script:
        for entry, _started in self.open.values():
            entry["$after_minutes"] = _NEVER.total_seconds() / 60
        return self.script


def replay_recorded(definition: CompiledWorkflow, case: RecordedCase) -> Played:
    """Replay ``case`` on the version it ran on: its trace, and the script of its steps."""
    identity = RunIdentity(
        run_id=case.run_id, workflow_id=definition.id, version=case.version, case_id=case.case_id
    )
    recorder = _Recorder(definition, case.started_at)
    state: RunState | None = None
    log: list[LogEvent] = []
    effects: list[tuple[Effect, datetime]] = []
    events: list[tuple[Event, datetime]] = []
    for event, at in case.events():
        recorder.event(event, at, state.case if state is not None else {})
        result = transition(definition, state, event, at, identity=identity)
        state = result.state
        log.extend(result.log)
        events.append((event, at))
        for effect in result.effects:
            effects.append((effect, at))
            recorder.effect(effect, at)
    assert state is not None  # a recorded run starts with its case_created
    trace = trace_of(
        run_id=case.run_id,
        case_id=case.case_id,
        state=state,
        log=log,
        effects=effects,
        events=events,
        sla_stages=sla_stages(definition),
    )
    return Played(trace=trace, script=recorder.finish())


def typical_minutes(scripts: Sequence[Script]) -> dict[str, float]:
    """The median minutes each step took over the recorded cases that ran it."""
    pooled: dict[str, list[float]] = {}
    for script in scripts:
        for step_id, minutes in script.minutes.items():
            pooled.setdefault(step_id, []).extend(minutes)
    return {step_id: statistics.median(values) for step_id, values in pooled.items()}


def predict(
    draft: CompiledWorkflow,
    case: RecordedCase,
    script: Script,
    *,
    given: Mapping[str, Mapping[str, Any]],
    typical: Mapping[str, float],
    until: datetime,
) -> Trace:
    """What ``case`` would do on ``draft``, its steps answering as ``script`` says."""
    outputs: dict[str, Mapping[str, Any] | Sequence[Mapping[str, Any]]] = {}
    for step_id in _actions(draft):
        recorded = script.outputs.get(step_id)
        if recorded:
            outputs[step_id] = recorded
        elif step_id in given:
            outputs[step_id] = {"$after_minutes": typical.get(step_id, 0.0), **given[step_id]}
        elif step_id in typical:
            outputs[step_id] = {"$after_minutes": typical[step_id]}
    first = _EVENT.validate_python(upgrade_event(json.loads(case.inputs[0][0])))
    assert first.kind == "case_created"
    result = simulate(
        draft,
        first.case,
        outputs=outputs,
        updates=script.updates,
        start=case.started_at,
        identity=RunIdentity(
            run_id=case.run_id, workflow_id=draft.id, version=0, case_id=case.case_id
        ),
        until=until,
    )
    return trace_of(
        run_id=case.run_id,
        case_id=case.case_id,
        state=result.state,
        log=result.log,
        effects=result.effects,
        events=result.events,
        sla_stages=sla_stages(draft),
    )
