"""A run's state moved to the target version, and what the store must do with its work.

:func:`migrate_state` is the one rule, used by the move and by replay alike: the same
state and plan give the same moved state (it reads no clock; every clock keeps its
start). Open work items, timers and outbox entries are the store's: this module says
what becomes of each (kept, re-keyed, withdrawn, issued again) and the store does it in
the run's transaction.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from graphs.model import InteractiveStep
from runtime.engine.definition import WAIT_ACTION
from runtime.engine.timers import timer_key, work_item_key
from runtime.engine.types import (
    FINISHED_STEP_STATUSES,
    RunState,
    StepState,
    StepStatus,
)
from runtime.versions.clocks import TimerMove, held_timer, moved_clock, step_timer
from runtime.versions.decide import Fate, InFlight, RunDecision, decide
from runtime.versions.plan import FormFit, NodeMove, Plan, StepMove

__all__ = ["ItemMove", "Moved", "TimerMove", "in_flight", "migrate_state"]


@dataclass(frozen=True, slots=True)
class ItemMove:
    """An open work item kept (with the target's form), withdrawn, or issued again."""

    old_key: str
    new_key: str | None  #: same as ``old_key`` when kept; None when withdrawn
    step_id: str
    attempt: int
    title: str | None = None
    form: list[dict[str, Any]] | None = None  #: the target's form, when it changed
    retimed: bool = False  #: its step's SLA clock was re-timed: ``due_at`` is the new due
    due_at: datetime | None = None


@dataclass(slots=True)
class Moved:
    """The moved state and the store's share of the work."""

    state: RunState
    decision: RunDecision
    items: list[ItemMove] = field(default_factory=list)
    timers: list[TimerMove] = field(default_factory=list)
    #: outbox keys (``<run>:<step>:<attempt>``) of background attempts superseded
    superseded: list[str] = field(default_factory=list)
    #: steps that start fresh: the engine should settle the stage right after
    settle: bool = False
    #: source steps that had work under way (not pending, not finished)
    before_open: frozenset[str] = frozenset()


def _renamed(values: Mapping[str, int], rename: Any, *, merge: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in values.items():
        new = rename(key)
        out[new] = merge(out[new], value) if new in out else value
    return out


def _is_wait(move: StepMove) -> bool:
    # The engine's test (``CompiledStep.is_wait``), on the step before it is compiled.
    return getattr(move.source, "action", "") == WAIT_ACTION


def _withdraw(run_id: str, st: StepState, move: StepMove, node: NodeMove, out: Moved) -> None:
    """Supersede what a restarted attempt had under way: its timer or its outbox entry."""
    target = f"{node.source_id}.{move.source_id}"
    purpose = held_timer(st, _is_wait(move))
    if purpose is not None:
        out.timers.append(TimerMove(timer_key(run_id, purpose, target, st.attempt), None, purpose))
    elif st.status is StepStatus.RUNNING:
        out.superseded.append(f"{run_id}:{move.source_id}:{st.attempt}")
    if st.work_item_key is not None and st.status is StepStatus.WAITING:
        out.items.append(ItemMove(st.work_item_key, None, move.source_id, st.attempt))
    moved_clock(
        st.sla, move.sla[0], None, started=None, calendars={}, timers=out.timers,
        old=(run_id, target, st.attempt), new=("", "", 0),
    )  # fmt: skip


def _open_item(plan: Plan, run_id: str, st: StepState, move: StepMove, node: NodeMove,
               fate: Fate, attempt: int, out: Moved) -> StepState:  # fmt: skip
    """An open work item kept, or issued again under the target step's key."""
    target = move.target
    assert isinstance(target, InteractiveStep)
    tid = move.target_id
    key = work_item_key(run_id, tid, attempt)
    same_form = move.form_fit is FormFit.SAME and fate is Fate.ITEM_CARRIED
    form = None if same_form else [f.model_dump(mode="json") for f in target.form]
    clock = moved_clock(
        st.sla, move.sla[0], move.sla[1], started=st.started_at, calendars=plan.calendars,
        old=(run_id, f"{node.source_id}.{move.source_id}", st.attempt),
        new=(run_id, f"{node.target_id}.{tid}", attempt), timers=out.timers,
    )  # fmt: skip
    due = None if clock is None else clock.due_at
    retimed = due != (None if st.sla is None else st.sla.due_at)
    out.items.append(
        ItemMove(st.work_item_key or key, key, tid, attempt, target.name or tid, form, retimed, due)
    )
    return replace(st, step_id=tid, attempt=attempt, work_item_key=key, sla=clock)


def _move_steps(
    plan: Plan, state: RunState, node: NodeMove, out: Moved, attempts: dict[str, int]
) -> dict[str, StepState]:
    run_id = state.run_id
    steps: dict[str, StepState] = {}
    for sid, st in state.steps.items():
        fate = out.decision.fates[sid]
        move = node.steps.get(sid)
        if fate is Fate.DROPPED or move is None or move.target is None:
            # A pending step dropped may have been all the stage waited for.
            out.settle = out.settle or st.status not in FINISHED_STEP_STATUSES
            continue
        tid = move.target_id
        fresh = attempts.get(tid, 0) + 1
        if fate is Fate.CARRIED:
            if tid != sid:
                update: dict[str, Any] = {"step_id": tid}
                if st.status is StepStatus.PENDING:
                    update["attempt"] = fresh
                st = replace(st, **update)
            stages = (node.source_id, sid), (node.target_id or "", tid)
            out.timers.extend(step_timer(run_id, st, _is_wait(move), *stages))
            steps[tid] = st
        elif fate is Fate.RESTARTED or fate is Fate.ITEM_CANCELLED:
            _withdraw(run_id, st, move, node, out)
            steps[tid] = StepState(step_id=tid, attempt=fresh)
            out.settle = True
        else:
            attempt = st.attempt if fate is Fate.ITEM_CARRIED else fresh
            steps[tid] = _open_item(plan, run_id, st, move, node, fate, attempt, out)
            attempts[tid] = max(attempts.get(tid, 0), attempt)
    for tid in node.added:
        if tid not in steps:
            steps[tid] = StepState(step_id=tid, attempt=attempts.get(tid, 0) + 1)
            out.settle = True
    return steps


def in_flight(moved: Moved) -> InFlight:
    """What the move did to the run's work under way, counted."""
    counts = InFlight()
    for sid, fate in moved.decision.fates.items():
        if (fate is Fate.CARRIED and sid in moved.before_open) or fate in _KEPT_ITEMS:
            counts.steps_carried += 1
        elif fate is Fate.RESTARTED or fate is Fate.ITEM_CANCELLED:
            counts.steps_restarted += 1
        counts.work_items_carried += fate is Fate.ITEM_CARRIED
        counts.work_items_reissued += fate is Fate.ITEM_REISSUED
        counts.work_items_cancelled += fate is Fate.ITEM_CANCELLED
    counts.timers_rescheduled = sum(1 for t in moved.timers if t.new_key is not None)
    return counts


_KEPT_ITEMS = frozenset({Fate.ITEM_CARRIED, Fate.ITEM_REISSUED})


def migrate_state(plan: Plan, state: RunState) -> Moved:
    """``state`` moved to ``plan``'s target version: one rule for the move and replay.

    The moved state's ``seq`` counts the ``run.migrated`` log line. Raises ``ValueError``
    for a run the plan cannot move (:func:`~runtime.versions.decide.decide` says which).
    """
    decision = decide(plan, state)
    if decision.problem is not None or state.node_id is None:
        raise ValueError(f"run {state.run_id} cannot move: {decision.problem}")
    node = plan.nodes[state.node_id]
    target_id = node.target_id or state.node_id
    out = Moved(state, decision)
    out.before_open = frozenset(
        sid for sid, st in state.steps.items() if st.status not in FINISHED_STEP_STATUSES
        and st.status is not StepStatus.PENDING
    )  # fmt: skip
    attempts = _renamed(state.attempts, plan.step_of, merge=max)
    visits = _renamed(state.visits, plan.node_of, merge=lambda a, b: a + b)
    update: dict[str, Any] = {
        "version": plan.to_version,
        "node_id": target_id,
        "visits": visits,
        "step_outputs": {plan.step_of(k): v for k, v in state.step_outputs.items()},
        "seq": state.seq + 1,
    }
    if node.is_stage:
        update["steps"] = _move_steps(plan, state, node, out, attempts)
        update["sla"] = moved_clock(
            state.sla, node.source_sla, node.target_sla, started=state.node_entered_at,
            old=(state.run_id, node.source_id, state.visits.get(node.source_id, 0)),
            new=(state.run_id, target_id, visits.get(target_id, 0)),
            calendars=plan.calendars, timers=out.timers,
        )  # fmt: skip
    update["attempts"] = attempts
    if state.incident is not None:
        incident = state.incident
        update["incident"] = replace(
            incident,
            node_id=None if incident.node_id is None else plan.node_of(incident.node_id),
            step_id=None if incident.step_id is None else plan.step_of(incident.step_id),
        )
    rules = {rule.id for rule in plan.target.escalations}
    update["escalations"] = {
        rule: f"{plan.node_of(fired.rpartition(':')[0])}:{fired.rpartition(':')[2]}"
        for rule, fired in state.escalations.items()
        if rule in rules
    }
    out.state = state.model_copy(update=update)
    return out
