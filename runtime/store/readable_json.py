"""Reading stored JSON columns, including what earlier versions wrote but cannot read back.

Columns are decoded with pydantic-core, which is fast but gives up past 200 levels of
nesting and on a lone surrogate (``"\\ud800"``). Before the limits of
:mod:`graphs.case_limits`, the API stored both; one such row made every list that read it
fail. :func:`read_json` takes the fast path and, only when it fails, :func:`readable`:
containers nested deeper than :data:`MAX_READ_DEPTH` are replaced by a note saying so,
lone surrogates become U+FFFD, and text that is no JSON at all becomes
``{"baton_unreadable": why}`` instead of an error. Nothing here writes;
``baton cases repair`` stores the readable form.

>>> readable('{"a": [[[1]]]}', max_depth=2)
{'a': ['[removed by Baton: nested deeper than 2 levels]']}
>>> readable('{"note": "\\\\ud800x"}')
{'note': '\\ufffdx'}
>>> readable('{"cut": ')
{'baton_unreadable': 'stored JSON could not be read: Expecting value at character 8'}
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pydantic_core

__all__ = ["MAX_READ_DEPTH", "UNREADABLE_KEY", "read_json", "readable", "removed_note"]

logger = logging.getLogger("baton.store")

MAX_READ_DEPTH = 64
"""Containers deeper than this (from the column's root) are dropped on the slow path.

Far above what the limits let in (a case value's 32 levels, wrapped in a run's state),
far below pydantic-core's 200 for reading and 255 for writing an answer.
"""
UNREADABLE_KEY = "baton_unreadable"

# A JSON string (with its escapes) or one bracket: enough to follow nesting in one pass
# without reading anything, and without recursion however deep the text goes.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


def removed_note(max_depth: int) -> str:
    """The string that stands in for a container cut off below ``max_depth`` levels."""
    return f"[removed by Baton: nested deeper than {max_depth} levels]"


def read_json(text: str | bytes) -> Any:
    """A stored column's value: pydantic-core's reading, or :func:`readable` if it fails."""
    try:
        return pydantic_core.from_json(text)
    except ValueError:
        return readable(text)


def readable(text: str | bytes, *, max_depth: int = MAX_READ_DEPTH) -> Any:
    """``text`` decoded into something every reader and writer of Baton can handle."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        value = json.loads(_clip(text, max_depth))
    except (ValueError, RecursionError) as exc:
        reason = (
            f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else exc
        )
        logger.error("a stored JSON value could not be read (%s); read as a note", reason)
        return {UNREADABLE_KEY: f"stored JSON could not be read: {reason}"}
    return _scrub(value)


def _clip(text: str, max_depth: int) -> str:
    """``text`` with every container below ``max_depth`` levels replaced by a note."""
    parts: list[str] = []
    depth = 0
    kept_from = 0
    cut_at = -1  # where the container being dropped starts, if one is
    for token in _TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > max_depth and cut_at < 0:
                cut_at = token.start()
        elif char in "]}":
            if depth == max_depth + 1 and cut_at >= 0:
                parts.append(text[kept_from:cut_at])
                parts.append(json.dumps(removed_note(max_depth)))
                kept_from = token.end()
                cut_at = -1
            depth -= 1
    parts.append(text[kept_from:])
    return "".join(parts)


def _scrub(value: Any) -> Any:
    """``value`` with lone surrogates in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {_scrub(key): _scrub(item) for key, item in value.items()}
    return value
