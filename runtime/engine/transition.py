"""The pure transition: ``(definition, run state, event, now) -> (state, effects, log)``.

No clock, database, network or randomness: time arrives as ``now``, ids are derived
from the run id, step id and attempt, and the latest case record arrives inside
``CaseCreated``/``CaseUpdated``. The input state is never mutated.

Semantics (see ``runtime/README.md`` for the whole list):

- The run carries one token: ``state.node_id`` is the one node it is at. It rests only
  at stages (and, once finished, at an end); starts and decisions are passed through
  within the transition that reaches them.
- A stage waits for its entry condition, then starts every step whose ``after`` steps
  are finished and whose own entry condition holds. Steps whose entry condition is
  false stay pending and are re-checked whenever something changes. When nothing else
  in the stage is under way and a pending step's entry condition still does not hold,
  that step is *skipped*, with the reason and the values seen in the log, so the stage
  can complete (Salesforce Orchestrator does the same). To wait for a case change, put
  the condition on the stage's entry condition instead.
- The stage's exit condition is checked whenever anything changes while the stage is
  open; when it holds the stage exits at once, cancelling its unfinished steps.
- Events other than admin commands that arrive while the run is paused or at an
  incident are recorded (``event.deferred``) and kept in ``state.deferred``; resuming,
  retrying or skipping applies them in arrival order before anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import compress
from operator import is_not
from typing import Any, TypeVar

from pydantic import BaseModel

from graphs.conditions import Facts, parse_datetime
from graphs.model import SLA, BackgroundStep, Edge, EdgeKind, EndNode, InteractiveStep, StageNode
from runtime.engine._fast import builder, make, make_facts
from runtime.engine.definition import (
    CompiledNode,
    CompiledStep,
    CompiledWorkflow,
)
from runtime.engine.errors import InvalidEventError
from runtime.engine.escalation import escalate
from runtime.engine.types import (
    FINISHED_RUN_STATUSES,
    FINISHED_STEP_STATUSES,
    RUN_STATE_SCHEMA_VERSION,
    SLA_LEVELS,
    AdminCommand,
    CancelTimer,
    CancelWorkItem,
    CaseCreated,
    CaseUpdated,
    CreateWorkItem,
    DeferredEvent,
    Effect,
    Event,
    Incident,
    LogEvent,
    Publish,
    RunIdentity,
    RunState,
    RunStatus,
    RunStep,
    ScheduleTimer,
    SlaClock,
    StepCompleted,
    StepFailed,
    StepState,
    StepStatus,
    TimerFired,
    Transition,
    WorkItemCompleted,
)
from runtime.sla.calendar import add_business_minutes

__all__ = ["identity_of", "replay", "timer_key", "transition", "work_item_key"]

# Enum members hash through a Python-level __hash__; the hot paths test identity instead.
_DONE, _SKIPPED, _CANCELLED = StepStatus.DONE, StepStatus.SKIPPED, StepStatus.CANCELLED
_PENDING = StepStatus.PENDING
_COMPLETED_RUN, _CANCELLED_RUN = RunStatus.COMPLETED, RunStatus.CANCELLED
assert {_DONE, _SKIPPED, _CANCELLED} == FINISHED_STEP_STATUSES
assert {_COMPLETED_RUN, _CANCELLED_RUN} == FINISHED_RUN_STATUSES
# ``StepStatus.X`` goes through the enum metaclass's __getattr__ hook on every read
# (~9x a global's cost); the transition reads these module constants instead.
_STEP_PENDING, _STEP_RUNNING, _STEP_WAITING, _STEP_RETRY_WAIT = (
    StepStatus.PENDING,
    StepStatus.RUNNING,
    StepStatus.WAITING,
    StepStatus.RETRY_WAIT,
)
_STEP_DONE, _STEP_SKIPPED, _STEP_CANCELLED = _DONE, _SKIPPED, _CANCELLED
_STEP_FAILED = StepStatus.FAILED
_RUN_RUNNING, _RUN_PAUSED, _RUN_INCIDENT = RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INCIDENT
_RUN_COMPLETED, _RUN_CANCELLED = _COMPLETED_RUN, _CANCELLED_RUN


def _finished(status: StepStatus) -> bool:
    return status is _DONE or status is _SKIPPED or status is _CANCELLED


def _run_over(status: RunStatus | None) -> bool:
    return status is _COMPLETED_RUN or status is _CANCELLED_RUN


_LEVEL = {name: k for k, name in enumerate(SLA_LEVELS)}
_EMPTY: Mapping[str, Any] = {}
_MISSING = object()
M = TypeVar("M", bound=BaseModel)
# A named tuple built from one tuple, without its keyword-parsing __new__.
_new_tuple = tuple.__new__
_publish = builder(Publish)
_run_state = builder(RunState)
_step_state = builder(StepState)
_run_step = builder(RunStep)
_sla_clock_of = builder(SlaClock)
_cancel_timer = builder(CancelTimer)
_schedule_timer = builder(ScheduleTimer)


def work_item_key(run_id: str, step_id: str, attempt: int) -> str:
    """The idempotency key of an interactive step attempt's work item.

    >>> work_item_key("r1", "review", 2)
    'r1:review:2'
    """
    return f"{run_id}:{step_id}:{attempt}"


def timer_key(run_id: str, purpose: str, target: str, n: int) -> str:
    """A timer's key: run, purpose, target (``stage`` or ``stage.step``) and visit/attempt.

    >>> timer_key("r1", "retry", "triage.lookup", 1)
    'r1:retry:triage.lookup:1'
    """
    return f"{run_id}:{purpose}:{target}:{n}"


def identity_of(state: RunState) -> RunIdentity:
    """The identity a run was started with."""
    return RunIdentity(
        run_id=state.run_id,
        workflow_id=state.workflow_id,
        version=state.version,
        case_id=state.case_id,
    )


def transition(
    definition: CompiledWorkflow,
    state: RunState | None,
    event: Event,
    now: datetime,
    *,
    identity: RunIdentity | None = None,
) -> Transition:
    """Apply one event to a run and say what changed.

    Parameters
    ----------
    definition
        The run's workflow version, compiled once by :func:`compile_workflow`.
    state
        The run's current state, or ``None`` for a new run (then ``event`` must be a
        :class:`CaseCreated` and ``identity`` is required). It is not mutated.
    event
        What happened.
    now
        When the event is applied (timezone-aware): the only clock the engine knows.
    identity
        The new run's ids; only read when ``state`` is ``None``.

    Returns
    -------
    Transition
        The new state, the effects to perform after commit (always ending with one
        :class:`Publish`), and the log events, numbered on from ``state.seq``.

    Raises
    ------
    InvalidEventError
        No state and the event is not a ``CaseCreated``, or no identity for a new run.
    """
    if state is None:
        if not isinstance(event, CaseCreated):
            raise InvalidEventError(f"a run starts with a case_created event, not {event.kind!r}")
        if identity is None:
            raise InvalidEventError("a new run needs its identity (run, workflow, version, case)")
        run = _Run(definition, _new_state(identity, event, now), now, event.actor, True)
        run.start(event)
    else:
        run = _Run(definition, state, now, event.actor, False)
        run.handle(event)
    return run.result()


def replay(
    definition: CompiledWorkflow,
    identity: RunIdentity,
    events: Iterable[tuple[Event, datetime]],
) -> RunState:
    """Rebuild a run's state by feeding its input events, with their times, in order.

    The store keeps every input event of a run with the time it was applied; the
    transition is deterministic, so this gives exactly the stored state.
    """
    state: RunState | None = None
    for event, at in events:
        state = transition(definition, state, event, at, identity=identity).state
    if state is None:
        raise InvalidEventError("nothing to replay: a run has at least its case_created event")
    return state


def _new_state(identity: RunIdentity, event: CaseCreated, now: datetime) -> RunState:
    # Every field, as RunState's defaults would fill them: the identity and the event
    # are already validated, and validating again copied the whole case record.
    return _run_state(
        {
            "schema_version": RUN_STATE_SCHEMA_VERSION,
            "run_id": identity.run_id,
            "workflow_id": identity.workflow_id,
            "version": identity.version,
            "case_id": identity.case_id,
            "status": _RUN_RUNNING,
            "node_id": None,
            "node_entered_at": None,
            "stage_open": False,
            "visits": {},
            "steps": {},
            "step_outputs": {},
            "case": dict(event.case),
            "previous_case": None,
            "incident": None,
            "seq": 0,
            "started_at": now,
            "finished_at": None,
            "resolution": None,
            "attempts": {},
            "sla": None,
            "loops": 0,
            "deferred": [],
            "escalations": {},
        }
    )


class _Counters(Mapping[str, int]):
    """``counter.visits.<node>`` reads visits of a node; ``counter.loops`` go-tos taken."""

    __slots__ = ("_loops", "_visits")

    def __init__(self, visits: Mapping[str, int], loops: int) -> None:
        self._visits = visits
        self._loops = loops

    def __getitem__(self, key: str) -> int:
        if key == "loops":
            return self._loops
        if key.startswith("visits."):
            return self._visits.get(key[7:], 0)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield "loops"
        for node_id in self._visits:
            yield f"visits.{node_id}"

    def __len__(self) -> int:
        return 1 + len(self._visits)


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    # A missing field reads as None, so a field gone or added as None did not change.
    if len(before) == len(after):
        keys = list(after)
        if keys == list(before):
            # The usual update: the same fields in the same order (the record with a few
            # values replaced). Most values are the very same objects in both records:
            # an identity test per pair in C picks the few to compare.
            changed = [
                key
                for key in compress(keys, map(is_not, after.values(), before.values()))
                if after[key] != before[key]
            ]
            changed.sort()
            return changed
    get = before.get
    changed = [k for k, v in after.items() if (was := get(k)) is not v and was != v]
    changed.extend(k for k, was in before.items() if was is not None and k not in after)
    changed.sort()
    return changed


def _new(cls: type[M], **values: Any) -> M:
    return make(cls, values)


def _with(obj: M, **values: Any) -> M:
    return make(type(obj), {**obj.__dict__, **values})


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60.0, 3)


def _clock_level(clock: SlaClock, at: datetime) -> str:
    """The worse of the level the timers marked and the level the time implies."""
    values = clock.__dict__  # one hooked read instead of five
    t = values["stopped_at"] or at
    marked = values["state"]
    if t >= values["due_at"]:
        by_time = "breached"
    elif (warning_at := values["warning_at"]) is not None and t >= warning_at:
        by_time = "at_risk"
    else:
        by_time = "on_track"
    return by_time if _LEVEL[by_time] > _LEVEL[marked] else marked


_DELTAS: dict[float, timedelta] = {}


def _after(start: datetime, minutes: float) -> datetime:
    # SLA targets repeat endlessly across runs; build each timedelta once.
    delta = _DELTAS.get(minutes)
    if delta is None:
        delta = _DELTAS[minutes] = timedelta(minutes=minutes)
    return start + delta


class _SlaView(Mapping[str, Any]):
    """The ``sla.*`` facts of a run's state, each worked out when read (see ``sla_view``)."""

    __slots__ = ("_now", "_values")

    def __init__(self, values: dict[str, Any], now: datetime) -> None:
        self._values = values
        self._now = now

    def _clock(self, key: str) -> tuple[SlaClock | None, str]:
        if key == "state":  # the stage's, what escalation rules read
            return self._values["sla"], key
        step_id, dot, name = key.rpartition(".")
        if not dot:
            return self._values["sla"], name
        st = self._values["steps"].get(step_id)
        return (None if st is None else st.sla), name

    def get(self, key: str, default: Any = None) -> Any:
        clock, name = self._clock(key)
        if clock is None:
            return default
        if name == "state":
            return _clock_level(clock, self._now)
        if name == "remaining_minutes":
            return _minutes(clock.due_at - (clock.stopped_at or self._now))
        return default

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        if self._values["sla"] is not None:
            yield from ("state", "remaining_minutes")
        for st in self._values["steps"].values():
            if st.sla is not None:
                yield from (f"{st.step_id}.state", f"{st.step_id}.remaining_minutes")

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Run:
    """The working copy of one run during one transition."""

    __slots__ = (
        "actor",
        "cached_facts",
        "d",
        "effects",
        "first_seq",
        "fresh_nodes",
        "log",
        "now",
        "owned",
        "s",
        "seq",
        "start_status",
        "v",
    )

    def __init__(
        self, d: CompiledWorkflow, state: RunState, now: datetime, actor: str, fresh: bool
    ) -> None:
        self.d = d
        if fresh:
            self.s = state
            #: the state's own dict: a model's attribute reads go through pydantic's
            #: __getattr__ hook, several times a dict read
            self.v = values = state.__dict__
            self.start_status = None
            # Step states this transition may write: copies made on first write, or new.
            self.owned: set[str] = set(values["steps"])
        else:
            # A shallow copy plus fresh containers: nested values (case, outputs, clocks)
            # are replaced, never mutated, so sharing them with the old state is safe.
            # ``deferred`` is copied where it is written (rarely).
            self.v = values = state.__dict__.copy()
            values["visits"] = values["visits"].copy()
            values["steps"] = values["steps"].copy()  # step states are copied by own()
            values["step_outputs"] = values["step_outputs"].copy()
            values["attempts"] = values["attempts"].copy()
            self.s = _run_state(values)
            self.start_status = values["status"]
            self.owned = set()
        self.now = now
        self.actor = actor
        self.seq = seq = values["seq"]
        self.first_seq = seq + 1
        self.log: list[LogEvent] = []
        self.effects: list[Effect] = []
        self.fresh_nodes: set[str] = set()
        self.cached_facts: Facts | None = None

    # ------------------------------------------------------------------ output helpers

    def own(self, step_id: str) -> StepState:
        """The step's state, safe to write: the input state is never mutated."""
        steps = self.v["steps"]
        st: StepState = steps[step_id]
        if step_id not in self.owned:
            st = steps[step_id] = _step_state(st.__dict__.copy())
            self.owned.add(step_id)
        return st

    def note(
        self,
        kind: str,
        *,
        node_id: str | None = None,
        step_id: str | None = None,
        **data: Any,
    ) -> None:
        self.seq = seq = self.seq + 1
        self.log.append(
            _new_tuple(LogEvent, (seq, self.now, self.actor, kind, node_id, step_id, data))
        )

    def line(
        self, kind: str, node_id: str | None, step_id: str | None, data: dict[str, Any]
    ) -> None:
        """:meth:`note` with its data as a dict, for the hot paths: a positional call
        with a dict display costs a third less than keyword arguments gathered again."""
        self.seq = seq = self.seq + 1
        self.log.append(
            _new_tuple(LogEvent, (seq, self.now, self.actor, kind, node_id, step_id, data))
        )

    def result(self) -> Transition:
        s = self.s
        values = self.v
        values["seq"] = self.seq
        status, before = values["status"], self.start_status
        if (status is _COMPLETED_RUN or status is _CANCELLED_RUN) and not (
            before is _COMPLETED_RUN or before is _CANCELLED_RUN
        ):
            topic = "run.finished"
        elif status is _RUN_INCIDENT and before is not _RUN_INCIDENT:
            topic = "run.incident"
        else:
            topic = "run.updated"
        self.effects.append(
            _publish(
                {
                    "kind": "publish",
                    "topic": topic,
                    "data": {
                        "run_id": values["run_id"],
                        "status": status._value_,
                        "node_id": values["node_id"],
                        "from_seq": self.first_seq,
                        "to_seq": self.seq,
                    },
                }
            )
        )
        return _new_tuple(Transition, (s, self.effects, self.log))

    # ------------------------------------------------------------------ facts

    def facts(self) -> Facts:
        """What conditions read now; cached until the case changes.

        Step outputs need no new facts: the facts hold the working state's own
        ``step_outputs`` dict, which this transition writes in place.
        """
        if self.cached_facts is not None:
            return self.cached_facts
        s = self.s
        values = self.v
        d = self.d
        facts = make_facts(
            values["case"],
            values["previous_case"],
            values["step_outputs"],
            self.sla_facts() if d.reads_sla else _EMPTY,
            _Counters(s.visits, s.loops) if d.reads_counters else _EMPTY,
        )
        if not (d.reads_sla or d.reads_counters):
            # SLA levels and counters move with the clock and the token; only cache
            # when no condition reads them.
            self.cached_facts = facts
        return facts

    def sla_view(self) -> Mapping[str, Any]:
        """``sla_facts()`` worked out only for the keys read, at the moment they are read:
        for a caller that reads it at once, before anything changes the clocks."""
        values = self.v
        if values["sla"] is None and not any(st.sla for st in values["steps"].values()):
            return _EMPTY
        return _SlaView(values, self.now)

    def sla_facts(self) -> Mapping[str, Any]:
        s = self.s
        clocks = [(f"{st.step_id}.", st.sla) for st in s.steps.values() if st.sla is not None]
        if s.sla is None and not clocks:
            return _EMPTY
        facts: dict[str, Any] = {}
        if s.sla is not None:
            facts["state"] = _clock_level(s.sla, self.now)
            facts["remaining_minutes"] = _minutes(s.sla.due_at - (s.sla.stopped_at or self.now))
        for prefix, clock in clocks:
            assert clock is not None
            facts[prefix + "state"] = _clock_level(clock, self.now)
            facts[prefix + "remaining_minutes"] = _minutes(
                clock.due_at - (clock.stopped_at or self.now)
            )
        return facts

    # ------------------------------------------------------------------ entry points

    def start(self, event: CaseCreated) -> None:
        s = self.s
        self.note(
            "run.started",
            workflow_id=s.workflow_id,
            version=s.version,
            case_id=s.case_id,
            case=dict(event.case),
        )
        self.enter(self.d.start_id)
        self.advance()
        if self.d.escalation.rules:
            escalate(self)

    def handle(self, event: Event) -> None:
        status = self.v["status"]
        kind = event.kind
        if status is _COMPLETED_RUN or status is _CANCELLED_RUN:
            self.ignore(event, f"the run is already {status.value}")
        # Dispatch on the kind tag: isinstance on pydantic models goes through a
        # Python-level metaclass hook and costs as much as the rest of this method.
        elif kind == "admin":
            self.admin(event)  # type: ignore[arg-type]  # (kind is "admin")
        elif kind == "case_created":
            self.ignore(event, "the run has already started")
        elif status is not _RUN_RUNNING:
            self.defer(event)
        else:
            handler = _APPLY.get(kind)
            if handler is not None:
                handler(self, event)
            self.advance()
            if self.d.escalation.rules:
                escalate(self)

    def ignore(self, event: Event, reason: str, **data: Any) -> None:
        self.note(
            "event.ignored",
            node_id=self.v["node_id"],
            step_id=getattr(event, "step_id", None),
            event=event.kind,
            reason=reason,
            **data,
        )

    def defer(self, event: Event) -> None:
        s = self.s
        why = "paused" if s.status is _RUN_PAUSED else "at an incident"
        self.note(
            "event.deferred",
            node_id=s.node_id,
            step_id=getattr(event, "step_id", None),
            event=event.kind,
            reason=f"the run is {why}; the event is applied when it runs again",
        )
        held = _new(DeferredEvent, event=event, at=self.now, seq=self.seq)
        self.v["deferred"] = [*self.v["deferred"], held]

    def drain(self) -> None:
        """Apply the events held while the run was not running, in arrival order."""
        s = self.s
        held, s.deferred = s.deferred, []
        outer_actor = self.actor
        for item in held:
            self.actor = item.event.actor
            if s.status is _RUN_RUNNING:
                self.note(
                    "event.applied",
                    node_id=s.node_id,
                    event=item.event.kind,
                    deferred_seq=item.seq,
                    reason="held while the run was not running",
                )
            self.handle(item.event)
        self.actor = outer_actor

    # ------------------------------------------------------------------ events

    def case_updated(self, event: CaseUpdated) -> None:
        s = self.s
        previous = event.previous if event.previous else s.case
        self.v.update(previous_case=dict(previous), case=dict(event.case))
        self.cached_facts = None
        self.line("case.updated", s.node_id, None, {"changed": _changed(previous, s.case)})

    def current_step(
        self, event: Event, step_id: str, attempt: int, expected: StepStatus
    ) -> tuple[CompiledStep, StepState] | None:
        """The current step attempt the event is about, or ``None`` after logging why not."""
        values = self.v
        st = values["steps"].get(step_id)
        node = self.d.nodes.get(values["node_id"] or "")
        index = None if node is None else node.step_index
        cs = None if index is None else index.get(step_id)
        if st is None or cs is None:
            self.ignore(event, f"step {step_id!r} is not part of the stage the run is at")
            return None
        fields = st.__dict__
        if fields["attempt"] != attempt:
            self.ignore(
                event,
                f"attempt {attempt} of step {step_id!r} is stale; "
                f"the current attempt is {st.attempt}",
                attempt=attempt,
            )
            return None
        if fields["status"] is not expected:
            self.ignore(
                event,
                f"attempt {attempt} of step {step_id!r} is {st.status.value}, "
                "nothing is waiting for this event",
                attempt=attempt,
            )
            return None
        if step_id not in self.owned:  # own(), with the state already at hand
            st = values["steps"][step_id] = _step_state(fields.copy())
            self.owned.add(step_id)
        return cs, st

    def step_completed(self, event: StepCompleted) -> None:
        fields = event.__dict__  # one hooked read instead of four
        found = self.current_step(event, fields["step_id"], fields["attempt"], _STEP_RUNNING)
        if found is None:
            return
        cs, st = found
        if cs.interactive:
            self.ignore(event, f"step {cs.id!r} is interactive: it completes by its work item")
            return
        case = fields["case"]
        if case is not None:
            values = self.v
            before = values["case"]
            values["previous_case"] = before
            values["case"] = after = dict(case)
            self.cached_facts = None
            self.line(
                "case.updated",
                cs.node_id,
                cs.id,
                {"changed": _changed(before, after), "reason": f"written by step {cs.id!r}"},
            )
        if cs.is_wait:
            self.effects.append(self.cancel_timer_effect("wait", cs, st.attempt))
        self.finish_step(cs, st, dict(fields["outputs"]), "the action finished")

    def work_item_completed(self, event: WorkItemCompleted) -> None:
        found = self.current_step(event, event.step_id, event.attempt, _STEP_WAITING)
        if found is None:
            return
        cs, st = found
        if event.work_item_key != st.work_item_key:
            self.ignore(
                event,
                f"work item {event.work_item_key!r} is not the open one ({st.work_item_key!r})",
            )
            return
        self.stop_step_clock(cs, st)
        self.finish_step(cs, st, dict(event.data), f"completed by {event.actor}")

    def step_failed(self, event: StepFailed) -> None:
        found = self.current_step(event, event.step_id, event.attempt, _STEP_RUNNING)
        if found is None:
            return
        cs, st = found
        self.fail_step(cs, st, event.error, retryable=event.retryable)

    def timer_fired(self, event: TimerFired) -> None:
        s = self.s
        parts = event.timer_key.rsplit(":", 3)
        if len(parts) != 4 or parts[0] != s.run_id or not parts[3].isdigit():
            self.ignore(event, f"timer {event.timer_key!r} does not belong to this run")
            return
        _, purpose, target, n_text = parts
        n = int(n_text)
        node_id, _, step_id = target.partition(".")
        if node_id != s.node_id:
            self.ignore(event, f"the run has left {node_id!r}", timer=event.timer_key)
            return
        if not step_id:
            if purpose in ("sla_warning", "sla_breach") and n == s.visits.get(node_id):
                self.stage_sla(purpose)
            else:
                self.ignore(
                    event,
                    f"timer is for visit {n} of {node_id!r}; this is visit {s.visits.get(node_id)}",
                    timer=event.timer_key,
                )
            return
        expected = {
            "retry": _STEP_RETRY_WAIT,
            "wait": _STEP_RUNNING,
            "sla_warning": _STEP_WAITING,
            "sla_breach": _STEP_WAITING,
        }.get(purpose)
        if expected is None:
            self.ignore(event, f"unknown timer purpose {purpose!r}", timer=event.timer_key)
            return
        found = self.current_step(event, step_id, n, expected)
        if found is None:
            return
        cs, st = found
        if purpose == "retry":
            self.launch(cs, st, retry_of=st.attempt)
        elif purpose == "wait":
            self.finish_step(
                cs,
                st,
                {"waited_minutes": _minutes(self.now - (st.started_at or self.now))},
                reason="the wait elapsed",
            )
        else:
            self.step_sla(cs, st, purpose)

    # ------------------------------------------------------------------ admin

    def admin(self, event: AdminCommand) -> None:
        s = self.s
        cmd = event.command
        reason = event.reason or f"{cmd} by {event.actor}"
        if cmd == "pause":
            if s.status is not _RUN_RUNNING:
                self.reject(event, f"only a running run can be paused; this one is {s.status}")
                return
            self.v.update(status=_RUN_PAUSED)
            self.note("run.paused", node_id=s.node_id, reason=reason)
        elif cmd == "resume":
            if s.status is not _RUN_PAUSED:
                self.reject(event, f"only a paused run can be resumed; this one is {s.status}")
                return
            self.v.update(status=_RUN_RUNNING)
            self.note("run.resumed", node_id=s.node_id, reason=reason, held=len(s.deferred))
            self.drain()
            self.advance()
        elif cmd == "cancel":
            self.cancel(reason)
        else:
            self.resolve_incident(event, reason)

    def reject(self, event: AdminCommand, reason: str) -> None:
        self.note(
            "admin.rejected",
            node_id=self.v["node_id"],
            step_id=event.step_id,
            command=event.command,
            reason=reason,
        )

    def resolve_incident(self, event: AdminCommand, reason: str) -> None:
        s = self.s
        incident = s.incident
        if s.status is not _RUN_INCIDENT or incident is None:
            self.reject(
                event, f"{event.command} needs a run at an incident; this one is {s.status}"
            )
            return
        if incident.step_id is None:
            self.reject(
                event,
                f"the incident ({incident.code}) is not about a step; the run can only be "
                "cancelled",
            )
            return
        if event.step_id is not None and event.step_id != incident.step_id:
            self.reject(
                event, f"the incident is about step {incident.step_id!r}, not {event.step_id!r}"
            )
            return
        step_id = incident.step_id
        self.v.update(status=_RUN_RUNNING, incident=None)
        self.note(
            "incident.resolved",
            node_id=s.node_id,
            step_id=step_id,
            command=event.command,
            code=incident.code,
            reason=reason,
        )
        cs = self.d.step(s.node_id or "", step_id)
        assert cs is not None and step_id in s.steps
        st = self.own(step_id)
        if event.command == "skip_step":
            st.__dict__.update(status=_STEP_SKIPPED, finished_at=self.now)
            self.note(
                "step.skipped",
                node_id=cs.node_id,
                step_id=step_id,
                attempt=st.attempt,
                reason=reason,
            )
            self.drain()
        else:
            # Held events first, so the retry reads the latest case.
            self.drain()
            found = s.steps.get(step_id)
            if found is None or found.status is not _STEP_FAILED:
                self.note(
                    "step.retry_dropped",
                    node_id=s.node_id,
                    step_id=step_id,
                    reason="the step is no longer failed: held events moved the run on",
                )
            else:
                st = self.own(step_id)
                st.__dict__.update(tries=0)
                self.launch(cs, st, retry_of=st.attempt)
        self.advance()

    def cancel(self, reason: str) -> None:
        s = self.s
        node = self.d.nodes.get(s.node_id or "")
        if node is not None and node.kind == "stage":
            for cs in node.steps:
                st = s.steps.get(cs.id)
                if st is not None and not _finished(st.status):
                    self.cancel_step(cs, self.own(cs.id), "the run was cancelled")
            self.stop_stage_clock(node)
        dropped = len(s.deferred)
        s.deferred = []
        self.v.update(status=_RUN_CANCELLED, incident=None, finished_at=self.now)
        self.note("run.cancelled", node_id=s.node_id, reason=reason, dropped_events=dropped)

    # ------------------------------------------------------------------ walking

    def advance(self) -> None:
        """Move the token as far as it goes without waiting for anything."""
        # The state's own dict: a model's attribute reads go through pydantic's
        # __getattr__ hook, several times a dict read.
        values = self.v
        nodes = self.d.nodes
        while values["status"] is _RUN_RUNNING:
            node = nodes[values["node_id"] or ""]
            if node.kind == "stage":
                if not self.settle_stage(node):
                    return
                self.follow(node, node.next_edge)
            elif node.kind == "decision":
                self.decide(node)
            elif node.kind == "start":
                self.follow(node, node.next_edge)
            else:
                self.complete(node)
                return

    def enter(self, node_id: str, via: Edge | None = None) -> None:
        """Move the token to ``node_id`` (along ``via``), and prepare a stage's steps."""
        values = self.v
        node = self.d.nodes[node_id]
        visits = values["visits"]
        visit = visits.get(node_id, 0) + 1
        visits[node_id] = visit
        values["node_id"] = node_id
        values["node_entered_at"] = self.now
        values["stage_open"] = False
        values["steps"] = steps = {}
        self.fresh_nodes.add(node_id)
        # One log line per move: the node entered and the edge that led there.
        self.line(
            "node.entered",
            node_id,
            None,
            {
                "node_kind": node.kind,
                "visit": visit,
                "name": node.title,
                "edge_id": None if via is None else via.id,
                "from_node": None if via is None else via.source,
                "edge_kind": None if via is None else via.kind._value_,
            },
        )
        if visit > self.d.max_visits:
            self.incident(
                "loop_guard",
                f"node {node.title!r} ({node_id}) was reached for the {visit}th time, more "
                f"than the workflow's limit of {self.d.max_visits} visits per node "
                "(max_visits_per_node); the run stopped instead of looping for ever",
                node_id=node_id,
            )
            return
        if node.kind != "stage":
            return
        spec: StageNode = node.spec  # type: ignore[assignment]  # (kind is "stage")
        attempts = values["attempts"]
        outputs = values["step_outputs"]
        owned = self.owned
        for cs in node.steps:
            step_id = cs.id
            # Fresh attempts: the old ones stay in the log, their outputs are not read.
            outputs.pop(step_id, None)
            owned.add(step_id)
            steps[step_id] = _step_state(
                {**cs.pending, "attempt": attempts.get(step_id, 0) + 1, "outputs": {}}
            )
        if spec.sla is not None:
            values["sla"] = self.start_clock(spec.sla, node_id, visit)
        else:
            values["sla"] = None

    def follow(self, node: CompiledNode, edge: Edge | None) -> None:
        if edge is None:
            self.incident(
                "no_edge",
                f"node {node.title!r} ({node.id}) has no edge to leave by",
                node_id=node.id,
            )
            return
        if edge.kind is EdgeKind.GOTO:
            self.v.update(loops=self.v["loops"] + 1)
        self.enter(edge.target, edge)

    def complete(self, node: CompiledNode) -> None:
        spec: EndNode = node.spec  # type: ignore[assignment]  # (kind is "end")
        self.v.update(status=_RUN_COMPLETED, resolution=spec.resolution, finished_at=self.now)
        self.line(
            "run.completed",
            node.id,
            None,
            {"resolution": spec.resolution, "reason": f"reached end {node.title!r}"},
        )

    def incident(
        self, code: str, message: str, *, node_id: str | None, step_id: str | None = None
    ) -> None:
        incident = _new(
            Incident, code=code, message=message, node_id=node_id, step_id=step_id, at=self.now
        )
        self.v.update(status=_RUN_INCIDENT, incident=incident)
        self.note("run.incident", node_id=node_id, step_id=step_id, code=code, reason=message)

    def decide(self, node: CompiledNode) -> None:
        facts = self.facts()
        chosen = None
        checked: list[dict[str, Any]] = []
        explained: list[dict[str, Any]] = []
        for co in node.outcomes:
            if co.condition is None:
                chosen = co
                break
            held, explained = co.condition.judge(facts)
            if held:
                chosen = co
                break
            checked.append(
                {
                    "outcome": co.outcome.id,
                    "why_not": co.condition.summarize(explained, False),
                    "rules": explained,
                }
            )
        if chosen is None:
            chosen = node.default
        if chosen is None:
            self.incident(
                "no_outcome",
                f"no outcome of decision {node.title!r} ({node.id}) held and it has no "
                "default outcome",
                node_id=node.id,
            )
            return
        rules: list[dict[str, Any]] = []
        if chosen.is_default:
            reason = "no outcome held, so the default: " + (
                "; ".join(f"{c['outcome']}: {c['why_not']}" for c in checked) or "none to check"
            )
        elif chosen.condition is None:
            reason = f"outcome {chosen.outcome.label!r} has no condition"
        else:
            rules = explained  # the chosen outcome's, from the loop
            reason = chosen.condition.summarize(rules, True)
        self.line(
            "decision.taken",
            node.id,
            None,
            {
                "outcome": chosen.outcome.id,
                "label": chosen.outcome.label,
                "default": chosen.is_default,
                "reason": reason,
                "rules": rules,
                "not_taken": checked,
            },
        )
        if chosen.edge is None:
            self.incident(
                "no_edge",
                f"outcome {chosen.outcome.id!r} of decision {node.title!r} ({node.id}) has no edge",
                node_id=node.id,
            )
            return
        self.follow(node, chosen.edge)

    # ------------------------------------------------------------------ stages

    def settle_stage(self, node: CompiledNode) -> bool:
        """Start what can start; ``True`` when the stage is finished and left."""
        values = self.v
        if not values["stage_open"]:
            if node.entry is not None:
                facts = self.facts()
                if not node.entry.test(facts):
                    if node.id in self.fresh_nodes:
                        explained = node.entry.explain(facts)
                        self.note(
                            "stage.waiting",
                            node_id=node.id,
                            reason="entry condition does not hold: "
                            + node.entry.summarize(explained, False),
                            rules=explained,
                        )
                    return False
                self.note(
                    "stage.opened",
                    node_id=node.id,
                    reason="entry condition holds: " + node.entry.describe(facts, True),
                )
            values["stage_open"] = True
        if node.exit is not None:
            facts = self.facts()
            if node.exit.test(facts):
                self.exit_early(node, node.exit.describe(facts, True))
                return True
        steps = values["steps"]
        while True:
            facts_now: Facts | None = None
            all_done = True
            active = False
            blocked: list[CompiledStep] = []
            for cs in node.steps:
                st = steps[cs.id]
                status = st.status
                if status is _DONE or status is _SKIPPED or status is _CANCELLED:
                    continue
                all_done = False
                if status is not _PENDING:
                    active = True
                    continue
                if cs.after:
                    for a in cs.after:
                        dep = steps[a].status
                        if not (dep is _DONE or dep is _SKIPPED or dep is _CANCELLED):
                            break
                    else:
                        dep = None
                    if dep is not None:
                        continue
                if cs.entry is not None:
                    if facts_now is None:
                        facts_now = self.facts()
                    if not cs.entry.test(facts_now):
                        blocked.append(cs)
                        continue
                self.launch(cs, st if cs.id in self.owned else self.own(cs.id), retry_of=None)
                active = True
            if all_done:
                self.exit_stage(node)
                return True
            if active or not blocked:
                return False
            # Nothing is under way and these steps' entry conditions do not hold: skip
            # them so the stage can finish (their dependents may start next round).
            facts_now = facts_now or self.facts()
            for cs in blocked:
                st = self.own(cs.id)
                st.__dict__.update(status=_STEP_SKIPPED, finished_at=self.now)
                assert cs.entry is not None
                explained = cs.entry.explain(facts_now)
                self.line(
                    "step.skipped",
                    node.id,
                    cs.id,
                    {
                        "attempt": st.attempt,
                        "reason": "entry condition did not hold when the rest of the stage "
                        "was done: " + cs.entry.summarize(explained, False),
                        "rules": explained,
                    },
                )

    def exit_stage(self, node: CompiledNode) -> None:
        self.stop_stage_clock(node)
        self.line(
            "stage.exited",
            node.id,
            None,
            {"early": False, "reason": "every step finished", "cancelled": []},
        )

    def exit_early(self, node: CompiledNode, why: str) -> None:
        s = self.s
        cancelled: list[str] = []
        for cs in node.steps:
            st = s.steps[cs.id]
            if not _finished(st.status):
                self.cancel_step(
                    cs, self.own(cs.id), f"stage {node.title!r} exit condition held: {why}"
                )
                cancelled.append(cs.id)
        self.stop_stage_clock(node)
        self.note(
            "stage.exited",
            node_id=node.id,
            early=True,
            reason=f"exit condition held: {why}",
            cancelled=cancelled,
        )

    # ------------------------------------------------------------------ steps

    def inputs(self, cs: CompiledStep) -> dict[str, Any]:
        if cs.literal_inputs is not None:
            return dict(cs.literal_inputs)
        facts = self.facts()
        return {
            name: (value if read is None else read(facts)) for name, value, read in cs.input_plan
        }

    def launch(self, cs: CompiledStep, st: StepState, *, retry_of: int | None) -> None:
        """Start an attempt of a step: a fresh one for a retry."""
        run = self.v
        values = st.__dict__
        attempts = run["attempts"]
        if retry_of is not None:
            values["attempt"] = attempts.get(cs.id, 0) + 1
        attempt = values["attempt"]
        attempts[cs.id] = attempt
        now = self.now
        values["tries"] += 1
        values["started_at"] = now
        values["finished_at"] = None
        values["error"] = None
        values["outputs"] = {}
        data: dict[str, Any]
        if cs.interactive:
            spec: InteractiveStep = cs.spec  # type: ignore[assignment]
            key = work_item_key(run["run_id"], cs.id, attempt)
            values["status"] = _STEP_WAITING
            values["work_item_key"] = key
            due = None
            if spec.sla is not None:
                clock = self.start_clock(spec.sla, cs.target, attempt)
                values["sla"] = clock
                due = clock.due_at
            node = self.d.nodes[cs.node_id]
            stage: StageNode = node.spec  # type: ignore[assignment]
            assignment = spec.assignment
            queue = assignment.queue or (None if assignment.agent else stage.owner)
            self.effects.append(
                _new(
                    CreateWorkItem,
                    kind="create_work_item",
                    work_item_key=key,
                    step_id=cs.id,
                    attempt=attempt,
                    title=cs.title,
                    queue=queue,
                    agent=assignment.agent,
                    skills=list(assignment.skills),
                    strategy=assignment.strategy,
                    form=list(spec.form),
                    due_at=due,
                )
            )
            data = {
                "attempt": attempt,
                "work_item_key": key,
                "queue": queue,
                "agent": assignment.agent,
                "due_at": due,
            }
        else:
            inputs = self.inputs(cs)
            values["status"] = _STEP_RUNNING
            data = {"attempt": attempt, "action": cs.action, "inputs": inputs}
            if cs.is_wait:
                due, problem = self.wait_until(inputs)
                if due is None:
                    if retry_of is not None:
                        data["retry_of"] = retry_of
                    self.line("step.started", cs.node_id, cs.id, data)
                    self.fail_step(cs, st, problem, retryable=False)
                    return
                self.effects.append(
                    _new(
                        ScheduleTimer,
                        kind="schedule_timer",
                        timer_key=timer_key(run["run_id"], "wait", cs.target, attempt),
                        due_at=due,
                        purpose="wait",
                        data={"step_id": cs.id, "attempt": attempt},
                    )
                )
                data["until"] = due
            else:
                self.effects.append(
                    _run_step(
                        {
                            "kind": "run_step",
                            "step_id": cs.id,
                            "attempt": attempt,
                            "action": cs.action,
                            "inputs": inputs,
                            "input_types": dict(cs.input_types or {}),
                            "timeout_seconds": cs.timeout_seconds,
                        }
                    )
                )
        if retry_of is not None:
            data["retry_of"] = retry_of
        # line(), inlined: the most frequent log line with step.completed
        self.seq = seq = self.seq + 1
        self.log.append(
            _new_tuple(LogEvent, (seq, now, self.actor, "step.started", cs.node_id, cs.id, data))
        )

    def wait_until(self, inputs: Mapping[str, Any]) -> tuple[datetime | None, str]:
        until = inputs.get("until")
        if until is not None:
            at = parse_datetime(until)
            if at is None:
                return None, f"wait step: 'until' is not a date-time: {until!r}"
            return max(at, self.now), ""
        minutes = inputs.get("duration_minutes")
        if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
            return self.now + timedelta(minutes=minutes), ""
        return None, (
            "wait step needs a positive 'duration_minutes' or an 'until' date-time, "
            f"got {dict(inputs)!r}"
        )

    def finish_step(
        self, cs: CompiledStep, st: StepState, outputs: dict[str, Any], reason: str
    ) -> None:
        values = st.__dict__
        values["status"] = _STEP_DONE
        values["finished_at"] = now = self.now
        values["outputs"] = outputs
        self.v["step_outputs"][cs.id] = outputs
        # line(), inlined: the most frequent log line
        self.seq = seq = self.seq + 1
        self.log.append(
            _new_tuple(
                LogEvent,
                (
                    seq,
                    now,
                    self.actor,
                    "step.completed",
                    cs.node_id,
                    cs.id,
                    {"attempt": values["attempt"], "outputs": outputs, "reason": reason},
                ),
            )
        )

    def fail_step(self, cs: CompiledStep, st: StepState, error: str, *, retryable: bool) -> None:
        spec = cs.spec
        st.__dict__.update(error=error, finished_at=self.now)
        policy = spec.retry if isinstance(spec, BackgroundStep) else None
        if retryable and policy is not None and st.tries < policy.max_attempts:
            delay = policy.backoff(st.tries)
            due = self.now + timedelta(seconds=delay)
            st.__dict__.update(status=_STEP_RETRY_WAIT)
            self.effects.append(
                _new(
                    ScheduleTimer,
                    kind="schedule_timer",
                    timer_key=timer_key(self.v["run_id"], "retry", cs.target, st.attempt),
                    due_at=due,
                    purpose="retry",
                    data={"step_id": cs.id, "attempt": st.attempt},
                )
            )
            self.note(
                "step.failed",
                node_id=cs.node_id,
                step_id=cs.id,
                attempt=st.attempt,
                error=error,
                retry_at=due,
                reason=f"try {st.tries} of {policy.max_attempts} failed; retrying in {delay:g}s",
            )
            return
        st.__dict__.update(status=_STEP_FAILED)
        if not retryable:
            why = "the error is not retryable"
        elif policy is None:
            why = "the step is not retried"
        else:
            why = f"all {policy.max_attempts} tries failed"
        self.note(
            "step.failed",
            node_id=cs.node_id,
            step_id=cs.id,
            attempt=st.attempt,
            error=error,
            reason=why,
        )
        self.incident(
            "step_failed",
            f"step {cs.title!r} ({cs.id}) failed ({why}): {error}",
            node_id=cs.node_id,
            step_id=cs.id,
        )

    def cancel_timer_effect(self, purpose: str, cs: CompiledStep, attempt: int) -> CancelTimer:
        return _new(
            CancelTimer,
            kind="cancel_timer",
            timer_key=timer_key(self.v["run_id"], purpose, cs.target, attempt),
        )

    def cancel_step(self, cs: CompiledStep, st: StepState, reason: str) -> None:
        status = st.status
        if status is _STEP_WAITING and st.work_item_key:
            self.effects.append(
                _new(
                    CancelWorkItem,
                    kind="cancel_work_item",
                    work_item_key=st.work_item_key,
                    reason=reason,
                )
            )
            self.stop_step_clock(cs, st)
        elif status is _STEP_RETRY_WAIT:
            self.effects.append(self.cancel_timer_effect("retry", cs, st.attempt))
        elif status is _STEP_RUNNING and cs.is_wait:
            self.effects.append(self.cancel_timer_effect("wait", cs, st.attempt))
        st.__dict__.update(status=_STEP_CANCELLED, finished_at=self.now)
        self.line(
            "step.cancelled",
            cs.node_id,
            cs.id,
            {"attempt": st.attempt, "was": status.value, "reason": reason},
        )

    # ------------------------------------------------------------------ SLAs

    # One SLA timer is pending per clock at a time: the warning, then (once it fired)
    # the breach. A stage that finishes in time costs one timer and one cancel.

    def sla_timer(self, purpose: str, target: str, n: int, due: datetime) -> None:
        self.effects.append(
            _schedule_timer(
                {
                    "kind": "schedule_timer",
                    "timer_key": timer_key(self.v["run_id"], purpose, target, n),
                    "due_at": due,
                    "purpose": purpose,
                    "data": {"target": target, "n": n},
                },
            )
        )

    def start_clock(self, sla: SLA, target: str, n: int) -> SlaClock:
        """A new SLA clock from now, on its business calendar's working time when it names
        one, and its first timer: the warning, or the breach when it has no warning."""
        now = self.now
        spec = sla.__dict__
        warning = spec["warning_minutes"]
        calendar = self.d.calendars.get(spec["calendar"]) if spec["calendar"] else None
        if calendar is None:
            warning_at = None if warning is None else _after(now, warning)
            due_at = _after(now, spec["target_minutes"])
        else:
            warning_at = None if warning is None else add_business_minutes(calendar, now, warning)
            due_at = add_business_minutes(calendar, now, spec["target_minutes"])
        clock = _sla_clock_of(
            {
                "started_at": now,
                "warning_at": warning_at,
                "due_at": due_at,
                "state": "on_track",
                "stopped_at": None,
            }
        )
        if warning_at is not None and warning_at < due_at:
            purpose, due = "sla_warning", warning_at
        else:
            purpose, due = "sla_breach", due_at
        self.effects.append(
            _schedule_timer(
                {
                    "kind": "schedule_timer",
                    "timer_key": f"{self.v['run_id']}:{purpose}:{target}:{n}",
                    "due_at": due,
                    "purpose": purpose,
                    "data": {"target": target, "n": n},
                },
            )
        )
        return clock

    def stop_clock(self, clock: SlaClock, target: str, n: int) -> SlaClock:
        """The running ``clock`` stopped now, its pending timer cancelled."""
        values = clock.__dict__
        state = values["state"]
        if state != "breached":
            warning_at = values["warning_at"]
            purpose = (
                "sla_warning"
                if state == "on_track" and warning_at is not None and warning_at < values["due_at"]
                else "sla_breach"
            )
            self.effects.append(
                _cancel_timer(
                    {
                        "kind": "cancel_timer",
                        "timer_key": f"{self.v['run_id']}:{purpose}:{target}:{n}",
                    }
                )
            )
        return _sla_clock_of({**values, "stopped_at": self.now})

    def mark_sla(self, clock: SlaClock, purpose: str, target: str, n: int) -> SlaClock | None:
        """The clock marked at the timer's level, or ``None`` for a repeated delivery."""
        level = "at_risk" if purpose == "sla_warning" else "breached"
        if _LEVEL[level] <= _LEVEL[clock.state]:
            self.note(
                "event.ignored",
                node_id=self.v["node_id"],
                event="timer_fired",
                reason=f"the SLA is already {clock.state}",
            )
            return None
        if level == "at_risk":
            self.sla_timer("sla_breach", target, n, clock.due_at)
        return _with(clock, state=level)

    def stop_stage_clock(self, node: CompiledNode) -> None:
        values = self.v
        clock = values["sla"]
        if clock is None or clock.stopped_at is not None:
            return
        values["sla"] = self.stop_clock(clock, node.id, values["visits"][node.id])

    def stop_step_clock(self, cs: CompiledStep, st: StepState) -> None:
        values = st.__dict__
        clock = values["sla"]
        if clock is None or clock.stopped_at is not None:
            return
        values["sla"] = self.stop_clock(clock, cs.target, values["attempt"])

    def stage_sla(self, purpose: str) -> None:
        s = self.s
        clock = s.sla
        node_id = s.node_id
        if clock is None or clock.stopped_at is not None:
            self.note(
                "event.ignored",
                node_id=node_id,
                event="timer_fired",
                reason="the stage's SLA clock is not running",
            )
            return
        assert node_id is not None
        marked = self.mark_sla(clock, purpose, node_id, s.visits[node_id])
        if marked is None:
            return
        self.v.update(sla=marked)
        spec = self.d.nodes[node_id].spec
        assert isinstance(spec, StageNode) and spec.sla is not None
        self.note(
            f"sla.{marked.state}",
            node_id=node_id,
            target_minutes=spec.sla.target_minutes,
            elapsed_minutes=_minutes(self.now - clock.started_at),
            reason=f"stage SLA {'warning' if marked.state == 'at_risk' else 'target'} reached",
        )

    def step_sla(self, cs: CompiledStep, st: StepState, purpose: str) -> None:
        clock = st.sla
        spec = cs.spec
        if clock is None or not isinstance(spec, InteractiveStep) or spec.sla is None:
            self.note(
                "event.ignored",
                node_id=cs.node_id,
                step_id=cs.id,
                event="timer_fired",
                reason="the step has no SLA clock running",
            )
            return
        marked = self.mark_sla(clock, purpose, cs.target, st.attempt)
        if marked is None:
            return
        st.__dict__.update(sla=marked)
        self.note(
            f"sla.{marked.state}",
            node_id=cs.node_id,
            step_id=cs.id,
            attempt=st.attempt,
            target_minutes=spec.sla.target_minutes,
            elapsed_minutes=_minutes(self.now - clock.started_at),
            reason=f"step SLA {'warning' if marked.state == 'at_risk' else 'target'} reached",
        )


_APPLY: dict[str, Callable[[_Run, Any], None]] = {
    "step_completed": _Run.step_completed,
    "work_item_completed": _Run.work_item_completed,
    "case_updated": _Run.case_updated,
    "step_failed": _Run.step_failed,
    "timer_fired": _Run.timer_fired,
}
