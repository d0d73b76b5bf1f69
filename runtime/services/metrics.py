"""Routing and SLA figures over a period, per workflow and/or queue.

Every figure is computed from what the store already records: ``work_routing`` (one
row per work item, with first-assignment time, reassignment counts and outcome), the
runs, their log (stage entries and exits) and agents' presence history.

- **reassignment rate**: assigned items whose assignee changed at least once;
- **first-time right**: cases with a completed item whose work was right the first time:
  no item of theirs was reassigned (each stayed with its first assignee until done), no
  step was done again, and no run of theirs re-entered a node (a go-to loop, rework);
- **time to first assignment**: item creation to its first assignee (minutes);
- **time in stage**: a stage's entry to its exit, per stage (minutes);
- **time to resolution**: a run's start to its completion (hours);
- **SLA attainment**: completed items with a due time that were completed by it;
- **agent utilisation**: minutes of held work over (capacity x minutes online).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from runtime.errors import InvalidInput
from runtime.services.first_time_right import first_time_right
from runtime.store.routing_tables import AgentPresenceRow, AgentRow, QueueRow, WorkRoutingRow
from runtime.store.tables import RunEventRow, RunRow
from runtime.store.workflow_tables import WorkflowVersionRow

__all__ = ["Distribution", "MetricsOut", "compute_metrics"]

MAX_PERIOD = timedelta(days=366)


class Distribution(BaseModel):
    """How a duration is spread: count, median, 90th percentile and mean."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    mean: float | None = None


class StageTime(BaseModel):
    """Time spent in one stage of one workflow, in minutes. Node ids repeat across
    workflows (every new workflow has a ``stage_1``), so a stage is keyed by both."""

    workflow_id: str
    workflow_name: str
    node_id: str
    node_name: str
    minutes: Distribution


class AgentUse(BaseModel):
    """How much of an agent's online capacity held work."""

    agent: str
    name: str
    utilisation: float | None
    held_minutes: float
    online_minutes: float
    completed: int


class DayPoint(BaseModel):
    """One day of the period."""

    day: str
    created: int = 0
    completed: int = 0
    sla_met: int = 0
    sla_missed: int = 0
    reassigned: int = 0
    median_resolution_hours: float | None = None


class MetricsOut(BaseModel):
    """Routing and SLA figures for a period."""

    start: datetime
    end: datetime
    workflow_id: str | None = None
    queue: str | None = None
    items: int
    assigned: int
    completed: int
    reassignment_rate: float | None
    manual_reassignments: int
    first_time_right: float | None
    first_time_right_cases: int = Field(
        default=0, description="The cases first_time_right counts (those with a completed item)"
    )
    time_to_first_assignment_minutes: Distribution
    time_to_resolution_hours: Distribution
    sla_attainment: float | None
    sla_breached_open: int
    time_in_stage: list[StageTime] = Field(default_factory=list)
    utilisation: list[AgentUse] = Field(default_factory=list)
    days: list[DayPoint] = Field(default_factory=list)


