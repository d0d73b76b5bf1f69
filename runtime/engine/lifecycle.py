"""Each lifecycle the engine drives, declared once as a table of transitions.

A run's status, a step attempt's status and a stage visit each move only along the rows
below, one line per transition (``from --event--> to``; ``a | b`` for several sources),
in the manner of Temporal's ``timer_state_machine.rs``. The engine changes a status only through
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
    """A table of ``from --event--> to`` transitions and the one way to apply it.

    >>> lc = Lifecycle("run", RunStatus, RunEvent, "running --pause--> paused")
    >>> lc.next(RunStatus.RUNNING, RunEvent.PAUSE)
    <RunStatus.PAUSED: 'paused'>
    >>> lc.next(RunStatus.PAUSED, RunEvent.PAUSE)
    Traceback (most recent call last):
    ...
    runtime.engine.errors.LifecycleError: run: no transition from 'paused' on 'pause'
    """

    __slots__ = ("_next", "name", "rows")

    def __init__(self, name: str, statuses: type[S], events: type[E], table: str) -> None:
        self.name = name
        rows: list[tuple[S, E, S]] = []
        for line in table.splitlines():
            text = line.partition("#")[0].strip()
            if not text:
                continue
            sources, _, rest = text.partition(" --")
            event, _, target = rest.partition("--> ")
            for source in sources.split(" | "):
                rows.append((statuses(source.strip()), events(event), statuses(target.strip())))
        self.rows: tuple[tuple[S, E, S], ...] = tuple(rows)
        #: per event, where it moves each status it leaves from (looked up by event
        #: first: no key tuple to build on every move)
        self._next: dict[E, dict[S, S]] = {on: {} for on in events}
        for source_status, on, target_status in self.rows:
            if source_status in self._next[on]:
                raise ValueError(f"{name}: two rows from {source_status.value!r} on {on.value!r}")
            self._next[on][source_status] = target_status

    def next(self, status: S, event: E) -> S:
        """The status ``event`` moves ``status`` to."""
        try:
            return self._next[event][status]
        except KeyError:  # a move the table lacks: a programming error, said plainly
            raise LifecycleError(
                f"{self.name}: no transition from {status.value!r} on {event.value!r}"
            ) from None

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


_RUN_TABLE = """
    running --pause--> paused
    paused --resume--> running
    running | paused | incident --cancel--> cancelled
    incident --resolve--> running
    running --fail--> incident
    # Two steps of one stage failing as they start, in one pass: the later incident
    # is the one the run shows.
    incident --fail--> incident
    running --complete--> completed
    """
RUN_LIFECYCLE = Lifecycle("run", RunStatus, RunEvent, _RUN_TABLE)

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


_STEP_TABLE = """
    pending | retry_wait | failed --dispatch--> running
    pending --open_work_item--> waiting
    running | waiting --complete--> done
    running --retry_later--> retry_wait
    running --fail--> failed
    pending | failed --skip--> skipped
    pending | running | waiting | retry_wait | failed --cancel--> cancelled
    """
STEP_LIFECYCLE = Lifecycle("step", StepStatus, StepEvent, _STEP_TABLE)


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


_STAGE_TABLE = """
    waiting --open--> open
    open --finish--> exited
    open --exit_early--> exited
    waiting | open --escalate--> exited
    """
STAGE_LIFECYCLE = Lifecycle("stage", StageStatus, StageEvent, _STAGE_TABLE)
