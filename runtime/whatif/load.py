"""What a what-if reads from the store, in a few bulk queries; it writes nothing.

The recorded runs of a workflow (started in a period, or of chosen cases) come with
their input events and the log lines a what-if reads in three queries whatever their
number: the runs, then every input of those runs in one ordered pass, then their lines
of the kinds wanted. Events and line data come as the JSON text stored: reading them is
:mod:`runtime.whatif.play`'s work, which may run in other processes. The
agents and queues (the routing model) are two more queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Text, cast
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from graphs.model import Workflow
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.errors import WorkflowNotFound
from runtime.routing.calendars import with_calendars
from runtime.services.run_events import definition_for
from runtime.store.routing_tables import AgentRow, QueueRow
from runtime.store.tables import RunEventRow, RunInputRow, RunRow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow
from runtime.whatif.play import LOG_KINDS, RecordedCase
from runtime.whatif.routing_model import AgentSpec, QueueSpec, RoutingModel

__all__ = [
    "active_version",
    "compiled_draft",
    "recorded_cases",
    "routing_model",
    "versions",
]

#: Case ids per ``IN (...)``: under SQLite's limit on bound parameters.
_CHUNK = 500


def active_version(session: Session, workflow_id: str) -> int | None:
    """The workflow's active version (else its latest); :class:`WorkflowNotFound`."""
    row = session.get(WorkflowRow, workflow_id)
    if row is None:
        raise WorkflowNotFound(workflow_id)
    if row.active_version is not None:
        return row.active_version
    latest = session.exec(
        select(WorkflowVersionRow.version)
        .where(WorkflowVersionRow.workflow_id == workflow_id)
        .order_by(col(WorkflowVersionRow.version).desc())
    ).first()
    return None if latest is None else int(latest)


def versions(session: Session, workflow_id: str, numbers: Iterable[int]) -> dict[int, Any]:
    """The compiled published versions ``numbers`` of the workflow (cached by the store)."""
    return {n: definition_for(session, workflow_id, n) for n in sorted(set(numbers))}


def compiled_draft(session: Session, draft: Workflow) -> CompiledWorkflow:
    """The draft compiled as a version would be, with the calendars its SLAs name."""
    return with_calendars(session, compile_workflow(draft))


def _chunks(values: Sequence[str]) -> Iterable[list[str]]:
    it = iter(values)
    while chunk := list(islice(it, _CHUNK)):
        yield chunk


#: id, case id, version, status, node id, finished at, started at
_RUN_COLUMNS = tuple(
    col(c)
    for c in (
        RunRow.id, RunRow.case_id, RunRow.version, RunRow.status, RunRow.node_id,
        RunRow.finished_at, RunRow.started_at,
    )
)  # fmt: skip


def _runs(
    session: Session, workflow_id: str, since: datetime | None, case_ids: Sequence[str] | None
) -> list[tuple[Any, ...]]:
    if case_ids is None:
        query = select_columns(*_RUN_COLUMNS).where(col(RunRow.workflow_id) == workflow_id)
        if since is not None:
            query = query.where(col(RunRow.started_at) >= since)
        return [tuple(row) for row in session.connection().execute(query)]
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(case_ids):
        chosen = select_columns(*_RUN_COLUMNS).where(
            col(RunRow.workflow_id) == workflow_id, col(RunRow.case_id).in_(chunk)
        )
        found.extend(tuple(row) for row in session.connection().execute(chosen))
    return found


def _per_run(
    session: Session,
    query: Any,
    order: Any,
    scope: tuple[str, datetime | None] | None,
    run_ids: Sequence[str],
) -> Iterable[tuple[Any, ...]]:
    """Rows of ``query`` (whose first column is the run id) for the runs wanted: in one
    pass over the workflow's runs (``scope``: workflow id and since), else by id."""
    if scope is not None:
        workflow_id, since = scope
        scoped = query.join(RunRow, col(RunRow.id) == order[0]).where(
            RunRow.workflow_id == workflow_id
        )
        if since is not None:
            scoped = scoped.where(col(RunRow.started_at) >= since)
        yield from session.connection().execute(scoped.order_by(*order))
        return
    for ids in _chunks(run_ids):
        yield from session.connection().execute(query.where(order[0].in_(ids)).order_by(*order))


def recorded_cases(
    session: Session,
    *,
    workflow_id: str,
    since: datetime | None = None,
    case_ids: Sequence[str] | None = None,
) -> list[RecordedCase]:
    """The workflow's runs started at or after ``since`` (or those of ``case_ids``),
    oldest first, each with its input events."""
    runs = _runs(session, workflow_id, since, case_ids)
    if not runs:
        return []
    runs.sort(key=lambda r: (r[6], r[0]))  # oldest first
    run_ids = [r[0] for r in runs]
    scope = (workflow_id, since) if case_ids is None else None
    inputs: dict[str, list[tuple[str, datetime]]] = {run_id: [] for run_id in run_ids}
    query = select_columns(
        col(RunInputRow.run_id), col(RunInputRow.at), cast(col(RunInputRow.event), Text)
    )
    order = (col(RunInputRow.run_id), col(RunInputRow.n))
    for run_id, at, stored in _per_run(session, query, order, scope, run_ids):
        inputs[run_id].append((stored, at))
    log: dict[str, list[tuple[str, datetime, str | None, str | None, str]]] = {
        run_id: [] for run_id in run_ids
    }
    lines = select_columns(
        col(RunEventRow.run_id), col(RunEventRow.kind), col(RunEventRow.at),
        col(RunEventRow.node_id), col(RunEventRow.step_id), cast(col(RunEventRow.data), Text),
    ).where(col(RunEventRow.kind).in_([str(k) for k in LOG_KINDS]))  # fmt: skip
    order = (col(RunEventRow.run_id), col(RunEventRow.seq))
    for run_id, kind, at, node_id, step_id, data in _per_run(session, lines, order, scope, run_ids):
        log[run_id].append((kind, at, node_id, step_id, data))
    return [
        RecordedCase(
            run_id=run_id,
            case_id=case_id,
            version=version,
            status=status,
            node_id=node_id,
            finished_at=finished_at,
            inputs=inputs[run_id],
            log=log[run_id],
        )
        for run_id, case_id, version, status, node_id, finished_at, _started in runs
        if inputs[run_id]
    ]


def routing_model(session: Session) -> RoutingModel:
    """Today's agents and queues, as the routing model takes them."""
    agents = tuple(
        AgentSpec(
            id=row.id,
            skills=dict(row.skills),
            languages=frozenset(row.languages),
            max_items=row.max_items,
            max_load=row.max_load,
            timezone=row.timezone,
            working_hours=dict(row.working_hours),
            out_of_office_from=row.out_of_office_from,
            out_of_office_until=row.out_of_office_until,
        )
        for row in session.exec(select(AgentRow).order_by(col(AgentRow.id))).all()
    )
    queues = tuple(
        QueueSpec(name=row.name, members=tuple(row.members), strategy=row.strategy)
        for row in session.exec(select(QueueRow).order_by(col(QueueRow.name))).all()
    )
    return RoutingModel(agents=agents, queues=queues)
