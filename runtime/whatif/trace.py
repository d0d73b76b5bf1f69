"""What one case did, or would do, read off the engine's own output: a :class:`Trace`.

The recorded run (replayed on its version) and the draft's prediction (simulated) both
come out of the pure engine as log lines, effects and input events with their times;
:func:`trace_of` reads the same things from either, so the two sides of a what-if are
measured by one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.engine.types import (
    CreateWorkItem,
    Effect,
    Event,
    IncidentCode,
    LogEvent,
    LogKind,
    RunState,
    RunStatus,
)

__all__ = ["ItemSpan", "StageVisit", "Trace", "trace_of"]


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
    closed_at: datetime | None = None  #: ``None``: still open when the replay stopped
    priority: str = ""  #: the case's priority when the item opened


@dataclass(slots=True)
class StageVisit:
    """One visit of a stage: entered, and left (``None`` while the run is still there)."""

    node_id: str
    entered: datetime
    left: datetime | None = None


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


def _items(
    effects: Iterable[tuple[Effect, datetime]],
    events: Iterable[tuple[Event, datetime]],
    priority: str,
) -> list[ItemSpan]:
    spans: dict[str, ItemSpan] = {}
    for effect, at in effects:
        if isinstance(effect, CreateWorkItem):
            spans[effect.work_item_key] = ItemSpan(
                key=effect.work_item_key,
                step_id=effect.step_id,
                queue=effect.queue,
                agent=effect.agent,
                skills=tuple(effect.skills),
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


def trace_of(
    *,
    run_id: str,
    case_id: str,
    state: RunState,
    log: Sequence[LogEvent],
    effects: Iterable[tuple[Effect, datetime]],
    events: Iterable[tuple[Event, datetime]],
    sla_stages: Mapping[str, Any],
) -> Trace:
    """The trace of a run from what the engine gave out for it.

    ``sla_stages`` holds the stages whose visits start an SLA clock (by node id).
    """
    trace = Trace(run_id=run_id, case_id=case_id, status=state.status, node_id=state.node_id)
    open_visit: StageVisit | None = None
    for line in log:
        kind = line.kind
        if kind == LogKind.NODE_ENTERED:
            node_id = line.node_id or ""
            trace.path.append(node_id)
            edge = line.data.get("edge_id")
            if edge:
                trace.edges.append(edge)
            if open_visit is not None:
                open_visit.left = line.at
                open_visit = None
            if line.data.get("node_kind") == "stage":
                open_visit = StageVisit(node_id, line.at)
                trace.stages.append(open_visit)
                if node_id in sla_stages:
                    trace.sla_clocks += 1
        elif kind == LogKind.SLA_BREACHED:
            trace.sla_breaches += 1
    if open_visit is not None and state.status.over and state.finished_at is not None:
        open_visit.left = state.finished_at
    priority = str(state.case.get("priority", "") or "")
    trace.items = _items(effects, events, priority)
    trace.sla_clocks += sum(1 for item in trace.items if item.due_at is not None)
    if state.incident is not None:
        trace.incident = state.incident.code
        trace.incident_message = state.incident.message
    return trace
