"""What Baton left on an element, read back beside what the Salesforce fields say.

The Salesforce fields win where both say something: a label, a position or an API name
changed in Flow Builder is kept. Baton's own value comes back only where the Salesforce
field is what Baton's value would have been written as (an empty name is written as the
id, a position rounded to whole numbers).

>>> kept_label("Triage", {"id": "triage", "name": ""}, "triage")
'Triage'
>>> kept_label("triage", {"id": "triage", "name": ""}, "triage")
''
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from graphs.interop.salesforce.vocabulary import read_baton_data, text

__all__ = ["dict_of", "edges_of", "kept_id", "kept_label", "list_of", "position", "text_of"]


def kept_id(element: Element, api: str) -> str:
    """The Baton id kept on ``element``, else its API name."""
    kept = read_baton_data(element) or {}
    value = kept.get("id")
    return value if isinstance(value, str) and value else api


def kept_label(label: str, kept: dict[str, Any], node_id: str) -> str:
    """The name: Baton's when ``label`` is what Baton wrote for it, else ``label``."""
    if not kept:
        return label
    name = kept.get("name", "")
    return str(name) if label == (name or node_id) else label


def position(element: Element, kept: dict[str, Any]) -> dict[str, float]:
    """``locationX/Y``, or Baton's exact position where it rounds to them."""
    old_position = dict_of(kept.get("position"))
    found: dict[str, float] = {}
    for axis in ("x", "y"):
        raw = text(element, f"location{axis.upper()}", "0")
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        old = old_position.get(axis, 0.0)
        found[axis] = old if isinstance(old, int | float) and round(old) == value else value
    return found


def dict_of(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def text_of(value: Any, default: str) -> str:
    """``value`` if it is a string, else ``default``."""
    return value if isinstance(value, str) else default


def edges_of(value: Any) -> list[dict[str, Any]]:
    """The edges Baton kept that name their id, source and target (and outcome) as text.

    >>> edges_of([{"id": "e", "source": "a", "target": "b"}, {"id": ["x"]}, 7])
    [{'id': 'e', 'source': 'a', 'target': 'b'}]
    """
    return [
        edge
        for edge in list_of(value)
        if isinstance(edge, dict)
        and all(isinstance(edge.get(key), str) for key in ("id", "source", "target"))
        and isinstance(edge.get("outcome", ""), str | None)
    ]
