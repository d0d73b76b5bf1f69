"""What a validation pool process runs (:mod:`designer.validation_pool`).

Kept apart, with light imports: a pool process imports only this module and
:mod:`graphs`, not the web app.
"""

from __future__ import annotations

import json
from typing import Any

from graphs.action_specs import ActionCatalogue
from graphs.model import Workflow
from graphs.validation import validate

__all__ = ["problems_of_body"]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def problems_of_body(
    data: bytes, actions: ActionCatalogue | None = None
) -> list[dict[str, Any]] | None:
    """The problems of a ``{"workflow": ...}`` body as JSON, or ``None`` if the body is not
    one (the request thread then reads it again to say exactly what is wrong).

    Runs in a pool process: plain data in and out. ``actions`` is the app's action
    catalogue (plain data too), which the pool process does not load itself.

    >>> problems_of_body(b'{"workflow": 1}') is None
    True
    """
    try:
        parsed = json.loads(data, parse_constant=_refuse_constant)
        if not isinstance(parsed, dict) or set(parsed) != {"workflow"}:
            return None
        workflow = Workflow.model_validate(parsed["workflow"])
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return None
    return [problem.model_dump(mode="json") for problem in validate(workflow, actions=actions)]
