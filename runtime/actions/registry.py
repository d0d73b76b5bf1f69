"""Where actions are found: the built-ins plus those registered as ``baton.actions``.

A package adds an action by declaring an entry point::

    [project.entry-points."baton.actions"]
    create_ticket = "acme_actions:CreateTicket"

The entry point must resolve to an :class:`~runtime.actions.base.Action` subclass with
``name``, ``Input`` and ``Output``. One broken entry point (import error, wrong type,
a name already taken) is logged and reported by :func:`load_errors` and in the
message of :class:`UnknownAction`; it never hides the other actions.

>>> sorted(name for name in available_actions() if name in BUILTIN_NAMES)
... # doctest: +NORMALIZE_WHITESPACE
['ai', 'assign', 'http_request', 'notify', 'salesforce_create', 'salesforce_query',
 'salesforce_update', 'set_fields', 'wait']
>>> get_action("set_fields").name
'set_fields'
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel

from graphs.action_specs import ActionSpec
from runtime.actions.ai import AiAction
from runtime.actions.base import Action
from runtime.actions.errors import UnknownAction
from runtime.actions.fields import AssignAction, SetFieldsAction
from runtime.actions.http import HttpRequestAction
from runtime.actions.notify import NotifyAction
from runtime.actions.salesforce import (
    SalesforceCreateAction,
    SalesforceQueryAction,
    SalesforceUpdateAction,
)
from runtime.actions.wait import WaitAction

__all__ = [
    "BUILTIN_NAMES",
    "ENTRY_POINT_GROUP",
    "action_catalogue",
    "available_actions",
    "get_action",
    "load_errors",
    "reload_actions",
]

logger = logging.getLogger("baton.actions")

ENTRY_POINT_GROUP = "baton.actions"
_BUILTINS: tuple[type[Action], ...] = (
    SetFieldsAction,
    NotifyAction,
    HttpRequestAction,
    AssignAction,
    WaitAction,
    SalesforceUpdateAction,
    SalesforceCreateAction,
    SalesforceQueryAction,
    AiAction,
)
BUILTIN_NAMES = frozenset(cls.name for cls in _BUILTINS)


@dataclass(slots=True)
class _Registry:
    actions: dict[str, Action] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _check_action_class(obj: object) -> str | None:
    """Why ``obj`` is not a usable action class, or None when it is."""
    if not isinstance(obj, type) or not issubclass(obj, Action):
        return f"{obj!r} is not a subclass of runtime.actions.base.Action"
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        return f"{obj.__qualname__} has no 'name'"
    for attribute in ("Input", "Output"):
        model = getattr(obj, attribute, None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return f"{obj.__qualname__}.{attribute} is not a pydantic model"
    if obj.run is Action.run:
        return f"{obj.__qualname__} does not implement run()"
    return None


def _load_entry_point(entry: EntryPoint, registry: _Registry) -> None:
    where = f"entry point {entry.name!r} ({entry.value})"
    try:
        loaded = entry.load()
    except Exception as exc:  # any import-time failure of a plug-in is its own problem
        registry.errors[entry.name] = f"{where} could not be imported: {exc!r}"
        return
    problem = _check_action_class(loaded)
    if problem is not None:
        registry.errors[entry.name] = f"{where}: {problem}"
        return
    name = loaded.name
    if name in registry.actions:
        registry.errors[entry.name] = f"{where}: the name {name!r} is already taken"
        return
    try:
        registry.actions[name] = loaded()
    except Exception as exc:
        registry.errors[entry.name] = f"{where}: could not be instantiated: {exc!r}"


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    registry = _Registry()
    for cls in _BUILTINS:
        registry.actions[cls.name] = cls()
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        _load_entry_point(entry, registry)
    for name, problem in registry.errors.items():
        logger.error("action %r not loaded: %s", name, problem)
    return registry


def available_actions() -> dict[str, Action]:
    """Every loaded action by name (built-ins first, then plug-ins by name)."""
    return dict(_registry().actions)


def action_catalogue() -> dict[str, ActionSpec]:
    """Every loaded action as validation sees it (``graphs.validation.validate(actions=)``):
    the JSON Schema of its step inputs and outputs and the case fields it writes."""
    return {name: action.spec() for name, action in _registry().actions.items()}


def get_action(name: str) -> Action:
    """The action registered as ``name``; :class:`UnknownAction` if there is none."""
    registry = _registry()
    try:
        return registry.actions[name]
    except KeyError:
        raise UnknownAction(name, sorted(registry.actions), dict(registry.errors)) from None


def load_errors() -> dict[str, str]:
    """Entry points that failed to load, by name, with the reason."""
    return dict(_registry().errors)


def reload_actions() -> None:
    """Forget the cached registry so the next lookup scans entry points again."""
    _registry.cache_clear()
