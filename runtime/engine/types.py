"""The engine's vocabulary: run state, the events it takes, the effects and log it emits.

These types are the contract between the pure transition (:mod:`runtime.engine`) and
everything around it (store, executor, live stream). They are plain pydantic data so a
run's state snapshots and its log serialise to JSON unchanged. The effects and log lines
live in :mod:`runtime.engine.effects` and are re-exported here.

Each vocabulary is one ``StrEnum`` (statuses, SLA levels, timer purposes, incident codes,
log kinds, admin commands) whose values are the strings stored and served, so a member
and its string compare equal and the stored formats did not change. Which statuses
count as finished, open or over is said once, on the status type.

Time, ids and the latest case record arrive *inside* events: the engine reads no clock,
generates no random ids and touches no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from operator import attrgetter
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, with_config

from runtime.engine.effects import (
    CancelTimer,
    CancelWorkItem,
    CreateWorkItem,
    Effect,
    Escalate,
    LogEvent,
    Publish,
    RunStep,
    ScheduleTimer,
    effect_from_json,
    effect_json,
    log_json,
)
from runtime.engine.state_migrations import RUN_STATE_SCHEMA_VERSION
from runtime.sla.levels import SLA_LEVELS, SlaLevel

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "FINISHED_RUN_STATUSES",
    "FINISHED_STEP_STATUSES",
    "RUN_STATE_SCHEMA_VERSION",
    "SLA_LEVELS",
    "AdminCommand",
    "AdminCommandKind",
    "CancelTimer",
    "CancelWorkItem",
    "CaseCreated",
    "CaseUpdated",
    "CreateWorkItem",
    "DeferredEvent",
    "Effect",
    "Escalate",
    "Event",
    "Incident",
    "IncidentCode",
    "LogEvent",
    "LogKind",
    "Publish",
    "RunIdentity",
    "RunState",
    "RunStatus",
    "RunStep",
    "ScheduleTimer",
    "SlaClock",
    "SlaLevel",
    "StepCompleted",
    "StepFailed",
    "StepState",
    "StepStatus",
    "TimerFired",
    "TimerPurpose",
    "Transition",
    "WorkItemCompleted",
    "effect_from_json",
    "effect_json",
    "log_json",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


#: The parts of the run state the engine writes while a transition runs (step attempts,
#: SLA clocks, an incident) are slotted dataclasses, so building, copying and writing one
#: costs what a plain object does; inside :class:`RunState` pydantic validates and
#: serialises them as it does a model (same JSON, same schema, unknown fields refused).
#: The store's reads are validated; the engine's own writes, of values it built, are not.
_RECORD = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------- statuses


class RunStatus(StrEnum):
    """Where a run stands as a whole (its lifecycle: ``runtime.engine.lifecycle``)."""

    RUNNING = "running"  #: at a node, with work under way or waiting on a condition
    PAUSED = "paused"  #: an admin paused it; events are recorded, nothing starts
    INCIDENT = "incident"  #: a step failed for good, or the loop guard tripped
    COMPLETED = "completed"  #: reached an end node
    CANCELLED = "cancelled"  #: an admin cancelled it

    @property
    def over(self) -> bool:
        """Completed or cancelled: nothing will ever happen to the run again."""
        return self in FINISHED_RUN_STATUSES

    @property
    def open(self) -> bool:
        """Running, paused or at an incident: the run may still move."""
        return self in ACTIVE_RUN_STATUSES


ACTIVE_RUN_STATUSES = frozenset({RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INCIDENT})
"""The open statuses (``RunStatus.open``)."""
FINISHED_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.CANCELLED})
"""The statuses a run is over in (``RunStatus.over``)."""


class StepStatus(StrEnum):
    """Where one attempt of a step stands (its lifecycle: ``runtime.engine.lifecycle``)."""

    PENDING = "pending"  #: waiting for its ``after`` steps or its entry condition
    RUNNING = "running"  #: a background action was dispatched
    WAITING = "waiting"  #: an interactive work item is open
    RETRY_WAIT = "retry_wait"  #: failed, a retry timer is set
    DONE = "done"
    FAILED = "failed"  #: retries ran out; the run is an incident
    SKIPPED = "skipped"  #: an admin skipped it
    CANCELLED = "cancelled"  #: the stage exited early or the run was cancelled

    @property
    def finished(self) -> bool:
        """Done, skipped or cancelled: ``after`` dependents may start, the stage may end."""
        return self in FINISHED_STEP_STATUSES

    @property
    def open(self) -> bool:
        """Not finished: pending, under way, failed or waiting to retry."""
        return self not in FINISHED_STEP_STATUSES


FINISHED_STEP_STATUSES = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.CANCELLED})
"""Statuses that let ``after`` dependents start and the stage complete (``finished``)."""


class TimerPurpose(StrEnum):
    """What a timer the engine schedules is for; the second part of its key."""

    RETRY = "retry"  #: retry a failed background step
    WAIT = "wait"  #: a wait step's time is up
    SLA_WARNING = "sla_warning"  #: an SLA clock reaches its warning point
    SLA_BREACH = "sla_breach"  #: an SLA clock reaches its target


class IncidentCode(StrEnum):
    """Why a run stopped at an incident."""

    STEP_FAILED = "step_failed"  #: a step failed for good (an admin can retry or skip it)
    LOOP_GUARD = "loop_guard"  #: a node was visited more often than the workflow allows
    NO_EDGE = "no_edge"  #: a node or decision outcome has no edge to leave by
    NO_OUTCOME = "no_outcome"  #: no decision outcome held and there is no default


class AdminCommandKind(StrEnum):
    """An admin's command on a run; ``runtime.engine.lifecycle.ADMIN_COMMANDS`` says where
    each is legal."""

    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    RETRY_STEP = "retry_step"
    SKIP_STEP = "skip_step"


class LogKind(StrEnum):
    """What a line of a run's log records."""

    RUN_STARTED = "run.started"
    RUN_PAUSED = "run.paused"
    RUN_RESUMED = "run.resumed"
    RUN_CANCELLED = "run.cancelled"
    RUN_COMPLETED = "run.completed"
    RUN_INCIDENT = "run.incident"
    INCIDENT_RESOLVED = "incident.resolved"
    ADMIN_REJECTED = "admin.rejected"
    NODE_ENTERED = "node.entered"
    DECISION_TAKEN = "decision.taken"
    STAGE_WAITING = "stage.waiting"
    STAGE_OPENED = "stage.opened"
    STAGE_EXITED = "stage.exited"
    STEP_STARTED = "step.started"
    STEP_COMPLETED = "step.completed"
    STEP_FAILED = "step.failed"
    STEP_SKIPPED = "step.skipped"
    STEP_CANCELLED = "step.cancelled"
    STEP_RETRY_DROPPED = "step.retry_dropped"
    CASE_UPDATED = "case.updated"
    EVENT_IGNORED = "event.ignored"
    EVENT_DEFERRED = "event.deferred"
    EVENT_APPLIED = "event.applied"
    SLA_AT_RISK = "sla.at_risk"
    SLA_BREACHED = "sla.breached"
    ESCALATION_FIRED = "escalation.fired"
    ESCALATION_SKIPPED = "escalation.skipped"

    @classmethod
    def sla(cls, level: SlaLevel) -> LogKind:
        """The line recording that an SLA clock reached ``level`` (at risk or breached)."""
        return cls(f"sla.{level.value}")


