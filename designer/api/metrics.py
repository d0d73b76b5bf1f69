"""Routing and SLA figures over a period, per workflow and/or queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response
from pydantic import Field

from designer.api.http import RouteDoc, documented, query_args, respond
from designer.api.schemas import Instant, QueryModel
from designer.extensions import db_session
from runtime.services.metrics import MAX_PERIOD, MetricsOut, compute_metrics

__all__ = ["bp"]

bp = Blueprint("metrics", __name__)


class MetricsQuery(QueryModel):
    """The period (default: the last 7 days) and what to narrow it to."""

    start: Instant | None = Field(default=None, description="ISO 8601; default 7 days before end")
    end: Instant | None = Field(default=None, description="ISO 8601; default now")
    workflow_id: str | None = None
    queue: str | None = None


@bp.get("/metrics")
@documented(
    RouteDoc(
        "Routing and SLA figures",
        "routing",
        {200: MetricsOut},
        query=MetricsQuery,
        errors=(400,),
        description="Reassignment rate, first-time-right assignment, time to first "
        "assignment, time in stage, time to resolution, SLA attainment and agent "
        "utilisation, with a point per day, for items created in the period. The period "
        f"ends after it starts and spans at most {MAX_PERIOD.days} days (400 otherwise).",
    )
)
def metrics() -> Response:
    query = query_args(MetricsQuery)
    now = datetime.now(UTC)
    end = query.end or now
    start = query.start or end - timedelta(days=7)
    result = compute_metrics(
        db_session(),
        start=start,
        end=end,
        workflow_id=query.workflow_id or None,
        queue=query.queue or None,
        now=now,
    )
    return respond(result)
