"""Routing against the store: assign new work items, drain waiting ones, pull, reassign.

The choices themselves are pure (:mod:`runtime.routing.choose`); this module reads
agents, queues and loads from the caller's session, asks for a decision, and writes
the outcome: the work item's assignee, its ``work_routing`` row and one ``assignment``
row per decision with the candidates and why each was passed over.

Loads are read from ``work_item`` itself (open items per assignee), so whatever closes
an item (completion, cancellation, a finished run) frees capacity without bookkeeping
here; :func:`item_closed` then gives the freed room to the best waiting item at once.

Concurrency: the agents an assignment may go to are locked (``FOR UPDATE``, by id
order) before their loads are read, so two transactions never both fill an agent's
last slot; on SQLite the write transaction itself serialises writers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import Session, col, select

from runtime.engine.types import CreateWorkItem
from runtime.live import INBOX_CHANGED
from runtime.routing.choose import AgentView, Decision, ItemView, choose, passed_over
from runtime.routing.presence import agent_view
from runtime.routing.rework import back_to, previous_attempt
from runtime.routing.waiting_line import waiting_line
from runtime.store import statements as sql
from runtime.store.after_commit import publish_after_commit
from runtime.store.records import written
from runtime.store.routing_tables import AgentRow, AssignmentRow, QueueRow, WorkRoutingRow
from runtime.store.tables import RunRow, WorkItemRow, WorkItemStatus

__all__ = [
    "PRIORITY_OF_CASE",
    "agent_views",
    "assign_open",
    "choose_assignee",
    "drain",
    "item_closed",
    "loads",
    "record_assignment",
]

#: Routing priority from a case's ``priority`` field, when it has one of these values.
PRIORITY_OF_CASE = {"low": 0, "normal": 1, "medium": 1, "high": 2, "urgent": 3, "critical": 3}

#: Waiting items looked at per drain: enough for any realistic burst of freed capacity.
DRAIN_LIMIT = 500


_routing = WorkRoutingRow.__table__  # type: ignore[attr-defined]
_INSERT_ROUTING = insert(_routing)
_INSERT_ASSIGNMENT = insert(AssignmentRow.__table__)  # type: ignore[attr-defined]
_QUEUE_EXISTS = select(QueueRow.name).where(QueueRow.name == bindparam("_name"))
#: A new item's routing facts besides what choose_assignee knows (the columns' defaults:
#: a statement on the driver fills no defaults).
_NEW_ROUTING: dict[str, Any] = {
    "weight": 1, "waiting": True, "assignee": None, "first_assigned_at": None,
    "first_assignee": None, "assigned_at": None, "assignments": 0, "reassignments": 0,
    "manual_reassignments": 0, "closed_at": None, "outcome": "open", "completed_by": None,
}  # fmt: skip
#: Close an item's routing facts, once.
_CLOSE_ROUTING = update(_routing).where(
    _routing.c.key == bindparam("_key"), _routing.c.outcome == "open"
)


def _run_of(key: str) -> str:
    return key.rsplit(":", 2)[0]


def loads(session: Session, agent_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Open items and load points held by each agent: ``{agent: (items, points)}``."""
    ids = list(agent_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(
            WorkItemRow.assignee,
            func.count(),
            func.coalesce(func.sum(func.coalesce(WorkRoutingRow.weight, 1)), 0),
        )
        .select_from(WorkItemRow)
        .join(WorkRoutingRow, col(WorkRoutingRow.key) == col(WorkItemRow.key), isouter=True)
        .where(col(WorkItemRow.status) == WorkItemStatus.OPEN, col(WorkItemRow.assignee).in_(ids))
        .group_by(col(WorkItemRow.assignee))
    ).all()
    return {str(agent): (int(n), int(points)) for agent, n, points in rows}


def agent_views(
    session: Session, members: Sequence[str], now: datetime, *, lock: bool = False
) -> list[AgentView]:
    """Routing's view of ``members`` (in that order; unknown ids are left out)."""
    if not members:
        return []
    query = select(AgentRow).where(col(AgentRow.id).in_(list(members)))
    if lock:
        query = query.order_by(col(AgentRow.id)).with_for_update()
    rows = {row.id: row for row in session.exec(query).all()}
    held = loads(session, rows)
    views = []
    for member in members:
        row = rows.get(member)
        if row is not None:
            open_items, load = held.get(member, (0, 0))
            views.append(agent_view(row, row.availability, now, open_items=open_items, load=load))
    return views


def _item_view(item: WorkItemRow, routing: WorkRoutingRow | None) -> ItemView:
    return ItemView(
        key=item.key,
        skills=tuple(item.skills or ()),
        weight=routing.weight if routing else 1,
        priority=routing.priority if routing else 0,
        due_at=item.due_at,
        created_at=item.created_at,
    )


