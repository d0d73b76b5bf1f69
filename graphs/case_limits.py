"""The limits on case data: what the store may hold so that Baton can always read it back.

One rule for every path that writes case fields (the REST API, forms, actions, the
Salesforce sync, imports): each checks with :func:`record_problem` or
:func:`value_problem` before anything is written. Pure: no I/O.

Why these limits: JSON columns are decoded with pydantic-core, which gives up past 200
levels of nesting (and the run state wraps the case two levels deeper); PostgreSQL
cannot store NUL in text; a lone surrogate cannot be encoded as UTF-8 at all; a number
past the float range becomes ``Infinity``, which JSON does not have. Sizes and counts
keep one case from costing every list and run that copies it.

>>> value_problem("note", "fine\\n")
>>> print(value_problem("note", "a\\x00b").message)  # doctest: +NORMALIZE_WHITESPACE
case field 'note': control character U+0000 at character 1 is not allowed (only tab and
line breaks are)
>>> record_problem({"bad name": 1}).limit
'field_name'
>>> record_problem({"amount": float("inf")}).message
"case field 'amount': numbers must be finite, within ±1.8e308 (got inf)"
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic_core

__all__ = [
    "CUT_NOTE",
    "FIELD_NAME",
    "MAX_DEPTH",
    "MAX_FIELDS",
    "MAX_FIELD_NAME_LENGTH",
    "MAX_INTEGER",
    "MAX_RECORD_BYTES",
    "MAX_VALUE_BYTES",
    "Problem",
    "clamped",
    "name_problem",
    "record_problem",
    "storable_value",
    "value_problem",
]

MAX_FIELDS = 500
"""Fields in one case record."""
MAX_FIELD_NAME_LENGTH = 100
"""Characters in a field name (Salesforce API names stop at 40 plus ``__c``)."""
MAX_DEPTH = 32
"""Levels of lists and objects inside one field's value (``[[1]]`` is 2 levels)."""
MAX_VALUE_BYTES = 256 * 1024
"""One field's value as UTF-8 JSON (fits a Salesforce long text area: 131,072 ASCII characters)."""
MAX_RECORD_BYTES = 1024 * 1024
"""A whole case record as UTF-8 JSON."""
MAX_INTEGER = 2**63 - 1
"""The largest integer magnitude (64-bit signed, what databases and clients can hold)."""

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
"""What a field name is made of: letters, digits, ``_`` and ``-``, not starting with a digit."""
CUT_NOTE = f"[removed by Baton: nested deeper than {MAX_DEPTH} levels]"
"""What :func:`clamped` puts in place of a list or object nested too deeply."""

# C0 and C1 control characters but tab, line feed and carriage return; and surrogates,
# which only exist in Python strings decoded from "\ud800"-style escapes, never in UTF-8.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a case field (``field``, or ``None`` for the record) breaks limit ``limit``."""

    field: str | None
    limit: str
    message: str
    allowed: int | None = None


def name_problem(name: Any) -> Problem | None:
    """Why ``name`` cannot name a case field, or ``None``.

    >>> name_problem("subject") is None
    True
    >>> name_problem("x" * 101).limit
    'field_name_length'
    """
    if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:57] + "..."
        return Problem(
            None if not isinstance(name, str) else _short(name),
            "field_name",
            f"invalid case field name {shown}; names are letters, digits, '_' and '-', "
            "starting with a letter or '_'",
        )
    if len(name) > MAX_FIELD_NAME_LENGTH:
        return Problem(
            _short(name),
            "field_name_length",
            f"case field name {_short(name)!r} is {len(name):,} characters long; "
            f"at most {MAX_FIELD_NAME_LENGTH} are allowed",
            MAX_FIELD_NAME_LENGTH,
        )
    return None


