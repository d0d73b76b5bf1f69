"""Fast construction and copying of the engine's own pydantic objects.

The transition builds a handful of log events, effects and step states per event.
Validating data the engine itself produced is wasted work, and pydantic's
``model_construct``/``model_copy`` cost several microseconds each, which dominated a
transition. These helpers do what ``model_construct`` does, minus its generality: the
caller passes *every* field, already of the right type. A test checks that every
object the engine builds this way survives a ``model_validate`` round trip unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from graphs.conditions import Facts

__all__ = ["builder", "clone", "make", "make_facts"]

M = TypeVar("M", bound=BaseModel)
# BaseModel keeps its bookkeeping in slots; their descriptors set them directly, which
# is about twice as fast as object.__setattr__ by name.
_new = object.__new__
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__

# Every object built here has all of its fields set, so its fields-set is the class's
# field names. One set per class is shared: pydantic only ever adds a field name to it
# (on attribute assignment), which for a set already holding every name changes nothing.
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


def _fields_of(cls: type[BaseModel]) -> set[str]:
    names = _ALL_FIELDS.get(cls)
    if names is None:
        names = _ALL_FIELDS[cls] = set(cls.model_fields)
    return names


def make(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` holding ``values`` (all of its fields), unvalidated.

    >>> from runtime.engine.types import CancelTimer
    >>> make(CancelTimer, {"kind": "cancel_timer", "timer_key": "k"}) == CancelTimer(timer_key="k")
    True
    """
    obj = _new(cls)
    _set_dict(obj, values)
    names = _ALL_FIELDS.get(cls)
    _set_fields_set(obj, names if names is not None else _fields_of(cls))
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


def builder(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A one-argument ``make`` for ``cls``: ``builder(cls)(values)``, with less lookup."""
    names = _fields_of(cls)

    def build(values: dict[str, Any]) -> M:
        obj = _new(cls)
        _set_dict(obj, values)
        _set_fields_set(obj, names)
        _set_extra(obj, None)
        _set_private(obj, None)
        return obj

    return build


def clone(obj: M) -> M:
    """A shallow copy of ``obj``: a new ``__dict__``, the same field values."""
    return make(type(obj), dict(obj.__dict__))


# Facts is a frozen dataclass: its __init__ sets each field through
# object.__setattr__, several times slower than the slots' own descriptors.
_FACT_SLOTS = tuple(Facts.__dict__[name].__set__ for name in Facts.__slots__)
assert Facts.__slots__ == ("case", "previous_case", "steps", "sla", "counters")


def make_facts(
    case: Mapping[str, Any],
    previous_case: Mapping[str, Any] | None,
    steps: Mapping[str, Mapping[str, Any]],
    sla: Mapping[str, Any],
    counters: Mapping[str, int],
) -> Facts:
    """``Facts(case, previous_case, steps, sla, counters)``, built without its __init__."""
    facts = _new(Facts)
    set_case, set_previous, set_steps, set_sla, set_counters = _FACT_SLOTS
    set_case(facts, case)
    set_previous(facts, previous_case)
    set_steps(facts, steps)
    set_sla(facts, sla)
    set_counters(facts, counters)
    return facts
