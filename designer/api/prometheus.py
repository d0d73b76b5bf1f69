"""``GET /api/metrics/prometheus``: Baton's metrics in the text format Prometheus scrapes.

This process's own metrics (step latencies, when the executor runs here; the process's
CPU, memory, collections) and the store's gauges (outbox depth and lag, due-timer lag,
work items waiting per queue, worker heartbeats), read when scraped:
:mod:`runtime.observability.metrics`.

Who may read it: the readers (admin, supervisor, viewer), as :mod:`designer.auth.policy`
says, which for Prometheus means an API token of a viewer account sent as a bearer token
(``authorization: {credentials_file: ...}`` in its scrape config). The figures name
queues, actions and worker hosts, so they are not public on a port that faces users;
processes without a web server serve them on a private probe port instead
(:mod:`runtime.observability.probes`, at ``/metrics``). Not at ``/metrics`` here: that
is the canvas's metrics page.
"""

from __future__ import annotations

from flask import Blueprint, Response

from designer.api.http import RouteDoc, documented
from designer.extensions import state
from runtime.observability.metrics import CONTENT_TYPE, exposition

__all__ = ["bp"]

bp = Blueprint("prometheus", __name__)


@bp.get("/metrics/prometheus")
@documented(
    RouteDoc(
        "Metrics for Prometheus",
        "meta",
        {200: ("text/plain", "Prometheus text exposition format")},
        description="This process's metrics (step latency by action, process figures) and "
        "the store's, read at each scrape: outbox depth and lag, due-timer lag, work items "
        "waiting per queue, worker heartbeats. Names and meanings: the README, "
        "'Operating Baton'. Prometheus sends a viewer's API token.",
    )
)
def metrics() -> Response:
    return Response(exposition(state().engine), content_type=CONTENT_TYPE)
