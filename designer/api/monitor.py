"""The monitor: a workflow's cases per node, stuck cases, incidents, bulk commands."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, Response

from designer.api.http import RouteDoc, documented, json_body, query_args, respond
from designer.api.run_schemas import (
    BulkBody,
    BulkItem,
    BulkOut,
    MonitorOut,
    MonitorQuery,
    NodeOut,
    RunOut,
    current_actor,
)
from designer.extensions import db_session
from runtime.services import monitor
from runtime.store.tables import RunRow, utcnow

__all__ = ["bp"]

bp = Blueprint("monitor", __name__)

_TAG = "monitor"


@bp.get("/monitor/<workflow_id>")
@documented(
    RouteDoc(
        "A workflow's live picture",
        _TAG,
        {200: MonitorOut},
        query=MonitorQuery,
        errors=(400, 404),
        path_params={"workflow_id": "The workflow's id"},
        description=(
            "Active cases per node (count, age in node p50/p90, SLA at risk and breached, "
            "incidents), cases stuck longer than `stuck_minutes`, and incidents."
        ),
    )
)
def workflow_monitor(workflow_id: str) -> Response:
    query = query_args(MonitorQuery)
    session = db_session()
    now = utcnow()
    picture = monitor.monitor_workflow(
        session, workflow_id=workflow_id, stuck_minutes=query.stuck_minutes, now=now
    )

    def rows(runs: list[RunRow]) -> list[RunOut]:
        return [RunOut.of(s) for s in monitor.summarize_runs(session, runs=runs, now=now)]

    # The service's figures pass as they are; its rows become the answer's shapes.
    figures = {f.name: getattr(picture, f.name) for f in fields(picture)}
    return respond(
        MonitorOut(
            **{
                **figures,
                "nodes": [NodeOut.of(node) for node in picture.nodes.values()],
                "stuck": rows(picture.stuck),
                "incidents": rows(picture.incidents),
                "at": now,
            }
        )
    )


@bp.post("/monitor/bulk")
@documented(
    RouteDoc(
        "Retry or cancel several runs",
        _TAG,
        {200: BulkOut},
        body=BulkBody,
        errors=(400, 415),
        description="Each run succeeds or fails on its own; the answer says which.",
    )
)
def bulk() -> Response:
    body = json_body(BulkBody)
    results = monitor.bulk_command(
        db_session(),
        command=body.command,
        run_ids=body.run_ids,
        actor=current_actor(),
        reason=body.reason,
    )
    return respond(
        BulkOut(
            results=[
                BulkItem(run_id=r.run_id, ok=r.ok, status=r.status, error=r.error) for r in results
            ]
        )
    )
