"""The working copy of one run during one transition: its state, log, effects and facts.

Every other module of the engine acts on a :class:`WorkingRun`. The input state is
never mutated: the working state is a copy whose containers (steps, outputs, attempts)
are fresh, and a step's state is copied the first time it is written
(:meth:`WorkingRun.own`). Nested values (case, outputs, clocks, the visit counts) are
replaced, never mutated, so sharing them with the old state is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graphs.conditions import Facts
from runtime.engine.definition import CompiledStep, CompiledWorkflow
from runtime.engine.facts import EMPTY, Counters, SlaView, facts_of, has_clocks, sla_facts
from runtime.engine.lifecycle import RUN_LIFECYCLE, RunEvent
from runtime.engine.types import (
    Effect,
    Event,
    Incident,
    IncidentCode,
    LogEvent,
    LogKind,
    Publish,
    RunState,
    RunStatus,
    StepState,
    Transition,
)

__all__ = ["WorkingRun"]


class WorkingRun:
    """One run being moved by one event: what it was, what it is now, what it said."""

    __slots__ = (
        "actor",
        "cached_facts",
        "d",
        "effects",
        "entered",
        "first_seq",
        "log",
        "now",
        "s",
        "seq",
        "shared_steps",
        "start_status",
    )

    def __init__(
        self, d: CompiledWorkflow, state: RunState, now: datetime, actor: str, fresh: bool = False
    ) -> None:
        # ``fresh`` has a default, so the transition's call on every event passes no
        # keyword (calling a class with a keyword builds a dict for it).
        self.d = d
        if fresh:
            # A new run's state was built by this transition: it is ours to write.
            self.s = state
            self.start_status: RunStatus | None = None
            #: the input state's step states, which this transition must not write
            self.shared_steps: Mapping[str, StepState] = EMPTY
        else:
            s = self.s = state.copy()
            # (``visits`` is replaced when a node is entered, never written in place.)
            s.steps = dict(s.steps)  # step states are copied by own()
            s.step_outputs = dict(s.step_outputs)
            s.attempts = dict(s.attempts)
            self.start_status = state.status
            self.shared_steps = state.steps
        self.now = now
        self.actor = actor
        #: the number of the last log line; written to the state once, at the end
        self.seq = state.seq
        self.first_seq = state.seq + 1
        self.log: list[LogEvent] = []
        self.effects: list[Effect] = []
        #: nodes entered in this transition: a stage says it waits only when entered
        #: (a tuple: most transitions enter none, and an empty one costs nothing to make)
        self.entered: tuple[str, ...] = ()
        self.cached_facts: Facts | None = None

    # ------------------------------------------------------------------ state

    def own(self, step_id: str) -> StepState:
        """The step's state, safe to write: the input state is never mutated."""
        st = self.s.steps[step_id]
        if st is self.shared_steps.get(step_id):  # still the input state's: copy it
            st = self.s.steps[step_id] = st.copy()
        return st

    def move_run(self, event: RunEvent) -> None:
        """Move the run's status along its lifecycle."""
        self.s.status = RUN_LIFECYCLE.next(self.s.status, event)

    def case_changed(self, previous: Mapping[str, Any], case: Mapping[str, Any]) -> None:
        """The case record is now ``case``; ``previous`` is the one before it."""
        # The run's own record is replaced, never written in place, so it becomes the
        # previous one as it is; a record from elsewhere (an event's) is copied.
        self.s.previous_case = self.s.case if previous is self.s.case else dict(previous)
        self.s.case = dict(case)
        self.cached_facts = None

    # ------------------------------------------------------------------ output

    def note(
        self,
        kind: LogKind,
        *,
        node_id: str | None = None,
        step_id: str | None = None,
        **data: Any,
    ) -> None:
        """Append a line to the run's log, numbered on from the last."""
        self.seq += 1
        self.log.append(LogEvent(self.seq, self.now, self.actor, kind, node_id, step_id, data))

    def note_data(
        self, kind: LogKind, node_id: str | None, step_id: str | None, data: dict[str, Any]
    ) -> None:
        """:meth:`note` with the line's data built by the caller (it becomes the line's
        own). The engine's frequent lines use it: passing six fields as keyword arguments
        costs two thirds more (each name is matched against the method's parameters
        before it is gathered into a dict)."""
        self.seq += 1
        self.log.append(LogEvent(self.seq, self.now, self.actor, kind, node_id, step_id, data))

    def note_step(
        self, kind: LogKind, cs: CompiledStep, st: StepState, data: dict[str, Any]
    ) -> None:
        """Append a line about a step attempt (its number leads the line's data)."""
        self.seq += 1
        self.log.append(
            LogEvent(
                self.seq,
                self.now,
                self.actor,
                kind,
                cs.node_id,
                cs.id,
                {"attempt": st.attempt, **data},
            )
        )

    def ignore(self, event: Event, reason: str, **data: Any) -> None:
        """Log that ``event`` changed nothing, and why."""
        self.note(
            LogKind.EVENT_IGNORED,
            node_id=self.s.node_id,
            step_id=getattr(event, "step_id", None),
            event=event.kind,
            reason=reason,
            **data,
        )

    def incident(
        self,
        code: IncidentCode,
        message: str,
        *,
        node_id: str | None,
        step_id: str | None = None,
    ) -> None:
        """Stop the run at an incident an admin must resolve."""
        self.move_run(RunEvent.FAIL)
        self.s.incident = Incident(
            code=code, message=message, node_id=node_id, step_id=step_id, at=self.now
        )
        self.note(LogKind.RUN_INCIDENT, node_id=node_id, step_id=step_id, code=code, reason=message)

    def result(self) -> Transition:
        """The transition's outcome, ending with one publish of what changed."""
        self.s.seq = self.seq
        status, before = self.s.status, self.start_status
        if status is before:  # most transitions: the run's status did not move
            topic = "run.updated"
        elif status.over and not (before is not None and before.over):
            topic = "run.finished"
        elif status is RunStatus.INCIDENT and before is not RunStatus.INCIDENT:
            topic = "run.incident"
        else:
            topic = "run.updated"
        changed = {
            "run_id": self.s.run_id,
            "status": str(status),  # its value (a StrEnum), without the enum hook
            "node_id": self.s.node_id,
            "from_seq": self.first_seq,
            "to_seq": self.seq,
        }
        self.effects.append(Publish(topic, changed))
        return Transition(self.s, self.effects, self.log)

    # ------------------------------------------------------------------ facts

    def facts(self) -> Facts:
        """What conditions read now; cached until the case changes.

        Step outputs need no new facts: the facts hold the working state's own
        ``step_outputs`` dict, which this transition writes in place.
        """
        if self.cached_facts is not None:
            return self.cached_facts
        d, s = self.d, self.s
        facts = facts_of(
            s,
            sla=sla_facts(s, self.now) if d.reads_sla else EMPTY,
            counters=Counters(s.visits, s.loops) if d.reads_counters else EMPTY,
        )
        if not (d.reads_sla or d.reads_counters):
            # SLA levels and counters move with the clock and the token; only cache
            # when no condition reads them.
            self.cached_facts = facts
        return facts

    def sla_view(self) -> Mapping[str, Any]:
        """The ``sla.*`` facts, worked out only for the keys read, when they are read."""
        return SlaView(self.s, self.now) if has_clocks(self.s) else EMPTY
