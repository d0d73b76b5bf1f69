"""Runs: the cases list, one run with its state, its log, admin commands and exports."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from flask import Blueprint, Response, stream_with_context

from designer.api.http import RouteDoc, documented, json_body, query_args, respond
from designer.api.run_schemas import (
    CaseOut,
    CommandBody,
    ExportRunQuery,
    ExportWorkflowQuery,
    LogPage,
    LogQuery,
    RunDetail,
    RunList,
    RunListQuery,
    RunOut,
    StartRunBody,
    WorkItemOut,
    current_actor,
)
from designer.extensions import db_session, state
from runtime import services
from runtime.db import session_scope
from runtime.engine.state_migrations import upgrade_snapshot
from runtime.engine.types import AdminCommandKind, RunState
from runtime.services import exports, monitor
from runtime.services.run_events import definition_for
from runtime.services.runs import run_command
from runtime.store.records import LockedRun
from runtime.store.tables import RunRow

__all__ = ["bp", "run_out"]

bp = Blueprint("runs", __name__)

_TAG = "runs"
_ID = {"run_id": "The run's id"}
_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
_FORMATS = ("application/json", "text/csv")


def run_out(run: RunRow | LockedRun) -> RunOut:
    """One run as the list shows it."""
    return RunOut.of(monitor.summarize_runs(db_session(), runs=[run])[0])


@bp.get("/runs")
@documented(
    RouteDoc(
        "List runs (the cases list)",
        _TAG,
        {200: RunList},
        query=RunListQuery,
        errors=(400,),
        description="Newest first, keyset-paged: pass `next_cursor` back as `cursor`.",
    )
)
def list_runs() -> Response:
    query = query_args(RunListQuery)
    session = db_session()
    # The query's filters are the service's, field for field.
    filters = monitor.CaseFilter(**query.model_dump(exclude={"limit", "cursor"}))
    page = monitor.search_runs(session, filters=filters, limit=query.limit, cursor=query.cursor)
    items = [RunOut.of(s) for s in monitor.summarize_runs(session, runs=page.items)]
    return respond(RunList(items=items, next_cursor=page.next_cursor))


@bp.post("/runs")
@documented(
    RouteDoc(
        "Start a run for a case",
        _TAG,
        {201: RunOut},
        body=StartRunBody,
        errors=(400, 404, 415, 422),
    )
)
def start_run() -> Response:
    body = json_body(StartRunBody)
    run = services.start_run(
        db_session(),
        workflow_id=body.workflow_id,
        case_id=body.case_id,
        version=body.version,
        actor=current_actor(),
    )
    return respond(run_out(run), 201, {"Location": f"/api/runs/{run.id}"})


@bp.get("/runs/export")
@documented(
    RouteDoc(
        "Export the logs of a workflow's runs",
        _TAG,
        {200: (_FORMATS, "The runs and their events, in the asked format")},
        query=ExportWorkflowQuery,
        errors=(400, 404),
        description="Every run of the workflow started in [from, to), as CSV or JSON.",
    )
)
def export_workflow_runs() -> Response:
    query = query_args(ExportWorkflowQuery)
    export = partial(
        exports.export_workflow_logs,
        workflow_id=query.workflow_id,
        fmt=query.format,
        started_from=query.from_,
        started_to=query.to,
    )
    # Checked now, so that a refusal is an error response rather than a broken download.
    export(db_session())
    engine = state().engine

    def generate() -> Iterator[str]:
        with session_scope(engine) as session:
            yield from export(session)

    name = f"{query.workflow_id}-runs.{query.format}"
    return _download(stream_with_context(generate()), query.format, name)


def _download(body: Iterator[str], fmt: str, name: str) -> Response:
    response = Response(body, mimetype=_MEDIA[fmt].split(";")[0])
    response.headers["Content-Type"] = _MEDIA[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/runs/<run_id>")
@documented(
    RouteDoc("Read a run with its case and work", _TAG, {200: RunDetail}, errors=(404,),
             path_params=_ID)
)  # fmt: skip
def get_run(run_id: str) -> Response:
    session = db_session()
    run = services.get_run(session, run_id=run_id)
    case = services.get_case(session, case_id=run.case_id)
    definition = definition_for(session, run.workflow_id, run.version)
    items = services.list_work_items(session, status=None, run_id=run_id, limit=500)
    others = monitor.search_runs(
        session, filters=monitor.CaseFilter(case_id=run.case_id), limit=100
    ).items
    detail = RunDetail(
        run=run_out(run),
        state=RunState.model_validate(upgrade_snapshot(run.state)),  # as today's engine reads it
        case=CaseOut.of(case),
        workflow_name=definition.workflow.name,
        work_items=[WorkItemOut.of(item) for item in items],
        runs_of_case=[other.id for other in others],
    )
    return respond(detail)


@bp.get("/runs/<run_id>/log")
@documented(
    RouteDoc("Read a run's log", _TAG, {200: LogPage}, query=LogQuery, errors=(400, 404),
             path_params=_ID)
)  # fmt: skip
def read_log(run_id: str) -> Response:
    query = query_args(LogQuery)
    rows = services.read_log(
        db_session(), run_id=run_id, after_seq=query.after_seq, limit=query.limit + 1
    )
    events = [exports.log_line(row) for row in rows[: query.limit]]
    return respond(
        LogPage(
            run_id=run_id,
            events=events,
            last_seq=events[-1]["seq"] if events else query.after_seq,
            more=len(rows) > query.limit,
        )
    )


@bp.get("/runs/<run_id>/export")
@documented(
    RouteDoc(
        "Export a run's audit log",
        _TAG,
        {200: (_FORMATS, "The run and its events, in the asked format")},
        query=ExportRunQuery,
        errors=(400, 404),
        path_params=_ID,
    )
)
def export_run(run_id: str) -> Response:
    query = query_args(ExportRunQuery)
    body = "".join(exports.export_run_log(db_session(), run_id=run_id, fmt=query.format))
    return _download(iter([body]), query.format, f"run-{run_id}.{query.format}")


def _command(run_id: str, *, command: AdminCommandKind) -> Response:
    body = json_body(CommandBody)
    run = run_command(
        db_session(), run_id=run_id, command=command, actor=current_actor(),
        reason=body.reason, step_id=body.step_id,
    )  # fmt: skip
    return respond(run_out(run))


# One POST route per admin command: (endpoint and path, command, summary, description).
_COMMANDS = (
    ("pause", AdminCommandKind.PAUSE,
     "Pause a run", "Events are still recorded; nothing new starts."),
    ("resume", AdminCommandKind.RESUME,
     "Resume a paused run", "It catches up with what happened meanwhile."),
    ("cancel", AdminCommandKind.CANCEL,
     "Cancel a run", "Open work items and timers are withdrawn."),
    ("retry", AdminCommandKind.RETRY_STEP,
     "Retry an incident's failed step", "A fresh attempt of the step."),
    ("skip", AdminCommandKind.SKIP_STEP,
     "Skip an incident's failed step", "The run carries on without it."),
)  # fmt: skip
for _name, _kind, _summary, _description in _COMMANDS:
    _doc = RouteDoc(
        _summary,
        _TAG,
        {200: RunOut},
        body=CommandBody,
        errors=(400, 404, 415, 422),
        path_params=_ID,
        description=_description,
    )
    bp.add_url_rule(
        f"/runs/<run_id>/{_name}",
        endpoint=_name,
        view_func=documented(_doc)(partial(_command, command=_kind)),
        methods=["POST"],
    )
