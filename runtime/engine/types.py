"""The engine's vocabulary: run state, the events it takes, the effects and log it emits.

These types are the contract between the pure transition (:mod:`runtime.engine`) and
everything around it (store, executor, live stream). They are plain data pydantic
validates and serialises (the run state and its parts as slotted dataclasses, the events
as models), so a run's state snapshots and its log serialise to JSON unchanged. The
effects and log lines live in :mod:`runtime.engine.effects`, the vocabularies (statuses,
timer purposes, incident codes, log kinds, admin commands: one ``StrEnum`` each, valued
as the strings stored and served) in :mod:`runtime.engine.vocabulary`; both are
re-exported here.

Time, ids and the latest case record arrive *inside* events: the engine reads no clock,
generates no random ids and touches no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, with_config

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
from runtime.engine.vocabulary import (
    ACTIVE_RUN_STATUSES,
    FINISHED_RUN_STATUSES,
    FINISHED_STEP_STATUSES,
    STARTED_STEP_STATUSES,
    AdminCommandKind,
    IncidentCode,
    LogKind,
    RunStatus,
    StepStatus,
    TimerPurpose,
)
from runtime.sla.levels import SLA_LEVELS, SlaLevel

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "FINISHED_RUN_STATUSES",
    "FINISHED_STEP_STATUSES",
    "RUN_STATE_SCHEMA_VERSION",
    "SLA_LEVELS",
    "STARTED_STEP_STATUSES",
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


# ---------------------------------------------------------------------------- state


@with_config(_RECORD)
@dataclass(slots=True)
class SlaClock:
    """The SLA clock of a stage visit or of one attempt of an interactive step.

    ``state`` is the level the warning/breach timers have marked; the level seen by
    conditions is the worse of it and the level implied by the time itself, so a late
    timer never hides a breach. ``stopped_at`` freezes the clock when the stage is left
    (a decision right after a stage still reads that stage's SLA).
    """

    started_at: datetime
    #: the default is pydantic's (a stored clock without one has no warning point), not
    #: the constructor's: the due time that follows has none, and a clock is built with its
    #: fields in order (calling a class with keywords builds a dict per call)
    warning_at: Annotated[datetime | None, Field(default=None)]
    due_at: datetime
    state: SlaLevel = SlaLevel.ON_TRACK
    stopped_at: datetime | None = None

    # Built whole rather than through ``dataclasses.replace``, which checks every field
    # and cost the engine 2% (a test holds both to carrying every other field over).

    def stopped(self, at: datetime) -> SlaClock:
        """This clock, stopped at ``at``."""
        return SlaClock(self.started_at, self.warning_at, self.due_at, self.state, at)

    def marked(self, level: SlaLevel) -> SlaClock:
        """This clock, marked at ``level`` by its warning or breach timer."""
        return SlaClock(self.started_at, self.warning_at, self.due_at, level, self.stopped_at)


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

        Built whole, field by field (``dataclasses.replace`` checks each field and costs
        three times as much, an ``attrgetter`` of the fields twice as much; the engine
        copies a step's state on every event about it; a test holds the copy to
        carrying every field)."""
        return StepState(
            self.step_id,
            self.attempt,
            self.status,
            self.started_at,
            self.finished_at,
            self.outputs,
            self.error,
            self.work_item_key,
            self.tries,
            self.sla,
        )


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


# A slotted dataclass, like its parts: the engine copies and writes one on every event,
# and as a pydantic model it paid a validation hook per write and three copies per copy
# (a tenth of the engine's time). It keeps the model methods the store and the services
# call, through one ``TypeAdapter``: the model's JSON, schema and refusal of unknown
# fields. Built by the engine from values it holds, it is not validated; read, it is.
@with_config(_RECORD)
@dataclass(slots=True)
class RunState:
    """Everything the engine knows about one run; a snapshot of it is stored per run."""

    #: the snapshot's format; a stored one without it reads as today's. The default is
    #: pydantic's, not the constructor's (the fields without one follow it): the engine
    #: names the format it writes
    schema_version: Annotated[int, Field(default=RUN_STATE_SCHEMA_VERSION)]
    run_id: str
    workflow_id: str
    version: int
    case_id: str
    status: RunStatus = RunStatus.RUNNING
    node_id: str | None = None
    node_entered_at: datetime | None = None
    stage_open: bool = False  #: the current stage's entry condition has held
    visits: dict[str, int] = field(default_factory=dict)
    steps: dict[str, StepState] = field(default_factory=dict)
    step_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    case: dict[str, Any] = field(default_factory=dict)
    previous_case: dict[str, Any] | None = None
    incident: Incident | None = None
    seq: int = 0  #: sequence number of the last log event
    started_at: datetime | None = None
    finished_at: datetime | None = None
    resolution: str | None = None
    #: last attempt number started per step id, over the whole run: a stage re-entered by a
    #: go-to starts fresh attempts, so idempotency keys never repeat
    attempts: dict[str, int] = field(default_factory=dict)
    sla: SlaClock | None = None  #: the SLA clock of the current (or just left) stage
    loops: int = 0  #: go-to edges taken so far; conditions read it as ``counter.loops``
    #: events that arrived while the run was paused or at an incident, applied in order
    #: on resume / when the incident is resolved
    deferred: list[DeferredEvent] = field(default_factory=list)
    #: escalation rules that fired and still hold: rule id -> ``<node>:<visit>`` it fired at
    escalations: dict[str, str] = field(default_factory=dict)

    def copy(self) -> RunState:
        """A shallow copy to write to (the engine copies the containers it writes).

        Built whole, field by field, as a step state's copy is (once per transition; a
        test holds it to carrying every field)."""
        return RunState(
            self.schema_version,
            self.run_id,
            self.workflow_id,
            self.version,
            self.case_id,
            self.status,
            self.node_id,
            self.node_entered_at,
            self.stage_open,
            self.visits,
            self.steps,
            self.step_outputs,
            self.case,
            self.previous_case,
            self.incident,
            self.seq,
            self.started_at,
            self.finished_at,
            self.resolution,
            self.attempts,
            self.sla,
            self.loops,
            self.deferred,
            self.escalations,
        )

    # The pydantic model API the rest of Baton reads a run state through.

    @classmethod
    def model_validate(cls, obj: Any) -> RunState:
        """A run state from JSON data (a stored snapshot, upgraded), validated."""
        return _RUN_STATE.validate_python(obj)

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> RunState:
        """A run state from JSON text, validated."""
        return _RUN_STATE.validate_json(data)

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        include: set[str] | None = None,
        exclude: set[str] | None = None,
    ) -> dict[str, Any]:
        """The state as a dict (``mode="json"``: as JSON data, the stored snapshot)."""
        data: dict[str, Any] = _RUN_STATE.dump_python(
            self, mode=mode, include=include, exclude=exclude
        )
        return data

    def model_dump_json(self, *, indent: int | None = None) -> str:
        """The state as JSON text, as stored."""
        return _RUN_STATE.dump_json(self, indent=indent).decode()

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> RunState:
        """A copy with the fields in ``update`` replaced (not validated), as a model's."""
        copied = replace(self, **(update or {}))
        return deepcopy(copied) if deep else copied


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


_RUN_STATE: TypeAdapter[RunState] = TypeAdapter(RunState)


# ---------------------------------------------------------------------------- out


class Transition(NamedTuple):
    """What one event did to a run."""

    state: RunState
    effects: list[Effect]
    log: list[LogEvent]