def record_assignment(
    session: Session,
    *,
    key: str,
    queue: str | None,
    agent: str | None,
    previous: str | None,
    now: datetime,
    kind: str,
    reason: str,
    actor: str = "system",
    decision: Decision | None = None,
) -> None:
    """Write one ``assignment`` row and keep the item's routing counters in step."""
    sql.write(
        session,
        _INSERT_ASSIGNMENT,
        [
            {
                "work_item_key": key,
                "run_id": _run_of(key),
                "queue": queue,
                "agent": agent,
                "previous": previous,
                "at": now,
                "kind": kind,
                "strategy": decision.strategy if decision else None,
                "actor": actor,
                "reason": reason,
                "decision": decision.as_dict() if decision else {},
            }
        ],
    )
    # The inboxes that changed hear of it once this commits (the agent's "My work"
    # refreshes at once instead of at its next poll).
    run_id = _run_of(key)
    changed = [who for who in (agent, previous) if who is not None] if agent != previous else []
    for who in changed:
        publish_after_commit(
            session,
            run_id=run_id,
            topic=INBOX_CHANGED,
            data={"run_id": run_id, "agent_id": who, "work_item_key": key},
            idempotency_key=f"{key}:inbox:{who}:{uuid.uuid4().hex}",
            now=now,
        )
    routing = session.get(WorkRoutingRow, key) if agent != previous else None
    if routing is not None:
        routing.assignee = agent
        routing.waiting = agent is None and routing.outcome == "open"
        if agent is not None:
            routing.assignments += 1
            routing.assigned_at = now
            if routing.first_assigned_at is None:
                routing.first_assigned_at = now
                routing.first_assignee = agent
        if previous is not None:
            routing.reassignments += 1
            if kind == "manual":
                routing.manual_reassignments += 1
        session.add(routing)


class RunPlace(Protocol):
    """Where a run stands, as routing records it with an item (a run row or record)."""

    case_id: str
    workflow_id: str
    node_id: str | None


def _queue_strategy(queue: QueueRow | None, wanted: str | None) -> str:
    if wanted:
        return str(wanted)
    return queue.strategy if queue is not None else "round_robin"


def choose_assignee(
    session: Session,
    *,
    item: CreateWorkItem,
    case: Mapping[str, Any],
    now: datetime,
    run: RunPlace | None = None,
    prefer_previous: bool = True,
) -> str | None:
    """The agent to give the new ``item`` to, or ``None`` to leave it waiting in its queue.

    Called by the store inside the transaction that creates the work item; records the
    decision (``assignment``) and the item's routing facts (``work_routing``). ``run``:
    the item's run as the caller holds it (read from the store when not given).

    Rework: an item of a later attempt (the run came back to the step) goes first to the
    agent who completed the previous attempt, while they are available, have the skills
    and have room; otherwise routing chooses as usual and the record says why not.
    ``prefer_previous`` (the step's ``assignment.prefer_previous_agent``) turns it off.
    """
    if run is None:
        run = session.get(RunRow, _run_of(item.work_item_key))
    # Most items name a queue that is set up; one that is not costs a cheap read, not
    # an ORM load that finds nothing.
    exists = item.queue and sql.read_first(session, _QUEUE_EXISTS, {"_name": item.queue})
    queue = session.get(QueueRow, item.queue) if exists else None
    strategy = _queue_strategy(queue, item.strategy)
    priority = PRIORITY_OF_CASE.get(str(case.get("priority", "")).lower(), 0)
    # The store creates an item (and so its routing row) once per key: it checks that
    # the item does not exist before it routes it.
    sql.write(
        session,
        _INSERT_ROUTING,
        [
            {
                **_NEW_ROUTING,
                "key": item.work_item_key,
                "run_id": _run_of(item.work_item_key),
                "case_id": run.case_id if run else "",
                "workflow_id": run.workflow_id if run else "",
                "node_id": run.node_id if run else None,
                "step_id": item.step_id,
                "queue": item.queue,
                "skills": list(item.skills),
                "strategy": strategy,
                "priority": priority,
                "due_at": item.due_at,
                "created_at": now,
            }
        ],
    )

    def routed(
        agent: str | None, reason: str, queue: str | None, decision: Decision | None = None
    ) -> str | None:
        # Every routing choice, even "wait", is recorded with its reason.
        record_assignment(
            session, key=item.work_item_key, queue=queue, agent=agent, previous=None, now=now,
            kind="route", reason=reason, decision=decision,
        )  # fmt: skip
        return agent

    if item.agent:
        return routed(
            item.agent, f"the step names agent {item.agent!r}, bypassing routing", item.queue
        )
    view = ItemView(
        key=item.work_item_key,
        skills=tuple(item.skills),
        priority=priority,
        due_at=item.due_at,
        created_at=now,
    )
    not_back = ""
    if prefer_previous and item.attempt > 1:
        back, not_back = _back_to_previous(session, item, view, now)
        if back is not None:
            return routed(back.agent, back.reason, item.queue, back)
    if queue is None:
        waits = (
            f"queue {item.queue!r} is not set up (no members); the item waits"
            if item.queue
            else "the step names no queue; the item waits"
        )
        return routed(None, not_back + waits, item.queue)
    agents = agent_views(session, queue.members, now, lock=True)
    decision = choose(view, agents, strategy, last=queue.last_assigned)
    routed(decision.agent, not_back + decision.reason, queue.name, decision)
    if decision.agent is not None:
        queue.last_assigned = decision.agent
        session.add(queue)
    return decision.agent


