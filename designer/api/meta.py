"""About the API itself: health and readiness, the workflow JSON Schema, actions, OpenAPI."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from designer.api.http import RouteDoc, documented, respond
from designer.api.schemas import ActionInfo, ActionList, Health, Readiness
from designer.extensions import state
from designer.openapi import openapi_document
from graphs.schema import workflow_json_schema
from runtime.actions.registry import available_actions
from runtime.observability.readiness import problems

__all__ = ["bp"]

bp = Blueprint("meta", __name__)

_TAG = "meta"


@bp.get("/health")
@documented(RouteDoc("Is the app up", _TAG, {200: Health}))
def health() -> Response:
    return respond(Health())


@bp.get("/ready")
@documented(
    RouteDoc(
        "Can the app serve",
        _TAG,
        {200: Readiness, 503: Readiness},
        description="Readiness, for a load balancer or an orchestrator: 200 when the "
        "database answers (and Redis, when REDIS_URL is set), else 503 naming what does "
        "not. `/api/health` says only that the process is up (liveness).",
    )
)
def ready() -> Response:
    baton = state(current_app)
    found = problems(baton.engine, baton.settings.redis_url, broker_name="redis")
    checks = {name: problem or "ok" for name, problem in found.items()}
    if any(found.values()):
        return respond(Readiness(status="not ready", checks=checks), 503)
    return respond(Readiness(status="ready", checks=checks))


@bp.get("/schema")
@documented(
    RouteDoc(
        "The JSON Schema of a workflow document",
        _TAG,
        {200: ("application/schema+json", "JSON Schema (draft 2020-12) of a workflow")},
    )
)
def schema() -> Response:
    response = jsonify(workflow_json_schema())
    response.mimetype = "application/schema+json"
    return response


@bp.get("/actions")
@documented(RouteDoc("Actions a background step can run", _TAG, {200: ActionList}))
def actions() -> Response:
    listed = [
        ActionInfo.model_validate(action.describe()) for action in available_actions().values()
    ]
    return respond(ActionList(actions=listed))


@bp.get("/openapi.json")
@documented(
    RouteDoc(
        "This API's OpenAPI 3.1 document",
        _TAG,
        {200: ("application/json", "An OpenAPI 3.1 document")},
    )
)
def openapi() -> Response:
    # Routes cannot change once the app serves requests, so one document per app.
    document: dict[str, Any] | None = current_app.extensions.get("baton.openapi")
    if document is None:
        document = openapi_document(current_app)
        current_app.extensions["baton.openapi"] = document
    return jsonify(document)
