"""The JSON Schema of the stored workflow format, for editors and the canvas's forms.

>>> schema = workflow_json_schema()
>>> schema["title"], schema["$schema"]
('Baton workflow', 'https://json-schema.org/draft/2020-12/schema')
>>> sorted(schema["$defs"]["StageNode"]["properties"])[:3]
['description', 'entry_condition', 'exit_condition']
"""

from __future__ import annotations

from typing import Any

from graphs.model import SCHEMA_VERSION, Workflow

__all__ = ["JSON_SCHEMA_DIALECT", "workflow_json_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def workflow_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a :class:`~graphs.model.Workflow` document.

    Node, step and condition unions are ``oneOf`` with a ``discriminator`` on
    ``kind``, so a form builder can pick the sub-form from an element's kind. The
    schema describes shape only; graph rules are checked by
    :func:`graphs.validation.validate`.
    """
    generated = Workflow.model_json_schema(mode="validation")
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "Baton workflow",
        "description": (
            "A Baton workflow: a directed graph of a start, stages (parallel groups of "
            "background and interactive steps), decisions and ends over a typed case "
            f"record. This schema describes stored format version {SCHEMA_VERSION}."
        ),
    }
    schema.update(
        {key: value for key, value in generated.items() if key not in ("title", "description")}
    )
    for definition in schema.get("$defs", {}).values():
        kind = definition.get("properties", {}).get("kind", {})
        if "const" in kind:
            # A union member's tag has a default in Python but must be present in a
            # document: it is how the loader tells a stage from a decision.
            required = definition.setdefault("required", [])
            if "kind" not in required:
                required.insert(0, "kind")
    schema["x-baton-schema-version"] = SCHEMA_VERSION
    return schema
