"""One JSON error handler for the whole app: domain errors in, the contract's body out.

Every error response has the shape::

    {"error": {"code": "<snake_case>", "message": "<a sentence>", "details": {...}}}

Routes never build error bodies; they raise. The status follows from the error's
class (the nearest match in its MRO wins): unknown things are 404, conflicts 409,
malformed input 400, refused domain input 422, oversized bodies 413.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from graphs.errors import BatonError, DocumentTooLarge, GraphError, WorkflowFormatError
from runtime.accounts.errors import CurrentPasswordWrong, LoginRefused, LoginThrottled
from runtime.actions.errors import UnknownAction
from runtime.engine.errors import UnsupportedRunStateVersion
from runtime.errors import (
    BatonRuntimeError,
    Conflict,
    FormValidationError,
    InvalidCommand,
    InvalidInput,
    InvalidWorkflow,
)
from runtime.errors import NotFound as DomainNotFound
from runtime.salesforce.errors import (
    SalesforceAuthError,
    SalesforceNotConfigured,
    SalesforceRequestError,
    SalesforceUnavailable,
)

__all__ = [
    "ApiError",
    "CrossOrigin",
    "InvalidBody",
    "InvalidPathValue",
    "InvalidQuery",
    "MalformedJson",
    "TooLargeForDataFlow",
    "TooLargeForRole",
    "TooLargeToRead",
    "UndocumentedRoute",
    "UnsupportedMediaType",
    "ValidationBusy",
    "error_response",
    "register_error_handlers",
    "validation_entries",
]

logger = logging.getLogger("baton.designer")


class ApiError(BatonError):
    """An error of the HTTP layer itself (the request, not the domain, is wrong)."""

    status = 400
    code = "bad_request"
    headers: Mapping[str, str] = {}
    """Response headers the refusal carries (``WWW-Authenticate`` on a 401)."""

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details) if details is not None else None


class MalformedJson(ApiError):
    """The body is not JSON; ``details`` carries the line and column."""

    code = "malformed_json"


class UnsupportedMediaType(ApiError):
    """The body is not sent as JSON."""

    status = 415
    code = "unsupported_media_type"


class CrossOrigin(ApiError):
    """A state-changing request sent by a page of another origin."""

    status = 403
    code = "cross_origin_request"


class InvalidBody(ApiError):
    """The body is JSON but not what the endpoint takes; ``details.errors`` has the paths."""

    code = "invalid_body"


class InvalidQuery(ApiError):
    """A query parameter is not what the endpoint takes; ``details.errors`` names each."""

    code = "invalid_query"


class InvalidPathValue(ApiError):
    """A value in the URL's path is out of range; ``details.parameter`` names it."""

    code = "invalid_path"


class ValidationBusy(ApiError):
    """This account (or the server) has as many large validations under way as it may."""

    status = 429
    code = "validation_busy"
    headers = {"Retry-After": "2"}


class TooLargeForRole(ApiError):
    """The document is larger than the caller's role may have validated."""

    status = 413
    code = "payload_too_large"


class TooLargeToRead(ApiError):
    """The stored document is larger than the caller's role may have read."""

    status = 403
    code = "too_large_for_role"


class TooLargeForDataFlow(ApiError):
    """The document is larger than the data flow is worked out for."""

    status = 413
    code = "payload_too_large"


class UndocumentedRoute(BatonError, LookupError):
    """An /api route's view carries no RouteDoc, so the OpenAPI document cannot name it."""

    code = "undocumented_route"


# Status of each domain error class; the nearest class in an error's MRO decides.
_STATUS: dict[type[BaseException], int] = {
    SalesforceNotConfigured: 409,
    SalesforceAuthError: 502,
    SalesforceUnavailable: 503,
    SalesforceRequestError: 422,
    DocumentTooLarge: 413,
    WorkflowFormatError: 400,
    GraphError: 400,
    DomainNotFound: 404,
    LoginRefused: 401,
    CurrentPasswordWrong: 403,
    LoginThrottled: 429,
    UnknownAction: 404,
    Conflict: 409,
    # A run stored by a newer Baton (or damaged): this server cannot read it as it is.
    UnsupportedRunStateVersion: 409,
    InvalidWorkflow: 422,
    FormValidationError: 422,
    InvalidCommand: 422,
    InvalidInput: 400,
    BatonRuntimeError: 400,
}

# Friendlier codes than werkzeug's names for the HTTP errors clients meet.
_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}
# Stands for input that is not at hand, so that every part of a location is kept.
_UNKNOWN: Any = object()


