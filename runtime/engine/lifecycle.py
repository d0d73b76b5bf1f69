"""Each lifecycle the engine drives, declared once as a table of transitions.

A run's status, a step attempt's status and a stage visit each move only along the rows
below: ``(from, event, to)``, one line per transition, in the manner of Temporal's
``timer_state_machine.rs``. The engine changes a status only through
:meth:`Lifecycle.next`, so a move the table lacks is a programming error
(:class:`~runtime.engine.errors.LifecycleError`), never a silent new state; the tests
read the same tables and drive the engine through every row.

The admin commands are read off the run lifecycle: a command is legal in exactly the
statuses its row leaves from (:data:`ADMIN_COMMANDS`), for the engine and the services
alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from runtime.engine.errors import LifecycleError
from runtime.engine.types import AdminCommandKind, RunStatus, StepStatus

__all__ = [
    "ADMIN_COMMANDS",
    "RUN_LIFECYCLE",
    "STAGE_LIFECYCLE",
    "STEP_LIFECYCLE",
    "Lifecycle",
    "RunEvent",
    "StageEvent",
    "StageStatus",
    "StepEvent",
    "legal_statuses",
]

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


class Lifecycle(Generic[S, E]):
    """A table of ``(from, event, to)`` transitions and the one way to apply it.

    >>> lc = Lifecycle("run", [(RunStatus.RUNNING, RunEvent.PAUSE, RunStatus.PAUSED)])
    >>> lc.next(RunStatus.RUNNING, RunEvent.PAUSE)
    <RunStatus.PAUSED: 'paused'>
    >>> lc.next(RunStatus.PAUSED, RunEvent.PAUSE)
    Traceback (most recent call last):
    ...
    runtime.engine.errors.LifecycleError: run: no transition from 'paused' on 'pause'
    """

    __slots__ = ("_next", "name", "rows")

    def __init__(self, name: str, rows: list[tuple[S, E, S]]) -> None:
        self.name = name
        self.rows: tuple[tuple[S, E, S], ...] = tuple(rows)
        self._next: dict[tuple[S, E], S] = {}
        for source, event, target in self.rows:
            if (source, event) in self._next:
                raise ValueError(f"{name}: two rows from {source.value!r} on {event.value!r}")
            self._next[source, event] = target

    def next(self, status: S, event: E) -> S:
        """The status ``event`` moves ``status`` to."""
        found = self._next.get((status, event))
        if found is None:
            raise LifecycleError(
                f"{self.name}: no transition from {status.value!r} on {event.value!r}"
            )
        return found

    def sources(self, event: E) -> frozenset[S]:
        """The statuses ``event`` may leave from."""
        return frozenset(source for source, on, _ in self.rows if on is event)


# ---------------------------------------------------------------------------- runs


class RunEvent(StrEnum):
    """What moves a run's status."""

    PAUSE = "pause"  #: an admin paused it
    RESUME = "resume"  #: an admin resumed it
    CANCEL = "cancel"  #: an admin cancelled it
    RESOLVE = "resolve"  #: an admin retried or skipped the failed step of its incident
    FAIL = "fail"  #: an incident: a step failed for good, the loop guard, a missing edge
    COMPLETE = "complete"  #: the token reached an end node


_R = RunStatus
RUN_LIFECYCLE: Lifecycle[RunStatus, RunEvent] = Lifecycle(
    "run",
    [
        (_R.RUNNING, RunEvent.PAUSE, _R.PAUSED),
        (_R.PAUSED, RunEvent.RESUME, _R.RUNNING),
        (_R.RUNNING, RunEvent.CANCEL, _R.CANCELLED),
        (_R.PAUSED, RunEvent.CANCEL, _R.CANCELLED),
        (_R.INCIDENT, RunEvent.CANCEL, _R.CANCELLED),
        (_R.INCIDENT, RunEvent.RESOLVE, _R.RUNNING),
        (_R.RUNNING, RunEvent.FAIL, _R.INCIDENT),
        # Two steps of one stage failing as they start, in one pass: the later incident
        # is the one the run shows.
        (_R.INCIDENT, RunEvent.FAIL, _R.INCIDENT),
        (_R.RUNNING, RunEvent.COMPLETE, _R.COMPLETED),
    ],
)

