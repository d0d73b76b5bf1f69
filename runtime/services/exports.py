"""Audit-log exports: one run's log, or every run of a workflow over a time range.

Log lines come out in the same JSON shape the live stream carries (the engine's
``LogEvent`` as JSON: ``seq``, ``at``, ``actor``, ``kind``, ``node_id``, ``step_id``,
``data``), so a file, the REST log and the socket stream agree line for line. People
read names: the CSV carries the workflow's, node's and step's name beside each id, and
a JSON run carries ``workflow_name`` and a ``names`` map (node and step id -> name),
from the version the run runs.
Exports are generators: a workflow's history is written out page by page, never held
whole in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from runtime.errors import InvalidInput, NotFound
from runtime.services.runs import get_run, log_page
from runtime.store.tables import RunEventRow, RunRow
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow

__all__ = [
    "CSV_COLUMNS",
    "ExportFormat",
    "export_run_log",
    "export_workflow_logs",
    "iso",
    "log_line",
    "read_log_lines",
]

ExportFormat = Literal["csv", "json"]

CSV_COLUMNS = (
    "run_id", "case_id", "workflow_id", "workflow_name", "version", "seq", "at", "actor",
    "kind", "node_id", "node_name", "step_id", "step_name", "reason", "data",
)  # fmt: skip

_PAGE = 2000


def iso(moment: datetime | None) -> str | None:
    """A UTC time as ISO 8601 with ``Z``, as pydantic writes it.

    >>> iso(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    '2026-01-05T09:00:00Z'
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def log_line(row: RunEventRow) -> dict[str, Any]:
    """One stored log line as the JSON the stream and the REST log carry."""
    return {
        "seq": row.seq,
        "at": iso(row.at),
        "actor": row.actor,
        "kind": row.kind,
        "node_id": row.node_id,
        "step_id": row.step_id,
        "data": row.data,
    }


def read_log_lines(
    session: Session, *, run_id: str, after_seq: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """The run's log after ``after_seq`` as stream JSON, read without ORM objects.

    What a catching-up client asks for: 10,000 lines cost a fraction of what building
    as many ``RunEventRow`` objects would.
    """
    get_run(session, run_id=run_id)
    table = RunEventRow.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        sa_select(
            table.c.seq, table.c.at, table.c.actor, table.c.kind, table.c.node_id,
            table.c.step_id, table.c.data,
        )
        .where(table.c.run_id == run_id, table.c.seq > after_seq)
        .order_by(table.c.seq)
        .limit(limit)
    ).all()  # fmt: skip
    return [
        {
            "seq": seq,
            "at": iso(at),
            "actor": actor,
            "kind": kind,
            "node_id": node_id,
            "step_id": step_id,
            "data": data,
        }
        for seq, at, actor, kind, node_id, step_id, data in rows
    ]


def _check_format(fmt: str) -> ExportFormat:
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"unknown export format {fmt!r}; one of: csv, json")
    return fmt  # type: ignore[return-value]


