"""Queries behind the cases list and the monitor: filtered keyset pages, per-node figures,
stuck cases and incidents, and bulk admin commands.

Functions are keyword-only, take the caller's session and never commit. Times are
passed in (``now``) so that results are reproducible in tests.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from runtime.engine.state_migrations import upgrade_snapshot
from runtime.engine.types import SLA_LEVELS, RunStatus
from runtime.errors import BatonRuntimeError, InvalidInput, NotFound
from runtime.services.run_events import ACTIVE_STATUS_VALUES, definition_for
from runtime.services.runs import (
    MAX_PAGE,
    RunPage,
    cancel_run,
    keyset_page,
    retry_step,
)
from runtime.sla.levels import SlaLevel, level_at, worse
from runtime.store.dialects import dialect_of
from runtime.store.records import LockedRun
from runtime.store.tables import CaseRow, RunRow, WorkItemRow, WorkItemStatus, utcnow
from runtime.store.workflow_tables import WorkflowRow

__all__ = [
    "BulkResult",
    "CaseFilter",
    "NodeFigures",
    "RunSummary",
    "WorkflowMonitor",
    "bulk_command",
    "monitor_workflow",
    "search_runs",
    "sla_level",
    "summarize_runs",
]


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def sla_level(clock: Mapping[str, Any] | None, now: datetime) -> SlaLevel | None:
    """The level of a running SLA clock (the worse of what timers marked and the time).

    ``None`` when there is no clock or it has stopped (the stage was left).

    >>> from datetime import UTC
    >>> clock = {"due_at": "2026-01-05T10:00:00Z", "warning_at": "2026-01-05T09:45:00Z"}
    >>> times = [datetime(2026, 1, 5, h, m, tzinfo=UTC) for h, m in ((9, 0), (9, 50), (10, 0))]
    >>> [str(sla_level(clock, at)) for at in times]
    ['on_track', 'at_risk', 'breached']
    """
    if not clock or clock.get("stopped_at"):
        return None
    marked = str(clock.get("state") or SlaLevel.ON_TRACK)
    due = _parse(clock.get("due_at"))
    if due is None:  # nothing to judge the time by: what the timers marked
        return worse(marked, SlaLevel.ON_TRACK)
    return level_at(due, now, warning_at=_parse(clock.get("warning_at")), marked=marked)


# ---------------------------------------------------------------------------- cases list


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """What the cases list filters on; every given filter must hold."""

    workflow_id: str | None = None
    node_id: str | None = None
    status: str | None = None
    sla: str | None = None
    assignee: str | None = None
    case_id: str | None = None
    older_than_minutes: float | None = None
    newer_than_minutes: float | None = None


def _check(filters: CaseFilter, limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    statuses = [s.value for s in RunStatus]
    if filters.status is not None and filters.status not in (*statuses, "active"):
        raise InvalidInput(
            f"unknown run status {filters.status!r}; one of: {', '.join(statuses)}, active"
        )
    if filters.sla is not None and filters.sla not in SLA_LEVELS:
        raise InvalidInput(f"unknown SLA state {filters.sla!r}; one of: {', '.join(SLA_LEVELS)}")
    for name in ("older_than_minutes", "newer_than_minutes"):
        value = getattr(filters, name)
        if value is not None and value < 0:
            raise InvalidInput(f"{name} must not be negative")


def _sla_clause(level: str, now: datetime) -> Any:
    # The run row's copy of the current stage's running clock (NULL when none runs).
    due, warning, marked = col(RunRow.sla_due_at), col(RunRow.sla_warning_at), col(RunRow.sla_state)
    running = and_(col(RunRow.status).in_(ACTIVE_STATUS_VALUES), due.is_not(None))
    # level_at's rule, as SQL: the worse of the marked level and the time's
    breached = or_(marked == SlaLevel.BREACHED.value, due <= now)
    at_risk = or_(marked == SlaLevel.AT_RISK.value, and_(warning.is_not(None), warning <= now))
    if level == SlaLevel.BREACHED:
        return and_(running, breached)
    if level == SlaLevel.AT_RISK:
        return and_(running, ~breached, at_risk)
    return and_(running, ~breached, ~at_risk)


def search_runs(
    session: Session,
    *,
    filters: CaseFilter,
    limit: int = 50,
    cursor: str | None = None,
    now: datetime | None = None,
) -> RunPage:
    """Runs matching ``filters``, newest first, a page at a time (keyset paging).

    ``status="active"`` matches running, paused and incident runs; ``sla`` the level of
    the current stage's clock; ``assignee`` an open work item held by that agent; the age
    filters the time since the run started.
    """
    _check(filters, limit)
    now = now or utcnow()
    query = select(RunRow)
    if filters.workflow_id is not None:
        query = query.where(RunRow.workflow_id == filters.workflow_id)
    if filters.status == "active":
        query = query.where(col(RunRow.status).in_(ACTIVE_STATUS_VALUES))
    elif filters.status is not None:
        query = query.where(RunRow.status == filters.status)
    if filters.node_id is not None:
        query = query.where(RunRow.node_id == filters.node_id)
    if filters.case_id is not None:
        query = query.where(RunRow.case_id == filters.case_id)
    if filters.older_than_minutes is not None:
        query = query.where(
            col(RunRow.started_at) <= now - timedelta(minutes=filters.older_than_minutes)
        )
    if filters.newer_than_minutes is not None:
        query = query.where(
            col(RunRow.started_at) >= now - timedelta(minutes=filters.newer_than_minutes)
        )
    if filters.assignee is not None:
        held = select(WorkItemRow.run_id).where(
            WorkItemRow.status == WorkItemStatus.OPEN, WorkItemRow.assignee == filters.assignee
        )
        query = query.where(col(RunRow.id).in_(held))
    if filters.sla is not None:
        query = query.where(_sla_clause(filters.sla, now))
    return keyset_page(session, query, cursor=cursor, limit=limit)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A row of the cases list: the run, its case's title, where it is and who holds it."""

    run: RunRow | LockedRun
    title: str
    node_name: str | None
    sla: SlaLevel | None
    assignees: list[str]
    open_items: int
    incident: dict[str, Any] | None


