"""What every API route shares: reading bodies and queries into pydantic models,
writing responses from them, and describing itself for the OpenAPI document.

A route declares its body, query, responses and errors once with :func:`documented`;
the same declaration drives request validation and :mod:`designer.openapi`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Response, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from designer.api.schemas import MAX_ROW_INTEGER
from designer.errors import (
    InvalidBody,
    InvalidPathValue,
    InvalidQuery,
    MalformedJson,
    UnsupportedMediaType,
    validation_entries,
)

__all__ = [
    "ROUTE_DOC_ATTRIBUTE",
    "RouteDoc",
    "body_bytes",
    "bounded_path_values",
    "documented",
    "json_body",
    "minimal",
    "query_args",
    "raw_json_body",
    "require_json",
    "respond",
    "wants_minimal",
]

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

ROUTE_DOC_ATTRIBUTE = "__baton_route_doc__"


@dataclass(frozen=True)
class RouteDoc:
    """How one route is described in the OpenAPI document.

    ``responses`` maps a status to a response model, to ``None`` (no body), or to a
    ``(media type or types, description)`` pair for other bodies. ``errors`` lists the
    error statuses the route's own work may answer with, each with the contract's error
    body; :mod:`designer.openapi` adds those that follow from its query, body, path and
    access rule.
    """

    summary: str
    tag: str
    responses: Mapping[int, type[BaseModel] | tuple[str | tuple[str, ...], str] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)
    raw_body: str | None = None
    """Describes a JSON body that is not one model (an uploaded file), if any."""
    raw_body_types: tuple[str, ...] = ("application/json",)
    """The media types a ``raw_body`` may be sent as."""
    header_params: Mapping[str, str] = field(default_factory=dict)
    """Optional request headers the route heeds, each with what it does."""


def documented(doc: RouteDoc) -> Callable[[F], F]:
    """Attach ``doc`` to a view function."""

    def attach(view: F) -> F:
        setattr(view, ROUTE_DOC_ATTRIBUTE, doc)
        return view

    return attach


def _is_json_mimetype(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def require_json() -> None:
    """Refuse a body not sent as JSON (415): only JSON bodies are read by the API.

    Insisting on ``application/json`` also keeps plain cross-site form posts out, as a
    browser cannot send that type to another origin without asking first.
    """
    if not _is_json_mimetype(request.mimetype):
        sent = request.mimetype or "no content type"
        raise UnsupportedMediaType(
            f"Send the request body as JSON with 'Content-Type: application/json' "
            f"(got {sent}).",
            {"expected": "application/json", "received": request.mimetype or None},
        )


def body_bytes() -> bytes:
    """The request body's bytes; a body over the size limit is refused (413).

    A body sent without a ``Content-Length`` (chunked) is cut off at the limit by
    Werkzeug, which hands back what it read without a word: parsed, that truncated text
    would be refused as malformed JSON, or worse, read as something else. Reaching the
    limit therefore counts as passing it.
    """
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    return data


def raw_json_body() -> tuple[bytes, Any]:
    """The request body as bytes and as parsed JSON.

    Refuses a body not sent as JSON (415), malformed JSON naming the line and
    column (400), a string or key holding a lone surrogate, by path (400), and a body
    over the size limit (413, chunked bodies too).
    """
    require_json()
    data = body_bytes()
    if not data.strip():
        raise MalformedJson("The request body is empty; a JSON object is required.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJson(
            f"The request body is not UTF-8 text (invalid byte at offset {exc.start}).",
            {"offset": exc.start},
        ) from None
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except _NotJson as exc:
        raise MalformedJson(f"The request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise MalformedJson("The request body is nested too deeply to read.") from None
    except json.JSONDecodeError as exc:
        raise MalformedJson(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}.",
            {"line": exc.lineno, "column": exc.colno, "reason": exc.msg},
        ) from None
    if _SURROGATE_ESCAPE.search(text) is not None:
        where = _lone_surrogate_at(parsed)
        if where is not None:
            raise MalformedJson(
                f"The request body is not valid JSON text: {where} holds a lone surrogate "
                "(a \\ud800-\\udfff escape without its pair), which is no character.",
                {"path": where, "reason": "lone surrogate"},
            )
    return data, parsed


# A "\ud800"-style escape: the only way a lone surrogate gets into parsed JSON.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate_at(parsed: Any) -> str | None:
    """The path (``fields.subject``) of the first string or key holding a lone surrogate.

    Such a string cannot be encoded, so it would fail wherever it went next (the store,
    the answer): refused here for every body, by path. Iterative, for deep bodies.
    """
    stack: list[tuple[Any, str]] = [(parsed, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where or "(body)"
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else key
                if _SURROGATE.search(key):
                    return path
                stack.append((child, path))
    return None


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON does not have and browsers refuse.
    raise _NotJson(f"{name} is not a JSON value")


def _validate(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        entries = validation_entries(exc, data)
        first = entries[0]
        more = f" (and {len(entries) - 1} more)" if len(entries) > 1 else ""
        raise InvalidBody(
            f"The {what} is not valid: {first['path']}: {first['message']}{more}.",
            {"errors": entries},
        ) from None


def json_body(model: type[M]) -> M:
    """The request body validated as ``model`` (unknown fields are refused by path)."""
    _, parsed = raw_json_body()
    return _validate(model, parsed, "request body")


def query_args(model: type[M]) -> M:
    """The query string validated as ``model``; unknown parameters are ignored.

    A value the model refuses is a 400 ``invalid_query`` naming each parameter. Query
    models read numbers and times with the bounded types of :mod:`designer.api.schemas`,
    so nothing the store or date arithmetic cannot hold gets past this point.
    """
    data = request.args.to_dict()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Query models are flat: the first part of a location is the parameter's name
        # (a union such as "a version or 'draft'" adds the member it tried after it).
        entries: dict[str, dict[str, Any]] = {}
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0]) if error["loc"] else "(query)"
            if name in entries:
                entries[name]["message"] += f"; or {error['msg']}"
                continue
            entries[name] = {"path": name, "message": error["msg"], "type": error["type"]}
        first = next(iter(entries.values()))
        more = f" (and {len(entries) - 1} more)" if len(entries) > 1 else ""
        raise InvalidQuery(
            f"The query parameter {first['path']} is not valid: {first['message']}{more}.",
            {"errors": list(entries.values())},
        ) from None


def bounded_path_values() -> None:
    """Refuse a path integer beyond what the store holds (400 naming it), before any view.

    Werkzeug's ``int`` converter reads any run of digits; an id or version past
    :data:`~designer.api.schemas.MAX_ROW_INTEGER` cannot name a row, and handing it to
    the database fails there. Installed as a ``before_request`` after the access guard,
    so who may ask is settled before what they asked.
    """
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 <= value <= MAX_ROW_INTEGER:
            raise InvalidPathValue(
                f"The path parameter {name} is out of range: at most {MAX_ROW_INTEGER}.",
                {"parameter": name, "maximum": MAX_ROW_INTEGER},
            )


def wants_minimal() -> bool:
    """Whether the request asks for no answer body (``Prefer: return=minimal``, RFC 7240).

    An integration that only writes has no use for the record it changed; building that
    answer can cost more than the change (``benchmarks/stream.py``).
    """
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            name, _, value = preference.split(";", 1)[0].partition("=")
            if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
                return True
    return False


def minimal() -> Response:
    """The answer to a change that asked for ``return=minimal``: 204, and saying so."""
    response = Response(status=204)
    response.headers["Preference-Applied"] = "return=minimal"
    response.headers["Vary"] = "Prefer"
    return response


def respond(
    model: BaseModel, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``model`` as a JSON response (aliases such as ``from`` applied).

    Serialised by pydantic straight to JSON text, which for a large workflow is several
    times faster than building Python dicts for ``jsonify`` to encode.
    """
    response = Response(
        model.model_dump_json(by_alias=True), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
