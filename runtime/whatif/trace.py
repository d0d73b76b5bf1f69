"""What one case did, or would do, read off the engine's log: a :class:`Trace`.

The recorded run's stored log and the draft's simulated log are the same lines (the
engine wrote both); :func:`trace_of` reads either, so the two sides of a what-if are
measured by one rule. The work items come from the simulator's effects
(:func:`items_of_effects`) or from the stored log's ``step.started`` lines
(:func:`items_of_log`): open when the engine opened them, closed when answered or
withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from graphs.conditions import parse_datetime
from graphs.model import Assignment
from runtime.engine.types import (
    CreateWorkItem,
    Effect,
    Event,
    IncidentCode,
    LogKind,
    RunStatus,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "ItemSpan",
    "LogLine",
    "StageVisit",
    "Trace",
    "items_of_effects",
    "items_of_log",
    "trace_of",
]


class LogLine(Protocol):
    """A line of a run's log, as the engine builds it or as the store keeps it."""

    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def node_id(self) -> str | None: ...
    @property
    def step_id(self) -> str | None: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


_Slotted = TypeVar("_Slotted", bound="DataclassInstance")


def _pickled_by_fields(cls: type[_Slotted]) -> type[_Slotted]:
    """Pickle the slotted dataclass ``cls`` as a call with its fields in order.

    Traces cross between a pooled what-if's processes by the ten thousand: built from
    their fields in order, a slotted dataclass pickles in three quarters of the time and
    unpickles in half (the default goes through ``copyreg`` and a dict of its slots).

    >>> import pickle
    >>> visit = StageVisit("stage_1", datetime(2026, 1, 5, 9))
    >>> StageVisit.__reduce__(visit)[1], pickle.loads(pickle.dumps(visit)) == visit
    (('stage_1', datetime.datetime(2026, 1, 5, 9, 0), None), True)
    """
    values = attrgetter(*(f.name for f in fields(cls)))

    def __reduce__(self: _Slotted) -> tuple[type[_Slotted], tuple[Any, ...]]:
        return cls, values(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 (mypy refuses assigning a method)
    return cls


@_pickled_by_fields
@dataclass(slots=True)
class ItemSpan:
    """A work item from when it opened to when it was completed or withdrawn."""

    key: str
    step_id: str
    queue: str | None
    agent: str | None  #: an agent the step names, bypassing routing
    skills: tuple[str, ...]
    due_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None = None  #: ``None``: still open at the end
    priority: str = ""  #: the case's priority when the item opened
    strategy: str | None = None  #: the step's own routing strategy, over its queue's


@_pickled_by_fields
@dataclass(slots=True)
class StageVisit:
    """One visit of a stage: entered, and left (``None`` while the run is still there)."""

    node_id: str
    entered: datetime
    left: datetime | None = None


@_pickled_by_fields
@dataclass(slots=True)
class Trace:
    """One case's walk through one workflow, as the figures need it."""

    run_id: str
    case_id: str
    path: list[str] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)
    stages: list[StageVisit] = field(default_factory=list)
    items: list[ItemSpan] = field(default_factory=list)
    sla_clocks: int = 0  #: SLA clocks started (stage visits and work items with an SLA)
    sla_breaches: int = 0
    status: RunStatus = RunStatus.RUNNING
    node_id: str | None = None  #: where the run ended (or stands)
    incident: IncidentCode | None = None
    incident_message: str = ""

    @property
    def loop_guard(self) -> bool:
        """Whether the run stopped at the loop guard."""
        return self.incident is IncidentCode.LOOP_GUARD