def _title(fields: Mapping[str, Any], case_id: str) -> str:
    for name in ("subject", "title", "name", "summary"):
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return f"Case {case_id[:8]}"


def _node_name(session: Session, run: RunRow | LockedRun) -> str | None:
    if run.node_id is None:
        return None
    try:
        node = definition_for(session, run.workflow_id, run.version).workflow.node(run.node_id)
    except (NotFound, KeyError):
        return run.node_id
    return node.name or node.id


def summarize_runs(
    session: Session, *, runs: Sequence[RunRow | LockedRun], now: datetime | None = None
) -> list[RunSummary]:
    """The list rows for ``runs``: two queries for the page, whatever its size."""
    now = now or utcnow()
    ids = [run.id for run in runs]
    case_ids = sorted({run.case_id for run in runs})
    cases = {
        case.id: case
        for case in session.exec(select(CaseRow).where(col(CaseRow.id).in_(case_ids))).all()
    }
    holders: dict[str, list[str]] = defaultdict(list)
    open_items: dict[str, int] = defaultdict(int)
    # Filtered on status here, not in SQL: given both, SQLite may walk the status index
    # through every open item instead of looking the page's runs up by run id.
    for run_id, assignee, queue, status in session.exec(
        select(
            WorkItemRow.run_id, WorkItemRow.assignee, WorkItemRow.queue, WorkItemRow.status
        ).where(col(WorkItemRow.run_id).in_(ids))
    ).all():
        if status != WorkItemStatus.OPEN:
            continue
        open_items[run_id] += 1
        holder = assignee or (f"queue:{queue}" if queue else None)
        if holder and holder not in holders[run_id]:
            holders[run_id].append(holder)
    summaries = []
    for run in runs:
        case = cases.get(run.case_id)
        active = run.status in ACTIVE_STATUS_VALUES
        state = upgrade_snapshot(run.state)  # written by an older Baton, perhaps
        summaries.append(
            RunSummary(
                run=run,
                title=_title(case.fields if case else {}, run.case_id),
                node_name=_node_name(session, run),
                sla=sla_level(state.get("sla"), now) if active else None,
                assignees=holders.get(run.id, []),
                open_items=open_items.get(run.id, 0),
                incident=state.get("incident") if run.status == RunStatus.INCIDENT else None,
            )
        )
    return summaries


