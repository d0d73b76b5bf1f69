"""The OpenAPI 3.1 document, generated from the app's routes and their pydantic models.

Nothing here is written by hand per route: every ``/api`` rule in the app's URL map
is described from the :class:`~designer.api.http.RouteDoc` its view carries, and the
schemas come from the models' own JSON Schemas (OpenAPI 3.1 speaks JSON Schema
2020-12, which is what pydantic writes). A route without a ``RouteDoc`` is an error,
so the document cannot silently fall behind the code.

The refusals that follow from how a route is built are added here, not listed per route,
so the document says what the server does: a query model answers 400 for a bad value,
a body 400, 413 and 415, a path integer 400 past its bound, and the guard of
:mod:`designer.auth.policy` 401 for a bad token and 403 for a role, ownership or CSRF
refusal.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import core_schema
from werkzeug.routing import Rule

from designer.api.http import ROUTE_DOC_ATTRIBUTE, RouteDoc
from designer.api.schemas import MAX_ROW_INTEGER, ErrorBody
from designer.auth.identity import CSRF_HEADER
from designer.auth.policy import POLICY
from designer.errors import UndocumentedRoute

__all__ = ["UndocumentedRoute", "api_rules", "openapi_document"]

_REF_TEMPLATE = "#/components/schemas/{model}"
_PARAM = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed JSON, or a body, query or path value that is not valid "
    "(each named in details.errors or details.parameter)",
    401: "No account: sign in, or send a valid API token",
    403: "Refused: the role or ownership does not allow it, or a browser change came "
    "without the CSRF token",
    404: "No such resource",
    409: "Conflict with the current state (details say which)",
    413: "The request body is too large",
    415: "The body is not sent as application/json",
    422: "Refused by a domain rule (details say which)",
    429: "Too many attempts; Retry-After says when to try again",
    502: "The remote service refused Baton's credentials",
    503: "The remote service is unavailable",
}


def _security_schemes(app: Flask) -> dict[str, Any]:
    return {
        "token": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`baton users tokens create`); needs no CSRF token.",
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config["SESSION_COOKIE_NAME"],
            "description": (
                "A browser session from `POST /api/session`; every change also sends the "
                f"session's CSRF token (`GET /api/session`) in `{CSRF_HEADER}`."
            ),
        },
    }


_SIGNED_IN: list[dict[str, list[str]]] = [{"token": []}, {"session": []}]

Mode = Literal["validation", "serialization"]


class _ResponsesCarryEveryField(GenerateJsonSchema):
    """Responses are dumped whole (``respond``), so every field of one is present.

    Pydantic marks a field with a default as optional in both modes; a client reading a
    response would then have to test for fields that are always there.
    """

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return not field.get("serialization_exclude")
        return super().field_is_required(field, total)


def api_rules(app: Flask) -> list[Rule]:
    """Every rule of ``app`` under ``/api``, sorted by path."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")),
        key=lambda rule: rule.rule,
    )


def _openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule)


def _has_int_path(rule: Rule) -> bool:
    return any(match.group("converter") == "int" for match in _PARAM.finditer(rule.rule))


def _path_parameters(rule: Rule, doc: RouteDoc) -> list[dict[str, Any]]:
    parameters = []
    for match in _PARAM.finditer(rule.rule):
        name = match.group("name")
        # designer.api.http.bounded_path_values refuses integers past the bound.
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 0, "maximum": MAX_ROW_INTEGER}
            if match.group("converter") == "int"
            else {"type": "string"}
        )
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": doc.path_params.get(name, ""),
                "schema": schema,
            }
        )
    return parameters


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=_REF_TEMPLATE)
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _refusals(rule: Rule, doc: RouteDoc, method: str) -> set[int]:
    """The error statuses that follow from how the route is built and guarded."""
    statuses = {401}  # a bad or revoked token is refused on every route, public ones too
    if doc.query is not None or _has_int_path(rule):
        statuses.add(400)
    if doc.body is not None or doc.raw_body is not None:
        statuses |= {400, 413, 415}
    policy = POLICY.get(rule.endpoint)
    if policy is None or not policy.is_public or method not in _SAFE_METHODS:
        statuses.add(403)  # a role, ownership or CSRF refusal (none at all without a rule)
    return statuses


