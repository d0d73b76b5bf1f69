"""``GET /metrics``: Baton's Prometheus metrics, in the text format Prometheus scrapes.

This process's own metrics (step latencies, when the executor runs here; the process's
CPU, memory, collections) and the store's gauges (outbox depth and lag, due-timer lag,
work items waiting per queue, worker heartbeats), read when scraped:
:mod:`runtime.observability.metrics`.

Who may read it: the readers (admin, supervisor, viewer), as :mod:`designer.auth.policy`
says, which for Prometheus means an API token of a viewer account sent as a bearer token
(``authorization: {credentials_file: ...}`` in its scrape config). The figures name
queues, actions and worker hosts, so they are not public on a port that faces users;
processes without a web server serve them on a private probe port instead
(:mod:`runtime.observability.probes`).

The path is Prometheus's usual one, outside ``/api``: it is not part of the REST API,
so it has no OpenAPI description (:mod:`designer.openapi` describes ``/api`` routes).
"""

from __future__ import annotations

from flask import Blueprint, Response

from designer.extensions import state
from runtime.observability.metrics import CONTENT_TYPE, exposition

__all__ = ["bp"]

bp = Blueprint("prometheus", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    """This process's metrics and the store's, as Prometheus text."""
    return Response(exposition(state().engine), content_type=CONTENT_TYPE)