# ---------------------------------------------------------------------------- monitor


@dataclass(slots=True)
class NodeFigures:
    """Where the active cases of a workflow stand at one node."""

    node_id: str
    count: int = 0
    age_p50_seconds: float | None = None
    age_p90_seconds: float | None = None
    at_risk: int = 0
    breached: int = 0
    incidents: int = 0
    paused: int = 0


@dataclass(slots=True)
class WorkflowMonitor:
    """A workflow's live picture: figures per node, stuck cases and incidents."""

    workflow_id: str
    active_version: int | None
    versions: list[int]
    total_active: int
    nodes: dict[str, NodeFigures] = field(default_factory=dict)
    stuck: list[RunRow] = field(default_factory=list)
    incidents: list[RunRow] = field(default_factory=list)
    stuck_minutes: float = 60.0
    completed: int = 0
    cancelled: int = 0


def _age_seconds(session: Session, now: datetime) -> Any:
    """Seconds since each run entered its node, computed by the database."""
    return dialect_of(session).seconds_since(now, col(RunRow.node_entered_at))


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile by linear interpolation (as numpy's default).

    >>> _percentile([1.0, 2.0, 3.0, 4.0], 0.5)
    2.5
    """
    if len(sorted_values) == 1:
        return sorted_values[0]
    return float(statistics.quantiles(sorted_values, n=100, method="inclusive")[
        round(fraction * 100) - 1
    ])  # fmt: skip


def monitor_workflow(
    session: Session,
    *,
    workflow_id: str,
    stuck_minutes: float = 60.0,
    list_limit: int = 200,
    now: datetime | None = None,
) -> WorkflowMonitor:
    """Figures per node for the workflow's active runs (every version), stuck runs (in
    their node longer than ``stuck_minutes``) and incidents, oldest first."""
    now = now or utcnow()
    if stuck_minutes < 0:
        raise InvalidInput("stuck_minutes must not be negative")
    workflow = session.get(WorkflowRow, workflow_id)
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    active = and_(
        col(RunRow.workflow_id) == workflow_id, col(RunRow.status).in_(ACTIVE_STATUS_VALUES)
    )
    # Counted in the database: the figures of 100,000 runs must not cross the wire.
    breached, at_risk = _sla_clause(SlaLevel.BREACHED, now), _sla_clause(SlaLevel.AT_RISK, now)
    nodes: dict[str, NodeFigures] = {}
    versions: set[int] = set()
    total = 0
    for node_id, version, count, incidents, paused, n_breached, n_at_risk in session.execute(
        sa_select(
            col(RunRow.node_id),
            col(RunRow.version),
            func.count(),
            func.sum(case((col(RunRow.status) == RunStatus.INCIDENT, 1), else_=0)),
            func.sum(case((col(RunRow.status) == RunStatus.PAUSED, 1), else_=0)),
            func.sum(case((breached, 1), else_=0)),
            func.sum(case((at_risk, 1), else_=0)),
        )
        .where(active)
        .group_by(col(RunRow.node_id), col(RunRow.version))
    ).all():
        key = node_id or "?"
        figures = nodes.setdefault(key, NodeFigures(node_id=key))
        figures.count += int(count)
        figures.incidents += int(incidents or 0)
        figures.paused += int(paused or 0)
        figures.breached += int(n_breached or 0)
        figures.at_risk += int(n_at_risk or 0)
        versions.add(int(version))
        total += int(count)
    ages: dict[str, list[float]] = defaultdict(list)
    for node_id, age in session.execute(
        sa_select(col(RunRow.node_id), _age_seconds(session, now)).where(
            active, col(RunRow.node_entered_at).is_not(None)
        )
    ).all():
        ages[node_id or "?"].append(max(0.0, float(age)))
    for key, values in ages.items():
        values.sort()
        nodes[key].age_p50_seconds = _percentile(values, 0.5)
        nodes[key].age_p90_seconds = _percentile(values, 0.9)
    counts = dict(
        session.exec(
            select(RunRow.status, func.count())
            .where(
                RunRow.workflow_id == workflow_id,
                col(RunRow.status).in_((RunStatus.COMPLETED, RunStatus.CANCELLED)),
            )
            .group_by(col(RunRow.status))
        ).all()
    )
    threshold = now - timedelta(minutes=stuck_minutes)
    # Ids first, from the covering index; then only those rows with their snapshots.
    stuck_ids = list(
        session.exec(
            select(RunRow.id)
            .where(active, col(RunRow.node_entered_at) <= threshold)
            .order_by(col(RunRow.node_entered_at), col(RunRow.id))
            .limit(list_limit)
        ).all()
    )
    by_id = {
        run.id: run for run in session.exec(select(RunRow).where(col(RunRow.id).in_(stuck_ids)))
    }
    stuck = [by_id[run_id] for run_id in stuck_ids if run_id in by_id]
    incidents = list(
        session.exec(
            select(RunRow)
            .where(RunRow.workflow_id == workflow_id, RunRow.status == RunStatus.INCIDENT)
            .order_by(col(RunRow.updated_at), col(RunRow.id))
            .limit(list_limit)
        ).all()
    )
    return WorkflowMonitor(
        workflow_id=workflow_id,
        active_version=workflow.active_version,
        versions=sorted(versions),
        total_active=total,
        nodes=nodes,
        stuck=stuck,
        incidents=incidents,
        stuck_minutes=stuck_minutes,
        completed=int(counts.get(RunStatus.COMPLETED, 0)),
        cancelled=int(counts.get(RunStatus.CANCELLED, 0)),
    )


# ---------------------------------------------------------------------------- bulk


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What one run of a bulk command came to: ``ok``, or the error that refused it."""

    run_id: str
    ok: bool
    status: str | None = None
    error: dict[str, Any] | None = None


def bulk_command(
    session: Session,
    *,
    command: Literal["retry", "cancel"],
    run_ids: Iterable[str],
    actor: str,
    reason: str = "",
    now: datetime | None = None,
) -> list[BulkResult]:
    """Retry (the failed step of an incident) or cancel each run, each on its own.

    Each run's command runs in a savepoint: a run that refuses (finished meanwhile, not
    an incident) is reported and leaves the others untouched.
    """
    now = now or utcnow()
    results = []
    for run_id in dict.fromkeys(run_ids):
        savepoint = session.begin_nested()
        try:
            if command == "retry":
                run = retry_step(session, run_id=run_id, actor=actor, reason=reason, now=now)
            elif command == "cancel":
                run = cancel_run(session, run_id=run_id, actor=actor, reason=reason, now=now)
            else:
                raise InvalidInput(f"unknown bulk command {command!r}; one of: retry, cancel")
        except BatonRuntimeError as exc:
            savepoint.rollback()
            results.append(BulkResult(run_id=run_id, ok=False, error=exc.to_dict()))
        else:
            savepoint.commit()
            results.append(BulkResult(run_id=run_id, ok=True, status=run.status))
    return results