def items_of_effects(
    effects: Iterable[tuple[Effect, datetime]],
    events: Iterable[tuple[Event, datetime]],
    priority: str,
) -> list[ItemSpan]:
    """The work items a simulated run opened (its effects) and when each closed."""
    spans: dict[str, ItemSpan] = {}
    for effect, at in effects:
        if isinstance(effect, CreateWorkItem):
            spans[effect.work_item_key] = ItemSpan(
                key=effect.work_item_key,
                step_id=effect.step_id,
                queue=effect.queue,
                agent=effect.agent,
                skills=tuple(effect.skills),
                strategy=effect.strategy,
                due_at=effect.due_at,
                opened_at=at,
                priority=priority,
            )
        elif effect.kind == "cancel_work_item":
            span = spans.get(effect.work_item_key)
            if span is not None and span.closed_at is None:
                span.closed_at = at
    for event, at in events:
        if event.kind == "work_item_completed":
            span = spans.get(event.work_item_key)
            if span is not None and span.closed_at is None:
                span.closed_at = at
    return list(spans.values())


def items_of_log(
    log: Iterable[LogLine],
    answered: Mapping[str, datetime],
    assignments: Mapping[str, Assignment],
    *,
    priority: str,
    finished_at: datetime | None,
) -> list[ItemSpan]:
    """The work items a stored log opened: ``answered`` gives when each key was answered,
    ``assignments`` each interactive step's assignment (skills, strategy); withdrawn ones
    close when their step was cancelled, and any left open when the run finished, then."""
    spans: dict[str, ItemSpan] = {}
    by_attempt: dict[tuple[str, int], ItemSpan] = {}
    for line in log:
        data = line.data
        if line.kind == LogKind.STEP_STARTED and "work_item_key" in data and line.step_id:
            key = str(data["work_item_key"])
            assignment = assignments.get(line.step_id)
            span = ItemSpan(
                key=key,
                step_id=line.step_id,
                queue=data.get("queue"),
                agent=data.get("agent"),
                skills=tuple(assignment.skills) if assignment else (),
                strategy=assignment.strategy if assignment else None,
                due_at=parse_datetime(data.get("due_at")),
                opened_at=line.at,
                closed_at=answered.get(key),
                priority=priority,
            )
            spans[key] = span
            by_attempt[(line.step_id, int(data.get("attempt", 1)))] = span
        elif line.kind == LogKind.STEP_CANCELLED and line.step_id:
            found = by_attempt.get((line.step_id, int(data.get("attempt", 1))))
            if found is not None and found.closed_at is None:
                found.closed_at = line.at
    if finished_at is not None:
        for span in spans.values():
            if span.closed_at is None:
                span.closed_at = finished_at
    return list(spans.values())


def trace_of(
    *,
    run_id: str,
    case_id: str,
    log: Iterable[LogLine],
    status: RunStatus,
    node_id: str | None,
    finished_at: datetime | None,
    incident: tuple[IncidentCode, str] | None,
    items: list[ItemSpan],
    sla_stages: Mapping[str, Any],
) -> Trace:
    """The trace of a run from its log lines, where it ended and its work items.

    ``sla_stages`` holds the stages whose visits start an SLA clock (by node id).
    """
    trace = Trace(run_id=run_id, case_id=case_id, status=status, node_id=node_id)
    open_visit: StageVisit | None = None
    for line in log:
        kind = line.kind
        if kind == LogKind.NODE_ENTERED:
            entered = line.node_id or ""
            trace.path.append(entered)
            edge = line.data.get("edge_id")
            if edge:
                trace.edges.append(edge)
            if open_visit is not None:
                open_visit.left = line.at
                open_visit = None
            if line.data.get("node_kind") == "stage":
                open_visit = StageVisit(entered, line.at)
                trace.stages.append(open_visit)
                if entered in sla_stages:
                    trace.sla_clocks += 1
        elif kind == LogKind.SLA_BREACHED:
            trace.sla_breaches += 1
    if open_visit is not None and status.over and finished_at is not None:
        open_visit.left = finished_at
    trace.items = items
    trace.sla_clocks += sum(1 for item in items if item.due_at is not None)
    if incident is not None:
        trace.incident, trace.incident_message = incident
    return trace
