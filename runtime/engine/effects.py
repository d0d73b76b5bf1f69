"""What the engine emits: the effects to perform after commit, and the lines of the log.

Part of the engine's vocabulary (:mod:`runtime.engine.types` re-exports every name).
Effects are plain pydantic data, so the outbox serialises to JSON unchanged. A log line
is a slotted dataclass built only by the engine (trusted values, nothing to validate):
a transition writes a few dozen of them, and validating each as a pydantic model was
about a tenth of the engine's time. :func:`log_json` is the one way a line becomes JSON
data (store, live stream, exports), in the shape the pydantic model had.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from graphs.model import FieldType, FormField, RoutingStrategy

__all__ = [
    "CancelTimer",
    "CancelWorkItem",
    "CreateWorkItem",
    "Effect",
    "Escalate",
    "LogEvent",
    "Publish",
    "RunStep",
    "ScheduleTimer",
    "log_json",
]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


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


@dataclass(slots=True)
class LogEvent:
    """One line of a run's audit trail (append-only, numbered per run).

    Not frozen: a frozen dataclass sets each field through ``object.__setattr__``, which
    costs as much as validating; nothing writes a line once the engine has built it.

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, tzinfo=UTC)
    >>> line = LogEvent(seq=1, at=at, actor="system", kind="run.started",
    ...                 node_id=None, step_id=None, data={})
    >>> log_json(line)["at"], line.kind == "run.started"
    ('2026-03-02T00:00:00Z', True)
    """

    seq: int
    at: datetime
    actor: str
    kind: str  #: a :class:`~runtime.engine.types.LogKind`: ``run.started``, ...
    node_id: str | None
    step_id: str | None
    data: dict[str, Any]  #: includes ``reason`` where one applies


_LOG_LINE = TypeAdapter(LogEvent)


def log_json(line: LogEvent) -> dict[str, Any]:
    """The line as JSON data (ISO times, plain strings), as stored and streamed."""
    data: dict[str, Any] = _LOG_LINE.dump_python(line, mode="json")
    return data
