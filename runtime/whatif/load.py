"""What a what-if reads from the store, in a few bulk queries; it writes nothing.

The recorded runs of a workflow (started in a period, or of chosen cases) come with
their input events and the log lines a what-if reads in three queries whatever their
number: the runs, then every input of those runs in one ordered pass, then their lines
of the kinds wanted (:meth:`Recorded.read`); or part by part, a few queries a part, by
run ids. Rows come as stored, times and JSON text alike: reading them is
:mod:`runtime.whatif.play`'s work, which may run in other processes. The agents and
queues (the routing model) are two more queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, String, Text, cast, type_coerce
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from graphs.model import Workflow
from runtime.engine.definition import CompiledWorkflow, compile_workflow
from runtime.engine.types import LogKind
from runtime.errors import WorkflowNotFound
from runtime.routing.calendars import with_calendars
from runtime.services.run_events import definition_for
from runtime.store.routing_tables import AgentRow, QueueRow
from runtime.store.tables import RunEventRow, RunInputRow, RunRow, TimerRow, TimerStatus
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow
from runtime.whatif.recorded import LOG_KINDS, RecordedCase
from runtime.whatif.routing_model import AgentSpec, QueueSpec, RoutingModel

__all__ = [
    "Recorded",
    "RunRef",
    "active_version",
    "compiled_draft",
    "read_runs",
    "recorded",
    "recorded_cases",
    "recorded_runs",
    "routing_model",
    "timers_due",
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

RunRef = tuple[str, str, int, str, str | None, datetime | None, datetime]
"""A recorded run to read: id, case id, version, status, node id, finished and started at."""


def recorded_runs(
    session: Session,
    *,
    workflow_id: str,
    since: datetime | None = None,
    case_ids: Sequence[str] | None = None,
) -> list[RunRef]:
    """The workflow's runs started at or after ``since`` (or those of ``case_ids``),
    oldest first: what :func:`read_runs` reads."""
    connection = session.connection()
    if case_ids is None:
        query = select_columns(*_RUN_COLUMNS).where(col(RunRow.workflow_id) == workflow_id)
        if since is not None:
            query = query.where(col(RunRow.started_at) >= since)
        runs: list[RunRef] = [tuple(row) for row in connection.execute(query)]
    else:
        runs = []
        for chunk in _chunks(case_ids):
            chosen = select_columns(*_RUN_COLUMNS).where(
                col(RunRow.workflow_id) == workflow_id, col(RunRow.case_id).in_(chunk)
            )
            runs.extend(tuple(row) for row in connection.execute(chosen))
    runs.sort(key=lambda r: (r[6], r[0]))  # oldest first
    return runs


#: A recorded run's inputs and log lines, times and JSON as stored (``type_coerce``
#: changes no SQL, only skips the column's conversion on the way out).
_INPUTS = select_columns(
    col(RunInputRow.run_id), type_coerce(col(RunInputRow.at), String),
    cast(col(RunInputRow.event), Text),
)  # fmt: skip
_ALL_LINES = select_columns(
    col(RunEventRow.run_id), col(RunEventRow.kind), type_coerce(col(RunEventRow.at), String),
    col(RunEventRow.node_id), col(RunEventRow.step_id), cast(col(RunEventRow.data), Text),
)  # fmt: skip
_LINES = _ALL_LINES.where(col(RunEventRow.kind).in_([str(k) for k in LOG_KINDS]))
#: With the decisions' lines too: only a draft whose changed decisions are judged on them
#: reads them (the largest lines: a tenth more to read for nothing otherwise).
_LINES_AND_DECISIONS = _ALL_LINES.where(
    col(RunEventRow.kind).in_([str(k) for k in (*LOG_KINDS, LogKind.DECISION_TAKEN)])
)


def read_runs(
    connection: Connection,
    runs: Sequence[RunRef],
    *,
    scope: tuple[str, datetime | None] | None = None,
    decisions: bool = False,
) -> list[RecordedCase]:
    """The recorded cases of ``runs`` (in their order), each with its input events and
    log lines as stored; a run without inputs is left out. ``scope`` (workflow id and
    since, when ``runs`` are all of that workflow's runs since then) reads each table in
    one pass instead of by ids. ``decisions``: with the ``decision.taken`` lines.

    The rows stay as read, times and JSON text alike: reading them is
    :class:`RecordedCase`'s work, in whichever process plays the case. This process only
    runs the queries and groups their rows by run (in C: :func:`itertools.groupby`)."""
    if not runs:
        return []
    run_ids = [r[0] for r in runs]
    order = (col(RunInputRow.run_id), col(RunInputRow.n))
    inputs = _grouped(_per_run(connection, _INPUTS, order, scope, run_ids))
    order = (col(RunEventRow.run_id), col(RunEventRow.seq))
    lines = _LINES_AND_DECISIONS if decisions else _LINES
    log = _grouped(_per_run(connection, lines, order, scope, run_ids))
    return [
        RecordedCase(
            run_id=run_id,
            case_id=case_id,
            version=version,
            status=status,
            node_id=node_id,
            finished_at=finished_at,
            inputs=inputs[run_id],
            log=log.get(run_id, ()),
        )
        for run_id, case_id, version, status, node_id, finished_at, _started in runs
        if run_id in inputs
    ]


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[str, list[Sequence[Any]]]:
    """Rows (run id first, each run's together) by run id."""
    return {run_id: list(group) for run_id, group in groupby(rows, key=itemgetter(0))}


def _per_run(
    connection: Connection,
    query: Any,
    order: Any,
    scope: tuple[str, datetime | None] | None,
    run_ids: Sequence[str],
) -> Iterable[Sequence[Any]]:
    """Rows of ``query`` (whose first column is the run id) for the runs wanted: in one
    pass over the workflow's runs (``scope``: workflow id and since), else by id."""
    if scope is not None:
        workflow_id, since = scope
        scoped = query.join(RunRow, col(RunRow.id) == order[0]).where(
            RunRow.workflow_id == workflow_id
        )
        if since is not None:
            scoped = scoped.where(col(RunRow.started_at) >= since)
        # Runs in the order of their index (workflow, started at, id), each run's rows in
        # the order of theirs (run id, n): no sort of the whole table's rows.
        by_run = (col(RunRow.started_at), col(RunRow.id), order[1])
        yield from connection.execute(scoped.order_by(*by_run)).fetchall()
        return
    for ids in _chunks(run_ids):  # a run's rows all come in the chunk of its id
        yield from connection.execute(query.where(order[0].in_(ids)).order_by(*order)).fetchall()


@dataclass(frozen=True, slots=True)
class Recorded:
    """The recorded runs a what-if plays, oldest first, and how to read their cases."""

    connection: Connection
    runs: Sequence[RunRef]
    #: workflow id and since when ``runs`` are all that workflow's runs since then
    scope: tuple[str, datetime | None] | None = None
    decisions: bool = False  #: read the ``decision.taken`` lines too

    def read(self, part: Sequence[RunRef] | None = None) -> list[RecordedCase]:
        """The cases of the runs ``part`` (a slice of :attr:`runs`), else of all of them."""
        if part is None:
            return read_runs(self.connection, self.runs, scope=self.scope, decisions=self.decisions)
        return read_runs(self.connection, part, decisions=self.decisions)


def recorded(
    session: Session,
    *,
    workflow_id: str,
    since: datetime | None = None,
    case_ids: Sequence[str] | None = None,
    decisions: bool = False,
) -> Recorded:
    """The workflow's runs started at or after ``since`` (or those of ``case_ids``), to
    read all at once or part by part (``decisions``: with the ``decision.taken`` lines)."""
    runs = recorded_runs(session, workflow_id=workflow_id, since=since, case_ids=case_ids)
    scope = (workflow_id, since) if case_ids is None else None
    return Recorded(session.connection(), runs, scope, decisions)


def recorded_cases(
    session: Session,
    *,
    workflow_id: str,
    since: datetime | None = None,
    case_ids: Sequence[str] | None = None,
) -> list[RecordedCase]:
    """The workflow's runs started at or after ``since`` (or those of ``case_ids``),
    oldest first, each with its input events."""
    return recorded(session, workflow_id=workflow_id, since=since, case_ids=case_ids).read()


def timers_due(session: Session, *, workflow_id: str, until: datetime) -> frozenset[str]:
    """The workflow's runs with a timer pending (neither fired nor cancelled) due at or
    before ``until``: what a replay to ``until`` would fire that their logs do not hold
    yet. In a live store that is the clock's backlog, a few rows (``ix_timer_due``)."""
    query = (
        select_columns(col(TimerRow.run_id))
        .distinct()
        .join(RunRow, col(RunRow.id) == col(TimerRow.run_id))
        .where(
            col(TimerRow.status) == str(TimerStatus.PENDING),
            col(TimerRow.due_at) <= until,
            col(RunRow.workflow_id) == workflow_id,
        )
    )
    return frozenset(row[0] for row in session.connection().execute(query))


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
