"""The pure transition: ``(definition, run state, event, now) -> (state, effects, log)``.

No clock, database, network or randomness: time arrives as ``now``, ids are derived
from the run id, step id and attempt, and the latest case record arrives inside
``CaseCreated``/``CaseUpdated``. The input state is never mutated.

This module is the entry point and replay; the rest of the engine is split along its
seams (see ``runtime/README.md`` for the semantics):

- :mod:`~runtime.engine.working`: the working copy of a run (own, note, facts, result);
- :mod:`~runtime.engine.walk`: moving the one token (enter, follow, decide);
- :mod:`~runtime.engine.stages` and :mod:`~runtime.engine.steps`: what happens at a stage;
- :mod:`~runtime.engine.clocks`: SLA clocks; :mod:`~runtime.engine.escalation`: rules;
- :mod:`~runtime.engine.events` and :mod:`~runtime.engine.admin`: the events applied;
- :mod:`~runtime.engine.lifecycle`: every status change, as one table per lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from runtime.engine.admin import admin
from runtime.engine.definition import CompiledWorkflow
from runtime.engine.errors import InvalidEventError
from runtime.engine.escalation import escalate
from runtime.engine.events import apply
from runtime.engine.timers import timer_key, work_item_key
from runtime.engine.types import (
    RUN_STATE_SCHEMA_VERSION,
    CaseCreated,
    Event,
    LogKind,
    RunIdentity,
    RunState,
    Transition,
)
from runtime.engine.walk import advance, enter
from runtime.engine.working import WorkingRun

__all__ = ["identity_of", "replay", "timer_key", "transition", "work_item_key"]


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
        run = WorkingRun(definition, _new_state(identity, event, now), now, event.actor, fresh=True)
        _start(run, event)
    else:
        run = WorkingRun(definition, state, now, event.actor)
        # Dispatched on the kind tag, as ``apply`` does (an isinstance on a pydantic
        # model goes through its metaclass: ~1% of the engine).
        if event.kind == "admin" and not run.s.status.over:
            admin(run, event)
        else:
            apply(run, event)
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
    return RunState(
        schema_version=RUN_STATE_SCHEMA_VERSION,
        run_id=identity.run_id,
        workflow_id=identity.workflow_id,
        version=identity.version,
        case_id=identity.case_id,
        case=dict(event.case),
        started_at=now,
    )


def _start(run: WorkingRun, event: CaseCreated) -> None:
    s = run.s
    run.note_data(
        LogKind.RUN_STARTED,
        None,
        None,
        {
            "workflow_id": s.workflow_id,
            "version": s.version,
            "case_id": s.case_id,
            "case": dict(event.case),
        },
    )
    enter(run, run.d.start_id)
    advance(run)
    if run.d.escalation.rules:
        escalate(run)
