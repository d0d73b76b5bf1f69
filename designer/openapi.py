"""The OpenAPI 3.1 document, generated from the app's routes and their pydantic models.

Nothing here is written by hand per route: every ``/api`` rule in the app's URL map
is described from the :class:`~designer.api.http.RouteDoc` its view carries, and the
schemas come from the models' own JSON Schemas (OpenAPI 3.1 speaks JSON Schema
2020-12, which is what pydantic writes). A route without a ``RouteDoc`` is an error,
so the document cannot silently fall behind the code.
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
from designer.api.schemas import ErrorBody

__all__ = ["UndocumentedRoute", "api_rules", "openapi_document"]

_REF_TEMPLATE = "#/components/schemas/{model}"
_PARAM = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_]+)>")
_IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    400: "Malformed JSON, or a body or query that is not valid (paths in details.errors)",
    404: "No such workflow or version",
    409: "Conflict: stale revision, existing id, or published versions",
    413: "The request body is too large",
    415: "The body is not sent as application/json",
    422: "The workflow has validation errors (details.problems)",
}

Mode = Literal["validation", "serialization"]


class UndocumentedRoute(LookupError):
    """An /api route's view carries no RouteDoc."""


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


def _path_parameters(rule: Rule, doc: RouteDoc) -> list[dict[str, Any]]:
    parameters = []
    for match in _PARAM.finditer(rule.rule):
        name = match.group("name")
        schema = {"type": "integer"} if match.group("converter") == "int" else {"type": "string"}
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
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(ErrorBody, "serialization"): None}
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
    error_ref = {"$ref": refs[(ErrorBody, "serialization")]}
    paths: dict[str, dict[str, Any]] = {}
    for rule, doc in views:
        operations = paths.setdefault(_openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - _IGNORED_METHODS):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": doc.summary,
                "tags": [doc.tag],
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
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            responses: dict[str, Any] = {}
            for status, response in sorted(doc.responses.items()):
                entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "")}
                if isinstance(response, type):
                    ref = refs[(response, "serialization")]
                    entry["content"] = {"application/json": {"schema": {"$ref": ref}}}
                elif isinstance(response, tuple):
                    media_type, description = response
                    entry["description"] = description
                    entry["content"] = {media_type: {"schema": {"type": "object"}}}
                responses[str(status)] = entry
            for status in doc.errors:
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
                "Workflow definitions for Baton's canvas: drafts guarded by revisions, "
                "immutable published versions, activation, diff, import and export. "
                "Every error has the body described by the ErrorBody schema."
            ),
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
