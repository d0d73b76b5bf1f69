"""One run moved to another version, in the caller's transaction (the run locked).

The pure move (:func:`runtime.versions.migrate_state`) says what becomes of the run's
state and work; this module writes it: the snapshot on the new version, the stored input
event (``run_migrated``, so replay repeats the move), the ``run.migrated`` log line
(published after commit like the engine's), the open work items kept, re-keyed or
withdrawn, the timers re-keyed, and background attempts superseded in the outbox.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session

from runtime.engine.state_migrations import stamp_event
from runtime.engine.types import CaseUpdated, LogEvent, LogKind, RunStatus, log_json
from runtime.routing import item_closed
from runtime.services.local_effects import publish_lines
from runtime.services.run_events import apply_event, snapshot_columns
from runtime.store import state_cache
from runtime.store import statements as sql
from runtime.store.after_commit import TIMERS_WRITTEN
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedCase, LockedRun, written
from runtime.store.routing_tables import WorkRoutingRow
from runtime.store.tables import (
    OutboxRow,
    OutboxStatus,
    RunRow,
    TimerStatus,
    WorkItemRow,
    WorkItemStatus,
)
from runtime.versions import ItemMove, Moved, Plan, TimerMove, in_flight
from runtime.versions.replay import migrated_data

__all__ = ["write_moved"]

_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_routing = WorkRoutingRow.__table__  # type: ignore[attr-defined]
#: a background attempt's delivery that never started, superseded by the move
_SUPERSEDE = (
    update(_outbox)
    .where(
        _outbox.c.idempotency_key == bindparam("_key"),
        _outbox.c.status == str(OutboxStatus.PENDING),
    )
    .values(status=str(OutboxStatus.DONE), done_at=bindparam("_now"), last_error=bindparam("_why"))
)
_ROUTING_DUE = update(_routing).where(_routing.c.key == bindparam("_key"))


def write_moved(
    session: Session,
    *,
    plan: Plan,
    run: LockedRun,
    case: LockedCase,
    moved: Moved,
    by: str,
    reason: str,
    now: datetime,
) -> None:
    """Persist ``moved`` for the locked ``run``; settle its stage when steps start fresh."""
    state = moved.state
    run.inputs += 1
    values = {
        "version": plan.to_version,
        **snapshot_columns(state),
        "inputs": run.inputs,
        "updated_at": now,
    }
    sql.write(session, sql.UPDATE_RUN, [{"_id": run.id, **values}])
    written(session, RunRow, run.id, values)
    for name, value in values.items():
        if name != "state":
            setattr(run, name, value)
    run.run_state = state
    state_cache.keep_after_commit(session, run.id, run.inputs, state)
    event = migrated_data(plan, by=by, reason=reason)
    stamp_event(event)
    sql.write(
        session,
        sql.INSERT_RUN_INPUT,
        [{"run_id": run.id, "n": run.inputs, "at": now, "event": event, "seq": state.seq}],
    )
    counts = in_flight(moved)
    data = {
        "from_version": plan.from_version,
        "to_version": plan.to_version,
        "mapping": dict(plan.mapping),
        "by": by,
        "reason": reason,
        "from_node": moved.decision.source_node,
        "steps": {sid: str(fate) for sid, fate in moved.decision.fates.items()},
        "in_flight": asdict(counts),
    }
    line = LogEvent(
        seq=state.seq, at=now, actor=by, kind=str(LogKind.RUN_MIGRATED), node_id=state.node_id,
        step_id=None, data=data,
    )  # fmt: skip
    sql.write(session, sql.INSERT_RUN_EVENTS, [{"run_id": run.id, **asdict(line)}])
    for item in moved.items:
        _move_item(session, run=run, item=item, to_version=plan.to_version, now=now)
    for timer in moved.timers:
        _move_timer(session, run_id=run.id, timer=timer, now=now)
    why = f"superseded: run moved to version {plan.to_version}"
    superseded = [{"_key": key, "_now": now, "_why": why} for key in moved.superseded]
    if superseded:
        sql.write(session, _SUPERSEDE, superseded)
    # Published after commit like the engine's lines: the case page follows the move.
    publish_lines(session, run, "run.updated", [log_json(line)], {}, 1, now)
    if moved.settle and state.status is RunStatus.RUNNING:
        # Steps that start fresh (new in the target, or restarted) start now, and a stage
        # whose last open step was dropped is left, as after any change of the case.
        fields = dict(case.fields)
        apply_event(
            session, run=run, case=case, now=now,
            event=CaseUpdated(case=fields, previous=fields, actor=by),
        )  # fmt: skip


def _move_item(
    session: Session, *, run: LockedRun, item: ItemMove, to_version: int, now: datetime
) -> None:
    changed: dict[str, Any] = {}
    if item.form is not None:
        changed.update(form=item.form, title=item.title)
    if item.retimed:
        changed.update(due_at=item.due_at)
    if item.new_key == item.old_key:
        # Kept under its key and holder: the target's form and due time when they changed.
        if changed:
            sql.write(session, sql.UPDATE_WORK_ITEM, [{"_key": item.old_key, **changed}])
            written(session, WorkItemRow, item.old_key, changed)
        if item.retimed:
            sql.write(session, _ROUTING_DUE, [{"_key": item.old_key, "due_at": item.due_at}])
        return
    moved_to = f"run moved to version {to_version}" + (
        "" if item.new_key is None else f": issued again as {item.new_key}"
    )
    old = session.get(WorkItemRow, item.old_key)
    sql.write(session, sql.CANCEL_WORK_ITEM, [{"_key": item.old_key, "_reason": moved_to}])
    was_open = old is not None and old.status == WorkItemStatus.OPEN
    cancelled = {"status": str(WorkItemStatus.CANCELLED), "cancel_reason": moved_to}
    written(session, WorkItemRow, item.old_key, cancelled)
    if item.new_key is None or old is None or not was_open:
        item_closed(session, key=item.old_key, outcome="cancelled", now=now)
        return
    # Issued again to whoever held it: the holder's load does not change, so routing
    # hands nothing on; the routing facts move to the new key with it.
    item_closed(session, key=item.old_key, outcome="cancelled", now=now, holder=None)
    fresh = old.model_dump()
    fresh.update(key=item.new_key, step_id=item.step_id, attempt=item.attempt,
                 status=str(WorkItemStatus.OPEN), cancel_reason=None, **changed)  # fmt: skip
    session.add(WorkItemRow(**fresh))
    routing = session.get(WorkRoutingRow, item.old_key)
    if routing is not None:
        facts = routing.model_dump()
        facts.update(key=item.new_key, step_id=item.step_id, node_id=run.node_id,
                     closed_at=None, outcome="open", completed_by=None,
                     due_at=fresh["due_at"])  # fmt: skip
        facts["waiting"] = old.assignee is None
        session.add(WorkRoutingRow(**facts))
    session.flush()


def _move_timer(session: Session, *, run_id: str, timer: TimerMove, now: datetime) -> None:
    due = timer.due_at
    if timer.old_key is not None:
        old = sql.read_first(session, sql.LOCK_PENDING_TIMER, {"_key": timer.old_key})
        sql.write(session, sql.CANCEL_TIMER, [{"_key": timer.old_key}])
        if due is None:
            if old is None:
                return  # it fired meanwhile: nothing left to carry
            due = old[0]
    if timer.new_key is None or due is None:
        return
    values = {
        "key": timer.new_key, "run_id": run_id, "due_at": due, "purpose": str(timer.purpose),
        "data": dict(timer.data), "status": str(TimerStatus.PENDING), "created_at": now,
        "fired_at": None,
    }  # fmt: skip
    sql.write(session, sql.upsert_timer(dialect_of(session).insert), [values])
    earliest = session.info.get(TIMERS_WRITTEN)
    if earliest is None or due < earliest:
        session.info[TIMERS_WRITTEN] = due  # a watching worker knows when to look