def error_response(
    status: int, code: str, message: str, details: Mapping[str, Any] | None = None
) -> tuple[Response, int]:
    """The contract's error body with ``status``."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = dict(details)
    return jsonify({"error": error}), status


def _status_of(exc: BaseException) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 500


def _path(loc: Sequence[str | int], data: Any) -> str:
    """A document path such as ``workflow.nodes[2].steps[0].action`` for a pydantic loc.

    Pydantic puts the tag of a union member into ``loc`` (``nodes.2.stage.steps``);
    such a part names no key of the input, so walking the input alongside drops it.
    The last part is always kept: it is the missing or unknown key itself. Without the
    input (``_UNKNOWN``) every part is kept.
    """
    text = ""
    current: Any = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(part, int):
            text += f"[{part}]"
            if current is not _UNKNOWN:
                in_list = isinstance(current, list) and part < len(current)
                current = current[part] if in_list else None
            continue
        known = current is _UNKNOWN or (isinstance(current, Mapping) and part in current)
        if not last and not known:
            continue
        text += f".{part}" if text else part
        if current is not _UNKNOWN:
            current = current.get(part) if isinstance(current, Mapping) else None
    return text


def validation_entries(exc: ValidationError, data: Any) -> list[dict[str, Any]]:
    """One ``{"path", "message", "type"}`` per pydantic error, paths walked over ``data``."""
    entries = []
    for error in exc.errors(include_url=False):
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "Unknown field: not part of this object"
        entries.append(
            {"path": _path(error["loc"], data) or "(body)", "message": message,
             "type": error["type"]}
        )
    return entries


def _summarise(entries: list[dict[str, Any]]) -> str:
    first = entries[0]
    more = f" (and {len(entries) - 1} more)" if len(entries) > 1 else ""
    return f"The request body is not valid: {first['path']}: {first['message']}{more}."


def _domain_details(exc: BaseException) -> dict[str, Any] | None:
    if isinstance(exc, WorkflowFormatError):
        return {"issues": [issue.to_dict() for issue in exc.issues]}
    if isinstance(exc, BatonRuntimeError):
        extra = {k: v for k, v in exc.to_dict().items() if k not in ("code", "message")}
        return extra or None
    return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, WorkflowFormatError) and exc.issues:
        # One line for a toast; every issue is in details.issues.
        more = f" (and {len(exc.issues) - 1} more)" if len(exc.issues) > 1 else ""
        why = "" if exc.summary == "not a valid workflow" else f" ({exc.summary})"
        return f"The file is not a valid workflow{why}: {exc.issues[0]}{more}."
    return str(exc)


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _http_error(app: Flask, exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    code = _HTTP_CODES.get(status) or _CAMEL.sub("_", type(exc).__name__).lower()
    details: dict[str, Any] | None = None
    if status == 413:
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        message = f"The request body is larger than the {limit:,} bytes accepted."
        details = {"max_bytes": limit}
    elif status == 404 and request.path.startswith("/api"):
        message = f"There is no API endpoint at {request.path}."
    elif isinstance(exc, MethodNotAllowed):
        allowed = sorted(exc.valid_methods or [])
        message = f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}."
        details = {"allowed": allowed}
    else:
        message = exc.description or exc.name
    response, status = error_response(status, code, message, details)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


def register_error_handlers(app: Flask) -> None:
    """Install the one handler that turns every exception into the contract's body."""

    @app.errorhandler(Exception)
    def _handle(exc: Exception) -> tuple[Response, int]:
        if isinstance(exc, ApiError):
            refused, status = error_response(exc.status, exc.code, exc.message, exc.details)
            refused.headers.update(exc.headers)
            return refused, status
        if isinstance(exc, HTTPException):
            return _http_error(app, exc)
        if isinstance(exc, ValidationError):
            # A model refused data outside the body helpers: still the client's data.
            entries = validation_entries(exc, _UNKNOWN)
            return error_response(400, "invalid_body", _summarise(entries), {"errors": entries})
        status = _status_of(exc)
        if status == 500:
            logger.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(
                500, "internal_error", "Something went wrong on the server; it has been logged."
            )
        code = getattr(exc, "code", None) or "error"
        response, status = error_response(status, code, _message(exc), _domain_details(exc))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:  # a throttled sign-in says when to try again
            response.headers["Retry-After"] = str(retry_after)
        return response, status
