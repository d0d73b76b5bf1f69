"""Recorded cases, read as they ran and played through a draft, in memory.

Pure: no database, no clock of its own. A :class:`~runtime.whatif.recorded.RecordedCase`
is what the store keeps of a run: its input events and the lines of its log, with their
times, and where it stands.

:func:`read_recorded` reads what the case did straight off its log (the engine wrote it
as the case ran; replaying the inputs would give the same lines, at several times the
cost) and writes down, per step, how each execution of it answered: the action's outputs
or the form's answers, what it wrote to the case, a failure, and the minutes from the
step's ``step.started`` line to its answer.

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

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from graphs.model import Assignment, BackgroundStep, InteractiveStep, StageNode
from runtime.engine.definition import CompiledWorkflow
from runtime.engine.simulate import simulate
from runtime.engine.types import IncidentCode, LogKind, RunIdentity, RunStatus
from runtime.whatif.decisions import Choice, Judged, choices_of, passes_as_recorded
from runtime.whatif.recorded import RecordedCase, StoredLine, Times
from runtime.whatif.trace import Trace, items_of_effects, items_of_log, trace_of

__all__ = [
    "Draft",
    "Played",
    "Script",
    "predict",
    "read_recorded",
    "sla_stages",
    "typical_minutes",
]

_ANSWERS = frozenset({"step_completed", "step_failed", "work_item_completed"})

#: Actions whose case writes the simulator works out itself from the draft's inputs, so
#: that a draft that changes what they write is heard.
_SIMULATED_WRITES = frozenset({"set_fields", "assign"})

#: How far past the end a step that had not answered when recorded is put off: it stays
#: unanswered in the prediction too.
_NEVER = timedelta(days=3650)


@dataclass(slots=True)
class Script:
    """How a recorded case's steps answered, in the simulator's terms (``outputs``)."""

    case: dict[str, Any] = field(default_factory=dict)  #: the record the run started with
    outputs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    updates: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    #: every answered execution's minutes, per step id (for other cases' defaults)
    minutes: dict[str, list[float]] = field(default_factory=dict)


@dataclass(slots=True)
class Played:
    """A recorded case read: its trace, its script and its decisions' lines."""

    trace: Trace
    script: Script
    choices: list[Choice] = field(default_factory=list)  #: :func:`choices_of` its log


def sla_stages(definition: CompiledWorkflow) -> dict[str, bool]:
    """The stages of ``definition`` whose visits start an SLA clock."""
    return {
        node.id: True
        for node in definition.workflow.nodes
        if isinstance(node, StageNode) and node.sla is not None
    }


def _steps(definition: CompiledWorkflow) -> dict[str, BackgroundStep | InteractiveStep]:
    return {
        step.id: step
        for node in definition.workflow.nodes
        if isinstance(node, StageNode)
        for step in node.steps
    }


@dataclass(frozen=True, slots=True)
class _Shape:
    """What every case read or predicted on a definition looks up in it."""

    steps: Mapping[str, BackgroundStep | InteractiveStep]
    sla_stages: Mapping[str, bool]
    assignments: Mapping[str, Assignment]


#: Shapes by ``id`` of their definition (kept with it, so a reused id is told apart): a
#: what-if reads ten thousand cases on one or two definitions.
_SHAPES: dict[int, tuple[CompiledWorkflow, _Shape]] = {}
_MAX_SHAPES = 64


def _shape(definition: CompiledWorkflow) -> _Shape:
    found = _SHAPES.get(id(definition))
    if found is not None and found[0] is definition:
        return found[1]
    steps = _steps(definition)
    shape = _Shape(
        steps=steps,
        sla_stages=sla_stages(definition),
        assignments={
            step_id: step.assignment
            for step_id, step in steps.items()
            if isinstance(step, InteractiveStep)
        },
    )
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()
    _SHAPES[id(definition)] = (definition, shape)
    return shape


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def _writes(case: Mapping[str, Any] | None, before: Mapping[str, Any]) -> dict[str, Any]:
    if not case:
        return {}
    return {k: v for k, v in case.items() if k not in before or before[k] != v}


def _script(
    steps: Mapping[str, BackgroundStep | InteractiveStep],
    lines: Sequence[StoredLine],
    events: Sequence[tuple[dict[str, Any], datetime]],
) -> tuple[Script, dict[str, datetime]]:
    """The script of a recorded case, and when each work item was answered."""
    first, started_at = events[0]
    script = Script(case=dict(first.get("case") or {}))
    # Each execution the simulator will count: a step.started line of a step that runs an
    # action or opens a work item (a wait step only sets a timer).
    pending: dict[tuple[str, int], tuple[dict[str, Any], datetime]] = {}
    for line in lines:
        if line.kind != LogKind.STEP_STARTED or not line.step_id:
            continue
        step = steps.get(line.step_id)
        if isinstance(step, BackgroundStep) and step.action == "wait":
            continue
        entry: dict[str, Any] = {}
        script.outputs.setdefault(line.step_id, []).append(entry)
        pending[(line.step_id, int(line.data.get("attempt", 1)))] = (entry, line.at)
    answered: dict[str, datetime] = {}
    case = script.case
    for stored, at in events[1:]:
        kind = stored["kind"]
        latest = stored.get("case")
        if kind == "case_updated":
            changes = _writes(latest, case)
            if changes:
                script.updates.append((_minutes(at, started_at), changes))
        elif kind in _ANSWERS:
            step_id = stored["step_id"]
            if kind == "work_item_completed":
                answered.setdefault(stored["work_item_key"], at)
            found = pending.pop((step_id, int(stored["attempt"])), None)
            if found is not None:
                entry, began = found
                minutes = _minutes(at, began)
                entry["$after_minutes"] = minutes
                script.minutes.setdefault(step_id, []).append(minutes)
                if kind == "step_failed":
                    entry["$fail"] = stored.get("error", "failed")
                elif kind == "work_item_completed":
                    entry.update(stored.get("data") or {})
                else:
                    entry.update(stored.get("outputs") or {})
                    step = steps.get(step_id)
                    action = step.action if isinstance(step, BackgroundStep) else ""
                    writes = _writes(latest, case) if action not in _SIMULATED_WRITES else {}
                    if writes:
                        entry["$case"] = writes
        if latest:
            case = latest
    for entry, _began in pending.values():
        entry["$after_minutes"] = _NEVER.total_seconds() / 60
    return script, answered