def _distribution(values: Sequence[float]) -> Distribution:
    if not values:
        return Distribution()
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return Distribution(
        count=len(ordered),
        median=round(statistics.median(ordered), 2),
        p90=round(p90, 2),
        mean=round(statistics.fmean(ordered), 2),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _minutes(a: datetime, b: datetime) -> float:
    return (_aware(b) - _aware(a)).total_seconds() / 60.0


def compute_metrics(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    workflow_id: str | None = None,
    queue: str | None = None,
    now: datetime | None = None,
) -> MetricsOut:
    """Figures for items created (and runs started) in ``[start, end)``."""
    if end <= start:
        raise InvalidInput("the period's end must be after its start")
    if end - start > MAX_PERIOD:
        raise InvalidInput("a period may be at most a year long")
    now = now or datetime.now(UTC)
    query = select(WorkRoutingRow).where(
        col(WorkRoutingRow.created_at) >= start, col(WorkRoutingRow.created_at) < end
    )
    if workflow_id:
        query = query.where(col(WorkRoutingRow.workflow_id) == workflow_id)
    if queue:
        query = query.where(col(WorkRoutingRow.queue) == queue)
    items = list(session.exec(query).all())
    assigned = [i for i in items if i.first_assigned_at is not None]
    completed = [i for i in items if i.outcome == "completed"]
    with_due = [i for i in completed if i.due_at is not None and i.closed_at is not None]
    met = [i for i in with_due if _aware(i.closed_at) <= _aware(i.due_at)]  # type: ignore[arg-type]
    breached_open = sum(
        1 for i in items if i.outcome == "open" and i.due_at is not None and _aware(i.due_at) < now
    )
    first_right, counted = first_time_right(session, items=items, completed=completed)

    runs = _runs(session, start, end, workflow_id, {i.run_id for i in items} if queue else None)
    resolution = [
        _minutes(r.started_at, r.finished_at) / 60.0
        for r in runs
        if r.status == "completed" and r.finished_at is not None
    ]
    return MetricsOut(
        start=start,
        end=end,
        workflow_id=workflow_id,
        queue=queue,
        items=len(items),
        assigned=len(assigned),
        completed=len(completed),
        reassignment_rate=_ratio(sum(1 for i in assigned if i.reassignments > 0), len(assigned)),
        manual_reassignments=sum(i.manual_reassignments for i in items),
        first_time_right=_ratio(first_right, counted),
        first_time_right_cases=counted,
        time_to_first_assignment_minutes=_distribution(
            [_minutes(i.created_at, i.first_assigned_at) for i in assigned]  # type: ignore[arg-type]
        ),
        time_to_resolution_hours=_distribution(resolution),
        sla_attainment=_ratio(len(met), len(with_due)),
        sla_breached_open=breached_open,
        time_in_stage=_stage_times(session, runs),
        utilisation=_utilisation(session, items, start, min(end, now), queue),
        days=_days(items, runs, start, end),
    )


def _runs(
    session: Session,
    start: datetime,
    end: datetime,
    workflow_id: str | None,
    only: set[str] | None,
) -> list[RunRow]:
    query = select(RunRow).where(col(RunRow.started_at) >= start, col(RunRow.started_at) < end)
    if workflow_id:
        query = query.where(col(RunRow.workflow_id) == workflow_id)
    if only is not None:
        if not only:
            return []
        query = query.where(col(RunRow.id).in_(list(only)))
    return list(session.exec(query).all())


def _stage_times(session: Session, runs: Sequence[RunRow]) -> list[StageTime]:
    if not runs:
        return []
    workflow_of = {r.id: r.workflow_id for r in runs}
    run_ids = list(workflow_of)
    spans: dict[tuple[str, str], list[float]] = defaultdict(list)
    for chunk in range(0, len(run_ids), 500):
        rows = session.exec(
            select(RunEventRow.run_id, RunEventRow.kind, RunEventRow.node_id, RunEventRow.at)
            .where(
                col(RunEventRow.run_id).in_(run_ids[chunk : chunk + 500]),
                col(RunEventRow.kind).in_(["node.entered", "stage.exited"]),
            )
            .order_by(col(RunEventRow.run_id), col(RunEventRow.seq))
        ).all()
        entered: dict[tuple[str, str], datetime] = {}
        for run_id, kind, node_id, at in rows:
            key = (run_id, node_id or "")
            if kind == "node.entered":
                entered[key] = at
            elif key in entered:
                spans[(workflow_of[run_id], node_id or "")].append(_minutes(entered.pop(key), at))
    names = _node_names(session, runs)
    return [
        StageTime(
            workflow_id=w,
            workflow_name=names.get((w, ""), w),
            node_id=n,
            node_name=names.get((w, n), n),
            minutes=_distribution(v),
        )
        for (w, n), v in sorted(spans.items())
    ]


def _node_names(session: Session, runs: Sequence[RunRow]) -> dict[tuple[str, str], str]:
    """``(workflow id, node id) -> node name`` and ``(workflow id, "") -> workflow name``,
    from the newest version the runs used (a rename shows at once)."""
    newest: dict[str, int] = {}
    for run in runs:
        newest[run.workflow_id] = max(newest.get(run.workflow_id, 0), run.version)
    names: dict[tuple[str, str], str] = {}
    for workflow_id, version in newest.items():
        row = session.exec(
            select(WorkflowVersionRow.definition).where(
                WorkflowVersionRow.workflow_id == workflow_id, WorkflowVersionRow.version == version
            )
        ).first()
        if not isinstance(row, dict):
            continue
        names[(workflow_id, "")] = str(row.get("name") or workflow_id)
        for node in row.get("nodes") or []:
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                names[(workflow_id, node["id"])] = str(node.get("name") or node["id"])
    return names


def _online_minutes(
    history: Iterable[AgentPresenceRow], current: str, start: datetime, end: datetime
) -> float:
    rows = sorted(history, key=lambda r: r.at)
    before = [r for r in rows if _aware(r.at) <= start]
    # No record before the period: offline until the first change, or, with no record at
    # all, as the agent is now.
    fallback = "offline" if rows else current
    state = before[-1].availability if before else fallback
    total = 0.0
    cursor = start
    for row in rows:
        at = _aware(row.at)
        if at <= start:
            continue
        if at >= end:
            break
        if state == "online":
            total += _minutes(cursor, at)
        state, cursor = row.availability, at
    if state == "online" and end > cursor:
        total += _minutes(cursor, end)
    return total


def _utilisation(
    session: Session,
    items: list[WorkRoutingRow],
    start: datetime,
    end: datetime,
    queue: str | None,
) -> list[AgentUse]:
    agents = list(session.exec(select(AgentRow).order_by(col(AgentRow.id))).all())
    if queue:
        queue_row = session.get(QueueRow, queue)
        members = set(queue_row.members) if queue_row else set()
        agents = [a for a in agents if a.id in members]
    if not agents or end <= start:
        return []
    presence: dict[str, list[AgentPresenceRow]] = defaultdict(list)
    for row in session.exec(
        select(AgentPresenceRow).where(
            col(AgentPresenceRow.agent_id).in_([a.id for a in agents]),
            col(AgentPresenceRow.at) < end,
        )
    ).all():
        presence[row.agent_id].append(row)
    held: dict[str, float] = defaultdict(float)
    done: dict[str, int] = defaultdict(int)
    for item in items:
        if item.assignee is None or item.assigned_at is None:
            continue
        begin = max(_aware(item.assigned_at), start)
        finish = min(_aware(item.closed_at) if item.closed_at else end, end)
        if finish > begin:
            held[item.assignee] += _minutes(begin, finish) * item.weight
        if item.outcome == "completed":
            done[item.assignee] += 1
    found: list[AgentUse] = []
    for agent in agents:
        online = _online_minutes(presence.get(agent.id, []), agent.availability, start, end)
        capacity = agent.max_load or agent.max_items or 1
        use = held[agent.id] / (capacity * online) if online > 0 else None
        found.append(
            AgentUse(
                agent=agent.id,
                name=agent.name,
                utilisation=None if use is None else round(min(use, 1.0), 4),
                held_minutes=round(held[agent.id], 1),
                online_minutes=round(online, 1),
                completed=done[agent.id],
            )
        )
    return found


def _days(
    items: list[WorkRoutingRow], runs: list[RunRow], start: datetime, end: datetime
) -> list[DayPoint]:
    days: dict[str, DayPoint] = {}
    day = _aware(start).astimezone(UTC).date()
    last = (_aware(end) - timedelta(microseconds=1)).astimezone(UTC).date()
    while day <= last and len(days) < 400:
        days[day.isoformat()] = DayPoint(day=day.isoformat())
        day += timedelta(days=1)

    def bucket(at: datetime) -> DayPoint | None:
        return days.get(_aware(at).astimezone(UTC).date().isoformat())

    for item in items:
        point = bucket(item.created_at)
        if point is not None:
            point.created += 1
            point.reassigned += 1 if item.reassignments else 0
        if item.outcome == "completed" and item.closed_at is not None:
            closed = bucket(item.closed_at)
            if closed is not None:
                closed.completed += 1
                if item.due_at is not None:
                    if _aware(item.closed_at) <= _aware(item.due_at):
                        closed.sla_met += 1
                    else:
                        closed.sla_missed += 1
    hours: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        if run.status == "completed" and run.finished_at is not None:
            point = bucket(run.finished_at)
            if point is not None:
                hours[point.day].append(_minutes(run.started_at, run.finished_at) / 60.0)
    for name, values in hours.items():
        days[name].median_resolution_hours = round(statistics.median(values), 2)
    return list(days.values())
