"""What a what-if reads from the store, in a few bulk queries; it writes nothing.

The recorded runs of a workflow (started in a period, or of chosen cases) come with
their input events in two queries whatever their number: the runs, then every input of
those runs in one ordered pass. The events come as the JSON text stored: reading them is
the replay's work (:mod:`runtime.whatif.play`), which may run in other processes. The
agents and queues (the routing model) are two more queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Text, cast
from sqlmodel import Session, col, select

from graphs.model import Workflow
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.errors import WorkflowNotFound
from runtime.routing.calendars import with_calendars
from runtime.services.run_events import definition_for
from runtime.store.routing_tables import AgentRow, QueueRow
from runtime.store.tables import RunInputRow, RunRow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow
from runtime.whatif.play import RecordedCase
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


def _runs(
    session: Session, workflow_id: str, since: datetime | None, case_ids: Sequence[str] | None
) -> list[tuple[str, str, int]]:
    columns = (RunRow.id, RunRow.case_id, RunRow.version)
    order = (col(RunRow.started_at), col(RunRow.id))
    if case_ids is None:
        query = select(*columns).where(RunRow.workflow_id == workflow_id)
        if since is not None:
            query = query.where(col(RunRow.started_at) >= since)
        return [tuple(r) for r in session.exec(query.order_by(*order)).all()]  # type: ignore[misc]
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(case_ids):
        chosen = select(*columns, RunRow.started_at).where(
            RunRow.workflow_id == workflow_id, col(RunRow.case_id).in_(chunk)
        )
        found.extend(session.exec(chosen).all())
    found.sort(key=lambda r: (r[3], r[0]))
    return [(r[0], r[1], r[2]) for r in found]


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
    inputs: dict[str, list[tuple[str, datetime]]] = {r[0]: [] for r in runs}
    text = cast(col(RunInputRow.event), Text)
    query = select(RunInputRow.run_id, RunInputRow.at, text).join(
        RunRow, col(RunRow.id) == col(RunInputRow.run_id)
    )
    if case_ids is None:
        query = query.where(RunRow.workflow_id == workflow_id)
        if since is not None:
            query = query.where(col(RunRow.started_at) >= since)
        batches: Iterable[Any] = [query]
    else:
        batches = (query.where(col(RunInputRow.run_id).in_(ids)) for ids in _chunks(list(inputs)))
    for batch in batches:
        for run_id, at, stored in session.exec(
            batch.order_by(col(RunInputRow.run_id), col(RunInputRow.n))
        ):
            inputs[run_id].append((stored, at))
    return [
        RecordedCase(run_id=run_id, case_id=case_id, version=version, inputs=inputs[run_id])
        for run_id, case_id, version in runs
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