def read_recorded(definition: CompiledWorkflow, case: RecordedCase) -> Played:
    """What ``case`` did (its trace, from its log) and how its steps answered (its script)."""
    shape = _shape(definition)
    times: Times = {}
    lines = case.lines(times)
    script, answered = _script(shape.steps, lines, case.events(times))
    status = RunStatus(case.status)
    incident: tuple[IncidentCode, str] | None = None
    if status is RunStatus.INCIDENT:
        last = next((ln for ln in reversed(lines) if ln.kind == LogKind.RUN_INCIDENT), None)
        if last is not None:
            incident = (IncidentCode(last.data["code"]), str(last.data.get("reason", "")))
    finished = case.finished_at if status.over else None
    items = items_of_log(
        lines,
        answered,
        shape.assignments,
        priority=str(script.case.get("priority", "") or ""),
        finished_at=finished,
    )
    trace = trace_of(
        run_id=case.run_id,
        case_id=case.case_id,
        log=lines,
        status=status,
        node_id=case.node_id,
        finished_at=finished,
        incident=incident,
        items=items,
        sla_stages=shape.sla_stages,
    )
    return Played(trace=trace, script=script, choices=choices_of(lines))


def typical_minutes(scripts: Iterable[Mapping[str, Sequence[float]]]) -> dict[str, float]:
    """The median minutes each step took over the recorded cases that ran it (from each
    case's :attr:`Script.minutes`)."""
    pooled: dict[str, list[float]] = {}
    for taken in scripts:
        for step_id, minutes in taken.items():
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
    shape = _shape(draft)
    outputs: dict[str, Mapping[str, Any] | Sequence[Mapping[str, Any]]] = {}
    for step_id in shape.steps:
        recorded = script.outputs.get(step_id)
        if recorded:
            outputs[step_id] = recorded
        elif step_id in given:
            outputs[step_id] = {"$after_minutes": typical.get(step_id, 0.0), **given[step_id]}
        elif step_id in typical:
            outputs[step_id] = {"$after_minutes": typical[step_id]}
    result = simulate(
        draft,
        script.case,
        outputs=outputs,
        updates=script.updates,
        start=case.started_at,
        identity=RunIdentity(
            run_id=case.run_id, workflow_id=draft.id, version=0, case_id=case.case_id
        ),
        until=until,
    )
    state = result.state
    incident = None if state.incident is None else (state.incident.code, state.incident.message)
    return trace_of(
        run_id=case.run_id,
        case_id=case.case_id,
        log=result.log,
        status=state.status,
        node_id=state.node_id,
        finished_at=state.finished_at,
        incident=incident,
        items=items_of_effects(
            result.effects, result.events, str(script.case.get("priority", "") or "")
        ),
        sla_stages=shape.sla_stages,
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """The draft a what-if plays cases through, and what it needs for that."""

    compiled: CompiledWorkflow
    given: Mapping[str, Mapping[str, Any]]  #: outputs for steps the recordings never ran
    until: datetime  #: nothing after this happens
    #: the nodes whose own definition or leaving edges the draft changes from version
    #: ``base``; ``None`` when a change reaches every case (escalations, the loop guard)
    touched: frozenset[str] | None = None
    base: int = 0
    #: the changed decisions a case may pass as recorded (:mod:`runtime.whatif.decisions`);
    #: ``None``: a case that touches any changed node is simulated
    judged: Judged | None = None
    #: the runs with a timer pending and due by ``until`` (:func:`runtime.whatif.load.timers_due`);
    #: ``None``: not known, so no running case is judged
    timers_due: frozenset[str] | None = None

    def unaffected(self, case: RecordedCase, played: Played) -> bool:
        """Whether ``case`` does on the draft exactly what it did: it ran on version
        ``base`` and its recorded path touches no changed node (the engine reads nothing
        else of a definition), or only changed decisions that, judged on the values its
        lines recorded, send it where it went each time; so its recorded trace is the
        answer, no simulation needed."""
        if self.touched is None or case.version != self.base:
            return False
        path = played.trace.path
        hit = self.touched.intersection(path)
        if not hit:
            return True
        return (
            self.judged is not None
            and self._log_is_whole(case)
            and passes_as_recorded(self.judged, hit, path, played.choices)
        )

    def _log_is_whole(self, case: RecordedCase) -> bool:
        """Whether the case's log holds all a replay to ``until`` would do: it completed,
        or it runs with no timer (SLA, wait, retry) pending and due by ``until`` (one
        would fire in the draft, past the log's end). Not a paused, stopped or cancelled
        case: the replay takes no admin command."""
        if case.status == RunStatus.COMPLETED:
            return True
        return (
            case.status == RunStatus.RUNNING
            and self.timers_due is not None
            and case.run_id not in self.timers_due
        )

    def play(self, case: RecordedCase, played: Played, typical: Mapping[str, float]) -> Trace:
        """What ``case`` would do on the draft."""
        if self.unaffected(case, played):
            return played.trace
        return predict(
            self.compiled, case, played.script, given=self.given, typical=typical, until=self.until
        )
