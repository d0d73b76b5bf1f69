"""The engine's vocabulary: one ``StrEnum`` per thing it names.

Part of the engine's vocabulary (:mod:`runtime.engine.types` re-exports every name):
run and step statuses with their groups (which count as finished, open or over, said
once, on the status type), timer purposes, incident codes, admin commands and log kinds.
Each member's value is the string stored and served, so a member and its string compare
equal and the stored formats did not change.
"""

from __future__ import annotations

from enum import StrEnum

from runtime.sla.levels import SlaLevel

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "FINISHED_RUN_STATUSES",
    "FINISHED_STEP_STATUSES",
    "STARTED_STEP_STATUSES",
    "AdminCommandKind",
    "IncidentCode",
    "LogKind",
    "RunStatus",
    "StepStatus",
    "TimerPurpose",
]


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
STARTED_STEP_STATUSES = frozenset(StepStatus) - FINISHED_STEP_STATUSES - {StepStatus.PENDING}
"""Statuses of an attempt started and not finished: running, waiting for its work item,
waiting to retry, or failed (a stage with one is not idle). A stage asks for every step
on every event: a set is four times cheaper than reading ``StepStatus.PENDING`` through
the enum class (a Python-level attribute hook on Python 3.11)."""


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
    RUN_MIGRATED = "run.migrated"  #: an admin moved the run to another version

    @classmethod
    def sla(cls, level: SlaLevel) -> LogKind:
        """The line recording that an SLA clock reached ``level`` (at risk or breached)."""
        return cls(f"sla.{level.value}")