def _content(media_types: str | tuple[str, ...]) -> dict[str, Any]:
    """Bodies other than models: JSON documents are objects, anything else is text."""
    listed = (media_types,) if isinstance(media_types, str) else media_types
    return {
        media_type: {"schema": {"type": "object" if "json" in media_type else "string"}}
        for media_type in listed
    }


def _security(rule: Rule) -> list[dict[str, list[str]]]:
    policy = POLICY.get(rule.endpoint)
    if policy is not None and policy.is_public:
        return [{}, *_SIGNED_IN]  # anyone; an account is read when one is sent
    if policy is not None and not policy.token_allowed:
        return [{"session": []}]
    return _SIGNED_IN


def _documented_views(app: Flask) -> list[tuple[Rule, RouteDoc]]:
    found = []
    for rule in api_rules(app):
        doc = getattr(app.view_functions[rule.endpoint], ROUTE_DOC_ATTRIBUTE, None)
        if not isinstance(doc, RouteDoc):
            raise UndocumentedRoute(f"{rule.rule} ({rule.endpoint}) has no RouteDoc")
        found.append((rule, doc))
    return found


def _model_refs(
    views: list[tuple[Rule, RouteDoc]],
) -> tuple[dict[tuple[type[BaseModel], Mode], str], dict[str, Any]]:
    # Error bodies are written by designer.errors.error_response, which leaves out empty
    # details: described as read (validation), where a field with a default is optional.
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(ErrorBody, "validation"): None}
    for _, doc in views:
        if doc.body is not None:
            wanted[(doc.body, "validation")] = None
        for response in doc.responses.values():
            if isinstance(response, type):
                wanted[(response, "serialization")] = None
    key_map, definitions = models_json_schema(
        list(wanted),
        by_alias=True,
        ref_template=_REF_TEMPLATE,
        schema_generator=_ResponsesCarryEveryField,
    )
    refs: dict[tuple[type[BaseModel], Mode], str] = {
        (model, mode): value["$ref"]
        for (model, mode), value in key_map.items()
        if isinstance(model, type) and issubclass(model, BaseModel)
    }
    return refs, dict(definitions.get("$defs", {}))


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s API.

    Raises
    ------
    UndocumentedRoute
        When an ``/api`` route has no :class:`~designer.api.http.RouteDoc`.
    """
    views = _documented_views(app)
    refs, schemas = _model_refs(views)
    error_ref = {"$ref": refs[(ErrorBody, "validation")]}
    paths: dict[str, dict[str, Any]] = {}
    for rule, doc in views:
        operations = paths.setdefault(_openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - _IGNORED_METHODS):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": doc.summary,
                "tags": [doc.tag],
                "security": _security(rule),
            }
            if doc.description:
                operation["description"] = doc.description
            parameters = _path_parameters(rule, doc)
            parameters += [
                {"name": name, "in": "header", "required": False, "description": text,
                 "schema": {"type": "string"}}
                for name, text in doc.header_params.items()
            ]  # fmt: skip
            if doc.query is not None:
                parameters += _query_parameters(doc.query, schemas)
            if parameters:
                operation["parameters"] = parameters
            if doc.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": refs[(doc.body, "validation")]}}
                    },
                }
            elif doc.raw_body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "description": doc.raw_body,
                    "content": _content(doc.raw_body_types),
                }
            responses: dict[str, Any] = {}
            for status, response in sorted(doc.responses.items()):
                entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "")}
                if isinstance(response, type):
                    ref = refs[(response, "serialization")]
                    entry["content"] = {"application/json": {"schema": {"$ref": ref}}}
                elif isinstance(response, tuple):
                    media_types, description = response
                    entry["description"] = description
                    entry["content"] = _content(media_types)
                responses[str(status)] = entry
            for status in sorted(set(doc.errors) | _refusals(rule, doc, method)):
                responses[str(status)] = {
                    "description": _STATUS_TEXT.get(status, "Error"),
                    "content": {"application/json": {"schema": error_ref}},
                }
            operation["responses"] = responses
            operations[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Baton designer API",
            "version": "1",
            "description": (
                "Baton's REST API: workflow definitions (drafts guarded by revisions, "
                "immutable published versions, activation, diff, import and export), "
                "cases, runs, work items, routing, metrics, accounts and Salesforce. "
                "Every error has the body described by the ErrorBody schema. A method a "
                "path does not list answers 405 with `Allow` naming the ones it does; "
                "an unknown path under /api answers 404."
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": _security_schemes(app),
        },
    }