ADMIN_COMMANDS: Mapping[AdminCommandKind, RunEvent] = {
    AdminCommandKind.PAUSE: RunEvent.PAUSE,
    AdminCommandKind.RESUME: RunEvent.RESUME,
    AdminCommandKind.CANCEL: RunEvent.CANCEL,
    AdminCommandKind.RETRY_STEP: RunEvent.RESOLVE,
    AdminCommandKind.SKIP_STEP: RunEvent.RESOLVE,
}
"""Each admin command and the run event it is: legal where that event's rows leave from."""

_LEGAL = {command: RUN_LIFECYCLE.sources(event) for command, event in ADMIN_COMMANDS.items()}


def legal_statuses(command: AdminCommandKind | str) -> frozenset[RunStatus]:
    """The run statuses ``command`` is legal in.

    >>> sorted(status.value for status in legal_statuses("cancel"))
    ['incident', 'paused', 'running']
    """
    return _LEGAL[AdminCommandKind(command)]


# ---------------------------------------------------------------------------- steps


class StepEvent(StrEnum):
    """What moves a step attempt's status."""

    DISPATCH = "dispatch"  #: its action was sent (or a wait step's timer set)
    OPEN_WORK_ITEM = "open_work_item"  #: an interactive step's work item was opened
    COMPLETE = "complete"  #: its action finished, its work item was completed, its wait elapsed
    RETRY_LATER = "retry_later"  #: it failed and its retry policy sets a timer
    FAIL = "fail"  #: it failed for good: the run is at an incident
    SKIP = "skip"  #: its entry condition never held, or an admin skipped it
    CANCEL = "cancel"  #: its stage was left early or the run was cancelled


_S = StepStatus
STEP_LIFECYCLE: Lifecycle[StepStatus, StepEvent] = Lifecycle(
    "step",
    [
        (_S.PENDING, StepEvent.DISPATCH, _S.RUNNING),
        (_S.RETRY_WAIT, StepEvent.DISPATCH, _S.RUNNING),
        (_S.FAILED, StepEvent.DISPATCH, _S.RUNNING),
        (_S.PENDING, StepEvent.OPEN_WORK_ITEM, _S.WAITING),
        (_S.RUNNING, StepEvent.COMPLETE, _S.DONE),
        (_S.WAITING, StepEvent.COMPLETE, _S.DONE),
        (_S.RUNNING, StepEvent.RETRY_LATER, _S.RETRY_WAIT),
        (_S.RUNNING, StepEvent.FAIL, _S.FAILED),
        (_S.PENDING, StepEvent.SKIP, _S.SKIPPED),
        (_S.FAILED, StepEvent.SKIP, _S.SKIPPED),
        (_S.PENDING, StepEvent.CANCEL, _S.CANCELLED),
        (_S.RUNNING, StepEvent.CANCEL, _S.CANCELLED),
        (_S.WAITING, StepEvent.CANCEL, _S.CANCELLED),
        (_S.RETRY_WAIT, StepEvent.CANCEL, _S.CANCELLED),
        (_S.FAILED, StepEvent.CANCEL, _S.CANCELLED),
    ],
)


# ---------------------------------------------------------------------------- stages


class StageStatus(StrEnum):
    """Where a visit of a stage stands (``RunState.stage_open`` stores waiting/open)."""

    WAITING = "waiting"  #: entered; its entry condition has not held yet
    OPEN = "open"  #: its steps may start
    EXITED = "exited"  #: left: the token moved on


class StageEvent(StrEnum):
    """What moves a stage visit."""

    OPEN = "open"  #: its entry condition holds (or it has none)
    FINISH = "finish"  #: every step finished
    EXIT_EARLY = "exit_early"  #: its exit condition held
    ESCALATE = "escalate"  #: an escalation rule moved the run to another stage


_G = StageStatus
STAGE_LIFECYCLE: Lifecycle[StageStatus, StageEvent] = Lifecycle(
    "stage",
    [
        (_G.WAITING, StageEvent.OPEN, _G.OPEN),
        (_G.OPEN, StageEvent.FINISH, _G.EXITED),
        (_G.OPEN, StageEvent.EXIT_EARLY, _G.EXITED),
        (_G.WAITING, StageEvent.ESCALATE, _G.EXITED),
        (_G.OPEN, StageEvent.ESCALATE, _G.EXITED),
    ],
)