class _Names:
    """The names in the workflow versions runs use, each version read once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[tuple[str, int], dict[str, Any]] = {}

    def of(self, run: RunRow) -> dict[str, Any]:
        """``{"workflow": name, "nodes": {id: name}, "steps": {id: name}}`` of the run's
        version; ids stand for themselves where the version is not on record."""
        key = (run.workflow_id, run.version)
        if key not in self._cache:
            definition = self._session.exec(
                select(WorkflowVersionRow.definition).where(
                    WorkflowVersionRow.workflow_id == run.workflow_id,
                    WorkflowVersionRow.version == run.version,
                )
            ).first()
            self._cache[key] = _names_in(definition if isinstance(definition, dict) else {})
        found = self._cache[key]
        return {**found, "workflow": found["workflow"] or run.workflow_id}


def _names_in(definition: dict[str, Any]) -> dict[str, Any]:
    nodes: dict[str, str] = {}
    steps: dict[str, str] = {}
    for node in definition.get("nodes") or []:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        nodes[node["id"]] = str(node.get("name") or node["id"])
        for step in node.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("id"), str):
                steps[step["id"]] = str(step.get("name") or step["id"])
    return {"workflow": str(definition.get("name") or ""), "nodes": nodes, "steps": steps}


def _csv_row(run: RunRow, line: RunEventRow, names: dict[str, Any]) -> list[Any]:
    data = line.data or {}
    node = line.node_id or ""
    step = line.step_id or ""
    return [
        run.id, run.case_id, run.workflow_id, names["workflow"], run.version, line.seq,
        iso(line.at), line.actor, line.kind, node, names["nodes"].get(node, node), step,
        names["steps"].get(step, step), data.get("reason", ""),
        json.dumps(data, sort_keys=True, default=str),
    ]  # fmt: skip


def _csv_text(rows: list[list[Any]], *, header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def _lines(session: Session, run_id: str) -> Iterator[list[RunEventRow]]:
    after = 0
    while True:
        page = log_page(session, run_id=run_id, after_seq=after, limit=_PAGE)
        if not page:
            return
        yield page
        after = page[-1].seq


def _run_json(run: RunRow, names: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "case_id": run.case_id,
        "workflow_id": run.workflow_id,
        "workflow_name": names["workflow"],
        "version": run.version,
        "status": run.status,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "names": {"nodes": names["nodes"], "steps": names["steps"]},
    }


def export_run_log(session: Session, *, run_id: str, fmt: str) -> Iterator[str]:
    """One run's audit log as CSV (a header, a row per event) or as a JSON object."""
    chosen = _check_format(fmt)
    run = get_run(session, run_id=run_id)
    return _export(session, [run], chosen, single=True)


def export_workflow_logs(
    session: Session,
    *,
    workflow_id: str,
    fmt: str,
    started_from: datetime | None = None,
    started_to: datetime | None = None,
) -> Iterator[str]:
    """The logs of every run of a workflow started in ``[started_from, started_to)``.

    CSV: one header, then each run's events in order, runs oldest first. JSON: an object
    with the workflow id, the range and a list of runs, each with its ``events``.
    """
    chosen = _check_format(fmt)
    if session.get(WorkflowRow, workflow_id) is None:
        raise NotFound("workflow", workflow_id)
    if started_from and started_to and started_from >= started_to:
        raise InvalidInput("the export range is empty: 'from' must be before 'to'")

    def runs() -> Iterator[RunRow]:
        last: tuple[datetime, str] | None = None
        while True:
            query = select(RunRow).where(RunRow.workflow_id == workflow_id)
            if started_from is not None:
                query = query.where(col(RunRow.started_at) >= started_from)
            if started_to is not None:
                query = query.where(col(RunRow.started_at) < started_to)
            if last is not None:
                query = query.where(
                    or_(
                        col(RunRow.started_at) > last[0],
                        and_(col(RunRow.started_at) == last[0], col(RunRow.id) > last[1]),
                    )
                )
            page = list(
                session.exec(
                    query.order_by(col(RunRow.started_at), col(RunRow.id)).limit(200)
                ).all()
            )
            if not page:
                return
            yield from page
            last = (page[-1].started_at, page[-1].id)

    head = {
        "workflow_id": workflow_id,
        "from": iso(started_from),
        "to": iso(started_to),
    }
    return _export(session, runs(), chosen, single=False, head=head)


def _export(
    session: Session,
    runs: Any,
    fmt: ExportFormat,
    *,
    single: bool,
    head: dict[str, Any] | None = None,
) -> Iterator[str]:
    names = _Names(session)
    if fmt == "csv":
        yield _csv_text([], header=True)
        for run in runs:
            of_run = names.of(run)
            for page in _lines(session, run.id):
                yield _csv_text([_csv_row(run, line, of_run) for line in page], header=False)
        return
    if single:
        run = next(iter(runs))
        events = [log_line(line) for page in _lines(session, run.id) for line in page]
        yield json.dumps({**_run_json(run, names.of(run)), "events": events}, default=str)
        return
    yield json.dumps(head)[:-1] + ', "runs": ['
    first = True
    for run in runs:
        events = [log_line(line) for page in _lines(session, run.id) for line in page]
        body = {**_run_json(run, names.of(run)), "events": events}
        yield ("" if first else ",") + json.dumps(body, default=str)
        first = False
    yield "]}"