# ---------------------------------------------------------------------------- state


@with_config(_RECORD)
@dataclass(slots=True, kw_only=True)
class SlaClock:
    """The SLA clock of a stage visit or of one attempt of an interactive step.

    ``state`` is the level the warning/breach timers have marked; the level seen by
    conditions is the worse of it and the level implied by the time itself, so a late
    timer never hides a breach. ``stopped_at`` freezes the clock when the stage is left
    (a decision right after a stage still reads that stage's SLA).
    """

    started_at: datetime
    warning_at: datetime | None = None
    due_at: datetime
    state: SlaLevel = SlaLevel.ON_TRACK
    stopped_at: datetime | None = None

    def stopped(self, at: datetime) -> SlaClock:
        """This clock, stopped at ``at``."""
        return replace(self, stopped_at=at)

    def marked(self, level: SlaLevel) -> SlaClock:
        """This clock, marked at ``level`` by its warning or breach timer."""
        return replace(self, state=level)


@with_config(_RECORD)
@dataclass(slots=True)
class StepState:
    """The current attempt of one step of the stage the run is in."""

    step_id: str
    attempt: int = 1
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    work_item_key: str | None = None
    tries: int = 0  #: attempts started in this stage visit, counted against the retry policy
    sla: SlaClock | None = None  #: an interactive step's SLA clock

    def copy(self) -> StepState:
        """A shallow copy to write to: the input state is never mutated.

        Its fields are read in one call (``dataclasses.replace`` checks each field and
        costs three times as much; the engine copies a step's state on every event
        about it)."""
        return StepState(*_STEP_FIELDS(self))


_STEP_FIELDS = attrgetter(*(f.name for f in fields(StepState)))
"""Every field of a step state, in order: its positional arguments."""


@with_config(_RECORD)
@dataclass(slots=True, kw_only=True)
class Incident:
    """Why a run stopped and what an admin can do about it."""

    code: IncidentCode
    message: str
    #: where the run stopped, and the step an admin's retry or skip acts on
    node_id: str | None = field(default=None)
    step_id: str | None = field(default=None)
    at: datetime


