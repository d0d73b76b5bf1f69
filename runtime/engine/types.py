"""The engine's vocabulary: run state, the events it takes, the effects and log it emits.

These types are the contract between the pure transition (:mod:`runtime.engine`) and
everything around it (store, executor, live stream). They are plain pydantic data so a
run's state snapshots and its log serialise to JSON unchanged; the log lines and the
transition itself are named tuples, built several times per event (log lines speak the
model methods the store uses).

Time, ids and the latest case record arrive *inside* events: the engine reads no clock,
generates no random ids and touches no database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

from graphs.model import FieldType, FormField, RoutingStrategy
from runtime.engine.state_migrations import RUN_STATE_SCHEMA_VERSION

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "FINISHED_RUN_STATUSES",
    "FINISHED_STEP_STATUSES",
    "RUN_STATE_SCHEMA_VERSION",
    "SLA_LEVELS",
    "AdminCommand",
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
    "LogEvent",
    "Publish",
    "RunIdentity",
    "RunState",
    "RunStatus",
    "RunStep",
    "ScheduleTimer",
    "SlaClock",
    "StepCompleted",
    "StepFailed",
    "StepState",
    "StepStatus",
    "TimerFired",
    "Transition",
    "WorkItemCompleted",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# ---------------------------------------------------------------------------- statuses


class RunStatus(StrEnum):
    """Where a run stands as a whole."""

    RUNNING = "running"  #: at a node, with work under way or waiting on a condition
    PAUSED = "paused"  #: an admin paused it; events are recorded, nothing starts
    INCIDENT = "incident"  #: a step failed for good, or the loop guard tripped
    COMPLETED = "completed"  #: reached an end node
    CANCELLED = "cancelled"  #: an admin cancelled it


ACTIVE_RUN_STATUSES = frozenset({RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INCIDENT})
FINISHED_RUN_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.CANCELLED})


class StepStatus(StrEnum):
    """Where one attempt of a step stands."""

    PENDING = "pending"  #: waiting for its ``after`` steps or its entry condition
    RUNNING = "running"  #: a background action was dispatched
    WAITING = "waiting"  #: an interactive work item is open
    RETRY_WAIT = "retry_wait"  #: failed, a retry timer is set
    DONE = "done"
    FAILED = "failed"  #: retries ran out; the run is an incident
    SKIPPED = "skipped"  #: an admin skipped it
    CANCELLED = "cancelled"  #: the stage exited early or the run was cancelled


FINISHED_STEP_STATUSES = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.CANCELLED})
"""Statuses that let ``after`` dependents start and the stage complete."""


# ---------------------------------------------------------------------------- state

SLA_LEVELS = ("on_track", "at_risk", "breached")
"""SLA states in increasing severity; conditions read them as ``sla.state``."""


class SlaClock(_Data):
    """The SLA clock of a stage visit or of one attempt of an interactive step.

    ``state`` is the level the warning/breach timers have marked; the level seen by
    conditions is the worse of it and the level implied by the time itself, so a late
    timer never hides a breach. ``stopped_at`` freezes the clock when the stage is left
    (a decision right after a stage still reads that stage's SLA).
    """

    started_at: datetime
    warning_at: datetime | None = None
    due_at: datetime
    state: str = "on_track"
    stopped_at: datetime | None = None


class StepState(_Data):
    """The current attempt of one step of the stage the run is in."""

    step_id: str
    attempt: int = 1
    status: StepStatus = StepStatus.PENDING
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    work_item_key: str | None = None
    tries: int = 0  #: attempts started in this stage visit, counted against the retry policy
    sla: SlaClock | None = None  #: an interactive step's SLA clock


class Incident(_Data):
    """Why a run stopped and what an admin can do about it."""

    code: str  #: e.g. ``step_failed``, ``loop_guard``
    message: str
    node_id: str | None = None
    step_id: str | None = None
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


class StepCompleted(_EventBase):
    """A background step's action finished."""

    kind: Literal["step_completed"] = "step_completed"
    step_id: str
    attempt: int
    outputs: dict[str, Any] = Field(default_factory=dict)
    #: the latest case record when the action changed it (``set_fields``, ``assign``):
    #: applied before the step completes, so what runs next never reads a stale case
    case: dict[str, Any] | None = None


class StepFailed(_EventBase):
    """A background step's action failed (raised, timed out, or returned an error)."""

    kind: Literal["step_failed"] = "step_failed"
    step_id: str
    attempt: int
    error: str
    retryable: bool = True


class WorkItemCompleted(_EventBase):
    """A person completed an interactive step's work item with (already valid) form data."""

    kind: Literal["work_item_completed"] = "work_item_completed"
    step_id: str
    attempt: int
    work_item_key: str
    data: dict[str, Any] = Field(default_factory=dict)


class TimerFired(_EventBase):
    """A timer scheduled by the engine came due."""

    kind: Literal["timer_fired"] = "timer_fired"
    timer_key: str
    purpose: str
    data: dict[str, Any] = Field(default_factory=dict)


class AdminCommand(_EventBase):
    """An admin's command on the run."""

    kind: Literal["admin"] = "admin"
    command: Literal["pause", "resume", "cancel", "retry_step", "skip_step"]
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


# ---------------------------------------------------------------------------- effects out


class RunStep(_Data):
    """Run a background step's action (idempotent by run, step and attempt)."""

    kind: Literal["run_step"] = "run_step"
    step_id: str
    attempt: int
    action: str
    inputs: dict[str, Any]  #: resolved against the latest case, typed per the step
    input_types: dict[str, FieldType] = Field(default_factory=dict)
    timeout_seconds: float


class CreateWorkItem(_Data):
    """Open a work item for an interactive step; routing picks the assignee."""

    kind: Literal["create_work_item"] = "create_work_item"
    work_item_key: str  #: ``<run>:<step>:<attempt>``, the idempotency key
    step_id: str
    attempt: int
    title: str
    queue: str | None = None
    agent: str | None = None
    skills: list[str] = Field(default_factory=list)
    strategy: RoutingStrategy | None = None
    form: list[FormField] = Field(default_factory=list)
    due_at: datetime | None = None


class CancelWorkItem(_Data):
    """Withdraw an open work item (stage exited early, run cancelled)."""

    kind: Literal["cancel_work_item"] = "cancel_work_item"
    work_item_key: str
    reason: str


class ScheduleTimer(_Data):
    """Fire a :class:`TimerFired` event at ``due_at`` (idempotent by key)."""

    kind: Literal["schedule_timer"] = "schedule_timer"
    timer_key: str
    due_at: datetime
    purpose: str  #: ``retry``, ``step_timeout``, ``sla_warning``, ``sla_breach``, ...
    data: dict[str, Any] = Field(default_factory=dict)


class CancelTimer(_Data):
    """Drop a pending timer."""

    kind: Literal["cancel_timer"] = "cancel_timer"
    timer_key: str


class Publish(_Data):
    """Tell watchers the run changed (the live stream carries its log events)."""

    kind: Literal["publish"] = "publish"
    topic: str  #: ``run.updated``, ``run.finished``, ``run.incident``
    data: dict[str, Any] = Field(default_factory=dict)


class Escalate(_Data):
    """Perform an escalation rule's actions on work items and people (priority, queue,
    notices); a jump to an escalation stage is the engine's own and is already done."""

    kind: Literal["escalate"] = "escalate"
    rule_id: str
    name: str = ""
    node_id: str | None = None
    actions: list[dict[str, Any]] = Field(default_factory=list)
    reason: str = ""


Effect = Annotated[
    RunStep | CreateWorkItem | CancelWorkItem | ScheduleTimer | CancelTimer | Publish | Escalate,
    Field(discriminator="kind"),
]


# ---------------------------------------------------------------------------- log out


@with_config(ConfigDict(extra="forbid"))
class _LogEventFields(TypedDict):
    """A :class:`LogEvent`'s fields, for pydantic to validate and serialise them."""

    seq: int
    at: datetime
    actor: str
    kind: str
    node_id: str | None
    step_id: str | None
    data: dict[str, Any]


_LOG_EVENT = TypeAdapter(_LogEventFields)
_LOG_EVENT_SERIALIZER = _LOG_EVENT.serializer


class LogEvent(NamedTuple):
    """One line of a run's audit trail (append-only, numbered per run).

    A named tuple, not a model: a case writes about sixty of them, and a tuple costs a
    quarter of a model to build. It speaks the model methods the rest of Baton uses,
    with the JSON the model gave. Every field is required: no ``data`` default that
    lines would share.

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, tzinfo=UTC)
    >>> line = LogEvent(1, at, "system", "run.started", None, None, {})
    >>> line.model_dump(mode="json")["at"]
    '2026-03-02T00:00:00Z'
    >>> LogEvent.model_validate_json(line.model_dump_json()) == line
    True
    """

    seq: int
    at: datetime
    actor: str
    kind: str  #: e.g. ``run.started``, ``stage.entered``, ``decision.taken``
    node_id: str | None
    step_id: str | None
    data: dict[str, Any]  #: includes ``reason`` where one applies

    def model_dump(self, *, mode: Literal["json", "python"] = "python") -> dict[str, Any]:
        """The line as a dict, as a pydantic model's ``model_dump`` gives it."""
        fields: dict[str, Any] = _LOG_EVENT_SERIALIZER.to_python(
            dict(zip(_LOG_EVENT_FIELDS, self, strict=True)), mode=mode
        )
        return fields

    def model_dump_json(self) -> str:
        """The line as JSON text."""
        return _LOG_EVENT_SERIALIZER.to_json(
            dict(zip(_LOG_EVENT_FIELDS, self, strict=True))
        ).decode()

    @classmethod
    def model_validate(cls, obj: Any) -> LogEvent:
        """A line from its dict (``model_dump``'s output, or the JSON's), validated."""
        if isinstance(obj, LogEvent):
            return obj
        return cls(**_LOG_EVENT.validate_python(obj))

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> LogEvent:
        """A line from its JSON text, validated."""
        return cls(**_LOG_EVENT.validate_json(text))


_LOG_EVENT_FIELDS = LogEvent._fields


class Transition(NamedTuple):
    """What one event did to a run."""

    state: RunState
    effects: list[Effect]
    log: list[LogEvent]
