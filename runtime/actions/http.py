"""The ``http_request`` action: call an outside service and keep what it answered.

Failures are classified for the retry policy: no connection, a timeout, a 5xx or a
429 may pass on a later attempt (retryable); any other unexpected status, 4xx above
all, will not (not retryable, with a snippet of the response so the incident says
why).

While demo services are on (``BATON_DEMO_SERVICES``, by default in development only), a
request to a ``*.example.internal`` host, the placeholder services the shipped examples
call, is answered in-process by :mod:`runtime.demo.services` through
:mod:`runtime.demo.adapter`; every other host is called over the network as usual.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult
from runtime.demo.adapter import demo_session
from runtime.http_body import read_capped

__all__ = ["MAX_BODY_BYTES", "HttpRequestAction"]

MAX_BODY_BYTES = 64 * 1024
"""Response bodies are kept up to this size; longer ones are cut and flagged."""

SNIPPET_CHARS = 300


class HttpRequestInput(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    url: str = Field(min_length=1, description="An http:// or https:// URL")
    headers: dict[str, str] = Field(default_factory=dict)
    # Named json_body in Python because BaseModel already has a json() method.
    json_body: Any = Field(default=None, alias="json", description="A JSON request body")
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # One status or a list of them, as the step may give either.
    expected_status: Annotated[
        list[int],
        WithJsonSchema(
            {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}
        ),
    ] = Field(default_factory=list, description="Statuses that count as success; empty: any 2xx")

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("expected_status", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value


class HttpRequestOutput(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    status: int
    json_body: Any = Field(default=None, alias="json")
    text: str | None = None
    truncated: bool = False
    elapsed_ms: int


class HttpRequestAction(Action[HttpRequestInput, HttpRequestOutput]):
    """Send an HTTP request; succeed on the expected status, classify everything else."""

    name = "http_request"
    description = "Call an HTTP endpoint and record its status and body."

    def run(self, inputs: HttpRequestInput, ctx: ActionContext) -> ActionResult:
        headers = {"Idempotency-Key": ctx.idempotency_key, **inputs.headers}
        target = f"{inputs.method} {inputs.url}"
        # Demo hosts are answered in-process while demo services are on; every other
        # host goes over the network either way.
        session = demo_session() if ctx.settings.demo_services_enabled() else requests.Session()
        try:
            with (
                session,
                session.request(
                    inputs.method,
                    inputs.url,
                    headers=headers,
                    json=inputs.json_body,
                    timeout=inputs.timeout_seconds,
                    stream=True,
                ) as response,
            ):
                raw, truncated = read_capped(response, MAX_BODY_BYTES)
                elapsed_ms = int(response.elapsed.total_seconds() * 1000)
                status = response.status_code
                content_type = response.headers.get("Content-Type", "")
                encoding = response.encoding or "utf-8"
        except requests.Timeout as exc:
            raise ActionError(
                f"{target} timed out after {inputs.timeout_seconds:g}s", retryable=True
            ) from exc
        except requests.RequestException as exc:
            raise ActionError(f"{target} failed: {exc}", retryable=True) from exc

        text = raw.decode(encoding, errors="replace")
        ok = status in inputs.expected_status if inputs.expected_status else 200 <= status < 300
        if not ok:
            snippet = text[:SNIPPET_CHARS]
            retryable = status >= 500 or status == 429
            raise ActionError(
                f"{target} answered {status}"
                + (f" (expected {inputs.expected_status})" if inputs.expected_status else "")
                + (f": {snippet}" if snippet else ""),
                retryable=retryable,
            )

        body: Any = None
        if "json" in content_type.lower() and not truncated and text:
            try:
                body = json.loads(text)
            except ValueError:
                body = None
        return ActionResult(
            outputs={
                "status": status,
                "json": body,
                "text": None if body is not None else text,
                "truncated": truncated,
                "elapsed_ms": elapsed_ms,
            }
        )