def _back_to_previous(
    session: Session, item: CreateWorkItem, view: ItemView, now: datetime
) -> tuple[Decision | None, str]:
    """Rework (:mod:`runtime.routing.rework`): the decision giving ``item`` back to the
    agent who did the step's previous attempt, or ``None`` and why not."""
    found = previous_attempt(
        session, run_id=_run_of(item.work_item_key), step_id=item.step_id, attempt=item.attempt
    )
    views = agent_views(session, [found[0]], now, lock=True) if found else []
    if found is None or not views:
        return None, ""  # nobody did it, or not an agent (an admin, a script): as usual
    return back_to(views[0], view, attempt=found[1])


def assign_open(session: Session, key: str, agent: str) -> bool:
    """Give an open, unassigned item to ``agent``; ``False`` if someone was quicker."""
    result = session.execute(
        update(WorkItemRow)
        .where(
            col(WorkItemRow.key) == key,
            col(WorkItemRow.status) == WorkItemStatus.OPEN,
            col(WorkItemRow.assignee).is_(None),
        )
        .values(assignee=agent)
    )
    return bool(getattr(result, "rowcount", 0))


def drain(
    session: Session,
    *,
    now: datetime,
    queues: Iterable[str] | None = None,
    agents: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Assign waiting items of ``queues`` (or of every queue ``agents`` belong to).

    Items go in line order (priority class, SLA due time, age), each to the agent its
    queue's strategy picks among those with room; pull-next queues are left to agents.
    Returns the ``(item key, agent)`` pairs assigned.
    """
    all_queues = {q.name: q for q in session.exec(select(QueueRow)).all()}
    names: set[str] = set(queues or ())
    if agents is not None:
        wanted = set(agents)
        names |= {q.name for q in all_queues.values() if wanted & set(q.members)}
    chosen = [all_queues[n] for n in sorted(names) if n in all_queues]
    chosen = [q for q in chosen if q.strategy != "pull_next" and q.members]
    if not chosen:
        return []
    rows = waiting_line(session, [q.name for q in chosen], limit=DRAIN_LIMIT)
    if not rows:
        return []
    by_name = {q.name: q for q in chosen}
    members = sorted({m for q in chosen for m in q.members})
    views = {v.id: v for v in agent_views(session, members, now, lock=True)}
    assigned: list[tuple[str, str]] = []
    for item, routing in rows:
        if not any(v.available and v.has_room() for v in views.values()):
            break
        queue = by_name[str(item.queue)]
        strategy = routing.strategy if routing is not None else queue.strategy
        if strategy == "pull_next":
            continue
        line = [views[m] for m in queue.members if m in views]
        decision = choose(_item_view(item, routing), line, strategy, last=queue.last_assigned)
        if decision.agent is None or not assign_open(session, item.key, decision.agent):
            continue
        record_assignment(
            session,
            key=item.key,
            queue=queue.name,
            agent=decision.agent,
            previous=None,
            now=now,
            kind="drain",
            reason="capacity freed: " + decision.reason,
            decision=decision,
        )
        queue.last_assigned = decision.agent
        session.add(queue)
        winner = views[decision.agent]
        views[decision.agent] = replace(
            winner,
            open_items=winner.open_items + 1,
            load=winner.load + (routing.weight if routing else 1),
        )
        assigned.append((item.key, decision.agent))
    return assigned


#: ``item_closed``'s ``holder`` when the caller does not know it: read from the item.
_READ_HOLDER = object()


def item_closed(
    session: Session,
    *,
    key: str,
    outcome: str,
    now: datetime,
    actor: str | None = None,
    holder: str | object | None = _READ_HOLDER,
) -> list[tuple[str, str]]:
    """Note that a work item was completed or cancelled, and hand the freed room on.

    ``holder``: the agent who held the item (``None``: its queue), when the caller has
    the item at hand; otherwise it is read.
    """
    closed = {"outcome": outcome, "closed_at": now, "waiting": False, "completed_by": actor}
    if sql.write(session, _CLOSE_ROUTING, [{"_key": key, **closed}]):
        written(session, WorkRoutingRow, key, closed)
    if holder is _READ_HOLDER:
        item = session.get(WorkItemRow, key)
        holder = item.assignee if item is not None else None
    if not isinstance(holder, str):
        return []
    session.flush()
    return drain(session, now=now, agents=[holder])


def fits(session: Session, *, agent_id: str, key: str, now: datetime) -> str | None:
    """Why ``agent_id`` may not hold item ``key`` now, or ``None`` when they may."""
    item = session.get(WorkItemRow, key)
    if item is None:
        return "no such item"
    views = agent_views(session, [agent_id], now, lock=True)
    if not views:
        return f"agent {agent_id!r} does not exist"
    return passed_over(views[0], _item_view(item, session.get(WorkRoutingRow, key)))
