"""What the canvas offers an admin while a workflow is drawn: the data flow of the
document being edited (for a field, what writes it and what reads it) and, in
development, the addresses the built-in demo services answer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field

from designer.api.http import RouteDoc, documented, json_body, respond
from designer.api.schemas import ValidateBody
from designer.errors import TooLargeForDataFlow
from designer.extensions import state
from graphs.dataflow import Access, data_flow
from runtime.actions.registry import action_catalogue
from runtime.demo import services as demo_services

__all__ = ["bp"]

bp = Blueprint("design_aids", __name__)

_TAG = "design"

MAX_BYTES = 1024 * 1024
"""The data flow is worked out on the request thread: documents the canvas edits by hand
are far smaller (the shipped examples are a few tens of KiB)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccessOut(_Out):
    """A part of the workflow that writes or reads a field; the ids locate it on the canvas."""

    field: str
    kind: str = Field(description="What kind of part: a form field, an action, a condition, …")
    what: str = Field(description="The part, for a person")
    node_id: str | None = None
    step_id: str | None = None
    edge_id: str | None = None
    path: str | None = Field(default=None, description="Where in the document")
    type: str | None = Field(default=None, description="What a writer writes, when known")

    @classmethod
    def of(cls, access: Access) -> AccessOut:
        return cls(**access.to_dict())


class FieldFlow(_Out):
    """One field path (``case.resolved``, ``step.work.resolved``) and who writes and reads it."""

    field: str
    writers: list[AccessOut]
    readers: list[AccessOut]


class DataFlowOut(_Out):
    """Every field path the workflow writes or reads. ``complete`` is false when some
    action's writes are unknown (an action this server does not have)."""

    complete: bool
    fields: list[FieldFlow]


class DemoEndpoint(_Out):
    method: str
    url: str


class DemoServices(_Out):
    """The demo services' addresses, when this server answers them in-process."""

    enabled: bool
    endpoints: list[DemoEndpoint]


@bp.post("/design/data-flow")
@documented(
    RouteDoc(
        "The data flow of a workflow document",
        _TAG,
        {200: DataFlowOut},
        body=ValidateBody,
        errors=(400, 413, 415),
        description=(
            "Takes the body `POST /api/validate` takes (up to 1 MiB) and stores nothing: "
            "for every case field and step output, the parts of the workflow that write it "
            "(the case at "
            "creation, actions, mapped form fields and outputs, escalations) and that read "
            "it (conditions, rules, step inputs), as validation's data-flow rules see them."
        ),
    )
)
def workflow_data_flow() -> Response:
    if (request.content_length or 0) > MAX_BYTES:
        raise TooLargeForDataFlow(
            f"The data flow is worked out for documents of up to {MAX_BYTES:,} bytes.",
            {"max_bytes": MAX_BYTES},
        )
    request.max_content_length = MAX_BYTES  # a chunked body is cut off there
    workflow = json_body(ValidateBody).workflow
    flow = data_flow(workflow, action_catalogue())
    data: dict[str, Any] = flow.to_dict()
    return respond(DataFlowOut.model_validate(data))


@bp.get("/design/demo-services")
@documented(
    RouteDoc(
        "Addresses the demo services answer",
        _TAG,
        {200: DemoServices},
        description=(
            "While demo services are on (`BATON_DEMO_SERVICES`, default: development), "
            "`http_request` calls to these addresses are answered in-process; the step "
            "panel offers them. Off: `enabled` false and no addresses."
        ),
    )
)
def demo_service_addresses() -> Response:
    enabled = state().settings.demo_services_enabled()
    endpoints = []
    if enabled:
        for line in demo_services.endpoints():
            method, _, url = line.partition(" ")
            endpoints.append(DemoEndpoint(method=method, url=url))
    return respond(DemoServices(enabled=enabled, endpoints=endpoints))