def value_problem(field: str, value: Any, *, what: str = "case field") -> Problem | None:
    """Why ``value`` cannot be stored in case field ``field``, or ``None``.

    Checks the kinds of value (JSON only), nesting, strings (no control characters but
    tab and line breaks, no lone surrogates), numbers (finite, integers within 64 bits)
    and the encoded size. ``what`` names the field in the message (a step output, say).

    >>> value_problem("deep", [[[1]]]) is None
    True
    >>> value_problem("deep", _nested(MAX_DEPTH + 1)).message
    "case field 'deep': nested more than 32 levels deep"
    >>> value_problem("big", 2**64, what="output").message
    "output 'big': integers are limited to ±9,223,372,036,854,775,807"
    """
    found = _walk(value)
    if isinstance(found, int):
        return None
    limit, reason, allowed = found
    return Problem(field, limit, f"{what} {field!r}: {reason}", allowed)


def storable_value(value: Any, *, what: str) -> Any:
    """``value`` unchanged when a workflow may hold it, else a ``ValueError`` (for validators).

    A value a workflow holds may be compared with or written to case data, so the case's
    limits apply to it; ``what`` names where it stands (a condition, a step input).

    >>> storable_value([1, "a"], what="condition")
    [1, 'a']
    >>> storable_value(2**64, what="condition")
    Traceback (most recent call last):
    ...
    ValueError: condition 'value': integers are limited to ±9,223,372,036,854,775,807
    """
    problem = value_problem("value", value, what=what)
    if problem is not None:
        raise ValueError(problem.message)
    return value


