"""Actions: the work a background step does (set fields, notify, HTTP, assign, wait, plug-ins).

See :mod:`runtime.actions.base` for the contract and :mod:`runtime.actions.registry`
for lookup and the ``baton.actions`` entry point group.
"""

from __future__ import annotations

from runtime.actions.base import Action, ActionContext, ActionResult, run_action
from runtime.actions.errors import ActionError, UnknownAction
from runtime.actions.registry import (
    action_catalogue,
    available_actions,
    get_action,
    load_errors,
    reload_actions,
)

__all__ = [
    "Action",
    "ActionContext",
    "ActionError",
    "ActionResult",
    "UnknownAction",
    "action_catalogue",
    "available_actions",
    "get_action",
    "load_errors",
    "reload_actions",
    "run_action",
]
