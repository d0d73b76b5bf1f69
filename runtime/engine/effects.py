"""What the engine emits: the effects to perform after commit, and the lines of the log.

Part of the engine's vocabulary (:mod:`runtime.engine.types` re-exports every name).
Effects and log lines are slotted dataclasses built only by the engine (trusted values,
nothing to validate): a case writes some sixty log lines and fifty effects, and
validating each as a pydantic model was about a seventh of the engine's time.
:func:`log_json` and :func:`effect_json` are the one way each becomes JSON data (store,
outbox, live stream, exports), in the shape the pydantic models had; stored effects come
back, validated, through :func:`effect_from_json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

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
    "effect_from_json",
    "effect_json",
    "log_json",
]


# ---------------------------------------------------------------------------- effects out
#
# Slotted dataclasses, built by the engine from values it already holds (nothing to
# validate). The ``kind`` tag leads each (its place in the JSON) with its default, so it is
# keyword-only: in the frequent effects (a publish per transition, a step to run, the
# timers) only the tag, so the engine passes the rest in order (calling a class with
# keywords builds a dict per call: a third of what building the effect costs). The rare
# ones are keyword-only whole.


@dataclass(slots=True)
class RunStep:
    """Run a background step's action (idempotent by run, step and attempt)."""

    kind: Literal["run_step"] = field(default="run_step", kw_only=True)
    step_id: str
    attempt: int
    action: str
    inputs: dict[str, Any]  #: resolved against the latest case, typed per the step
    #: the default is pydantic's (a stored effect without it reads as untyped), not the
    #: constructor's: the timeout that follows has none, and the engine names both
    input_types: Annotated[dict[str, FieldType], Field(default_factory=dict)]
    timeout_seconds: float


@dataclass(slots=True, kw_only=True)
class CreateWorkItem:
    """Open a work item for an interactive step; routing picks the assignee."""

    kind: Literal["create_work_item"] = "create_work_item"
    work_item_key: str  #: ``<run>:<step>:<attempt>``, the idempotency key
    step_id: str
    attempt: int
    title: str
    queue: str | None = None
    agent: str | None = None
    skills: list[str] = field(default_factory=list)
    strategy: RoutingStrategy | None = None
    form: list[FormField] = field(default_factory=list)
    due_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class CancelWorkItem:
    """Withdraw an open work item (stage exited early, run cancelled)."""

    kind: Literal["cancel_work_item"] = "cancel_work_item"
    work_item_key: str
    reason: str


@dataclass(slots=True)
class ScheduleTimer:
    """Fire a :class:`TimerFired` event at ``due_at`` (idempotent by key)."""

    kind: Literal["schedule_timer"] = field(default="schedule_timer", kw_only=True)
    timer_key: str
    due_at: datetime
    purpose: str  #: ``retry``, ``step_timeout``, ``sla_warning``, ``sla_breach``, ...
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class CancelTimer:
    """Drop a pending timer."""

    kind: Literal["cancel_timer"] = field(default="cancel_timer", kw_only=True)
    timer_key: str


@dataclass(slots=True)
class Publish:
    """Tell watchers the run changed (the live stream carries its log events)."""

    kind: Literal["publish"] = field(default="publish", kw_only=True)
    topic: str  #: ``run.updated``, ``run.finished``, ``run.incident``
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Escalate:
    """Perform an escalation rule's actions on work items and people (priority, queue,
    notices); a jump to an escalation stage is the engine's own and is already done."""

    kind: Literal["escalate"] = "escalate"
    rule_id: str
    name: str = ""
    node_id: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


Effect = Annotated[
    RunStep | CreateWorkItem | CancelWorkItem | ScheduleTimer | CancelTimer | Publish | Escalate,
    Field(discriminator="kind"),
]

_EFFECT: TypeAdapter[Effect] = TypeAdapter(Effect)


def effect_json(effect: Effect) -> dict[str, Any]:
    """The effect as JSON data, as the outbox stores it."""
    data: dict[str, Any] = _EFFECT.dump_python(effect, mode="json")
    return data


def effect_from_json(data: Any) -> Effect:
    """An effect stored as JSON, validated (the outbox row may be from an older version)."""
    return _EFFECT.validate_python(data)


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