def record_problem(
    changes: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> Problem | None:
    """The first reason why ``changes`` (applied over ``current``) cannot be stored.

    Each changed name and value is checked, then the record as it would be: its number
    of fields and its size, unless it holds no more of either than ``current`` (a case
    stored before these limits). Fields of ``current`` that do not change are not
    checked again (they were checked when written).

    >>> record_problem({"a": 1}) is None
    True
    >>> many = {f"f{i}": i for i in range(MAX_FIELDS + 1)}
    >>> record_problem(many).limit
    'max_fields'
    >>> record_problem({"f0": "changed"}, many) is None
    True
    """
    if not isinstance(changes, Mapping):
        return Problem(None, "not_an_object", "case fields must be an object of names to values")
    sizes: dict[str, int] = {}
    for name, value in changes.items():
        problem = name_problem(name)
        if problem is not None:
            return problem
        found = _walk(value)
        if not isinstance(found, int):
            limit, reason, allowed = found
            return Problem(name, limit, f"case field {name!r}: {reason}", allowed)
        sizes[name] = found
    merged = {**current, **changes} if current else changes
    # A record stored before these limits may be past them already: a change that does
    # not make it worse is let through, so such a case can still be worked on.
    if len(merged) > MAX_FIELDS and len(merged) > len(current or ()):
        return Problem(
            None,
            "max_fields",
            f"a case may have at most {MAX_FIELDS:,} fields; this one would have {len(merged):,}",
            MAX_FIELDS,
        )
    if current:
        total = _record_bytes(merged)
    else:
        total = 2 + sum(_string_bytes(name) + 2 + size for name, size in sizes.items())
    if total > MAX_RECORD_BYTES and not (current and total <= _record_bytes(current)):
        return Problem(
            None,
            "max_record_bytes",
            f"the case record would hold {total:,} bytes of JSON; at most "
            f"{MAX_RECORD_BYTES:,} are allowed",
            MAX_RECORD_BYTES,
        )
    return None


def clamped(value: Any, *, _depth: int = 0) -> Any:
    """``value`` changed as little as it takes to pass :func:`value_problem`.

    For values stored before these limits: containers past :data:`MAX_DEPTH` become a
    note saying so, forbidden characters U+FFFD, numbers past the float range null,
    integers past 64 bits their digits as text; a value still too large becomes a note.

    >>> clamped({"a": "x\\x00", "b": float("nan"), "c": [2**64]})
    {'a': 'x\\ufffd', 'b': None, 'c': ['18446744073709551616']}
    >>> clamped(_nested(MAX_DEPTH + 2)) == _nested(MAX_DEPTH, CUT_NOTE)
    True
    """
    if _depth == 0:
        value = clamped(value, _depth=1)
        problem = value_problem("value", value)
        return value if problem is None else f"[removed by Baton: {problem.message}]"
    if isinstance(value, str):
        return _FORBIDDEN.sub("\ufffd", value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | dict) and _depth > MAX_DEPTH:
        return CUT_NOTE
    if isinstance(value, list):
        return [clamped(item, _depth=_depth + 1) for item in value]
    if isinstance(value, dict):
        return {
            _FORBIDDEN.sub("\ufffd", str(key)): clamped(item, _depth=_depth + 1)
            for key, item in value.items()
        }
    return str(value)


_Fault = tuple[str, str, int | None]
"""A limit broken inside a value: the limit's name, the reason, the number allowed."""


def _short(name: str) -> str:
    return name if len(name) <= 40 else name[:37] + "..."


def _string_bytes(text: str) -> int:
    # The UTF-8 length plus quotes; escapes add a little that the limits do not need.
    return len(text.encode("utf-8", "surrogatepass")) + 2


def _record_bytes(record: Mapping[str, Any]) -> int:
    # The record's encoded length, as the store will write it: fast, in Rust. A value it
    # cannot encode (only a row stored before these limits) is measured by the walk.
    try:
        return len(pydantic_core.to_json(record))
    except (ValueError, TypeError):
        return 2 + sum(
            _string_bytes(str(name)) + 2 + _size(value) for name, value in record.items()
        )


def _size(value: Any) -> int:
    found = _walk(value)
    return found if isinstance(found, int) else 0


def _walk(value: Any) -> int | _Fault:
    """The value's approximate JSON size in bytes, or the first limit it breaks.

    Iterative, so that a value nested far beyond the limit costs no recursion; it stops
    as soon as the size passes the limit, so a huge value costs little more than that.
    """
    size = 0
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        if item is None or item is True or item is False:
            size += 5
        elif isinstance(item, str):
            if len(item) > MAX_VALUE_BYTES:
                return _too_big(len(item))
            bad = _FORBIDDEN.search(item)
            if bad is not None:
                return _bad_character(where, bad.group(), bad.start())
            size += _string_bytes(item)
        elif isinstance(item, int):
            if abs(item) > MAX_INTEGER:
                return ("max_integer", f"{_at(where)}integers are limited to ±{MAX_INTEGER:,}",
                        MAX_INTEGER)  # fmt: skip
            size += 20
        elif isinstance(item, float):
            if not math.isfinite(item):
                return ("finite_number", f"{_at(where)}numbers must be finite, within ±1.8e308 "
                        f"(got {item})", None)  # fmt: skip
            size += 24
        elif isinstance(item, list | dict):
            if depth >= MAX_DEPTH:
                return ("max_depth", f"nested more than {MAX_DEPTH} levels deep", MAX_DEPTH)
            size += 2 + len(item)
            if isinstance(item, list):
                for index in range(len(item) - 1, -1, -1):
                    stack.append((item[index], depth + 1, f"{where}[{index}]"))
            else:
                for key, child in item.items():
                    if not isinstance(key, str):
                        return _not_json(where, key)
                    bad = _FORBIDDEN.search(key)
                    if bad is not None:
                        return _bad_character(where, bad.group(), bad.start())
                    size += _string_bytes(key)
                    stack.append((child, depth + 1, f"{where}.{_short(key)}"))
        else:
            return _not_json(where, item)
        if size > MAX_VALUE_BYTES:
            return _too_big(size)
    return size


def _at(where: str) -> str:
    return f"at {where.lstrip('.')}: " if where else ""


def _too_big(size: int) -> _Fault:
    return ("max_value_bytes", f"holds more than {MAX_VALUE_BYTES:,} bytes of JSON (at least "
            f"{size:,})", MAX_VALUE_BYTES)  # fmt: skip


def _bad_character(where: str, char: str, position: int) -> _Fault:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return ("lone_surrogate", f"{_at(where)}a lone surrogate (U+{code:04X}) at character "
                f"{position} is not text", None)  # fmt: skip
    return ("control_character", f"{_at(where)}control character U+{code:04X} at character "
            f"{position} is not allowed (only tab and line breaks are)", None)  # fmt: skip


def _not_json(where: str, item: Any) -> _Fault:
    return ("json_value", f"{_at(where)}a {type(item).__name__} is not a JSON value", None)


def _nested(depth: int, leaf: Any = 0) -> Any:
    value: Any = leaf
    for _ in range(depth):
        value = [value]
    return value