class RunState(_Data):
    """Everything the engine knows about one run; a snapshot of it is stored per run."""

    schema_version: int = RUN_STATE_SCHEMA_VERSION
    run_id: str
    workflow_id: str
    version: int
    case_id: str
    status: RunStatus = RunStatus.RUNNING
    node_id: str | None = None
    node_entered_at: datetime | None = None
    stage_open: bool = False  #: the current stage's entry condition has held
    visits: dict[str, int] = Field(default_factory=dict)
    steps: dict[str, StepState] = Field(default_factory=dict)
    step_outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    case: dict[str, Any] = Field(default_factory=dict)
    previous_case: dict[str, Any] | None = None
    incident: Incident | None = None
    seq: int = 0  #: sequence number of the last log event
    started_at: datetime | None = None
    finished_at: datetime | None = None
    resolution: str | None = None
    #: last attempt number started per step id, over the whole run: a stage re-entered by a
    #: go-to starts fresh attempts, so idempotency keys never repeat
    attempts: dict[str, int] = Field(default_factory=dict)
    sla: SlaClock | None = None  #: the SLA clock of the current (or just left) stage
    loops: int = 0  #: go-to edges taken so far; conditions read it as ``counter.loops``
    #: events that arrived while the run was paused or at an incident, applied in order
    #: on resume / when the incident is resolved
    deferred: list[DeferredEvent] = Field(default_factory=list)
    #: escalation rules that fired and still hold: rule id -> ``<node>:<visit>`` it fired at
    escalations: dict[str, str] = Field(default_factory=dict)


class RunIdentity(_Data):
    """Who a new run is: passed to the transition with the ``CaseCreated`` that starts it."""

    run_id: str
    workflow_id: str
    version: int
    case_id: str


# ---------------------------------------------------------------------------- events in


class _EventBase(_Data):
    actor: str = "system"


class CaseCreated(_EventBase):
    """Start a run for a new case (or a manual start)."""

    kind: Literal["case_created"] = "case_created"
    case: dict[str, Any]


class CaseUpdated(_EventBase):
    """The case changed: re-evaluate waiting conditions against the latest record."""

    kind: Literal["case_updated"] = "case_updated"
    case: dict[str, Any]
    previous: dict[str, Any]


class _StepAttemptEvent(_EventBase):
    """An event about one attempt of a step (stale attempts are ignored, with a reason)."""

    kind: str  #: each event's own literal tag (its place in the stored JSON is here)
    step_id: str
    attempt: int


class StepCompleted(_StepAttemptEvent):
    """A background step's action finished."""

    kind: Literal["step_completed"] = "step_completed"
    outputs: dict[str, Any] = Field(default_factory=dict)
    #: the latest case record when the action changed it (``set_fields``, ``assign``):
    #: applied before the step completes, so what runs next never reads a stale case
    case: dict[str, Any] | None = None


class StepFailed(_StepAttemptEvent):
    """A background step's action failed (raised, timed out, or returned an error)."""

    kind: Literal["step_failed"] = "step_failed"
    error: str
    retryable: bool = True


class WorkItemCompleted(_StepAttemptEvent):
    """A person completed an interactive step's work item with (already valid) form data."""

    kind: Literal["work_item_completed"] = "work_item_completed"
    work_item_key: str
    data: dict[str, Any] = Field(default_factory=dict)
    #: the latest case record when the form's answers changed it (form fields mapped to
    #: case fields): applied before the step completes, as ``StepCompleted.case`` is
    case: dict[str, Any] | None = None


class TimerFired(_EventBase):
    """A timer scheduled by the engine came due."""

    kind: Literal["timer_fired"] = "timer_fired"
    timer_key: str
    purpose: str
    data: dict[str, Any] = Field(default_factory=dict)


class AdminCommand(_EventBase):
    """An admin's command on the run."""

    kind: Literal["admin"] = "admin"
    command: AdminCommandKind
    step_id: str | None = None
    reason: str = ""


Event = Annotated[
    CaseCreated
    | CaseUpdated
    | StepCompleted
    | StepFailed
    | WorkItemCompleted
    | TimerFired
    | AdminCommand,
    Field(discriminator="kind"),
]


class DeferredEvent(_Data):
    """An event held while the run was paused or at an incident."""

    event: Event
    at: datetime  #: when it arrived
    seq: int  #: the log sequence number of the ``event.deferred`` entry that recorded it


RunState.model_rebuild()


# ---------------------------------------------------------------------------- out


class Transition(NamedTuple):
    """What one event did to a run."""

    state: RunState
    effects: list[Effect]
    log: list[LogEvent]
