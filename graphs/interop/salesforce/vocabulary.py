"""The words of a Salesforce orchestration's ``.flow-meta.xml`` and the small XML helpers both
directions share.

Names follow Salesforce's Metadata API reference for ``Flow``: ``orchestratedStages``
(FlowOrchestratedStage), their ``stageSteps`` (FlowStageStep, with ``assignees``),
``decisions`` with ``rules`` and ``conditions`` (FlowCondition), and ``start``.

What Salesforce has no field for (SLAs, routing, forms, step inputs, case schema,
escalations, end resolutions) travels in ``processMetadataValues`` named
:data:`BATON_DATA`, holding JSON, so that Baton -> Salesforce -> Baton gives back the same
workflow. Salesforce keeps ``processMetadataValues`` on deploy and ignores names it does
not know.

>>> api_name("start--intake")
'start_intake'
>>> api_name("_9lives-")
'X_9lives'
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from graphs.interop.formats import SALESFORCE_METADATA_NS

__all__ = [
    "BATON_DATA",
    "NS",
    "add",
    "api_name",
    "children",
    "read_baton_data",
    "tag",
    "text",
    "write_baton_data",
]

NS = SALESFORCE_METADATA_NS
BATON_DATA = "BatonData"
"""The ``processMetadataValues`` name under which Baton keeps what Salesforce cannot hold."""

#: Salesforce API names: a letter first, then letters, digits and single underscores,
#: not ending in one, at most 80 characters.
_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_]+")
_RUNS_OF_UNDERSCORES = re.compile(r"_{2,}")


def tag(local: str) -> str:
    """The qualified tag of a metadata element."""
    return f"{{{NS}}}{local}"


def children(element: Element, local: str) -> list[Element]:
    """The direct children called ``local``, in document order."""
    return element.findall(tag(local))


def text(element: Element, local: str, default: str = "") -> str:
    """The text of the first direct child called ``local``, stripped, else ``default``."""
    child = element.find(tag(local))
    if child is None or child.text is None:
        return default
    return child.text.strip()


def add(parent: Element, local: str, value: str | None = None) -> Element:
    """Append a child called ``local`` (with ``value`` as its text, if given)."""
    child = SubElement(parent, tag(local))
    if value is not None:
        child.text = value
    return child


def api_name(identifier: str) -> str:
    """A Salesforce API name as close to a Baton identifier as the rules allow."""
    name = _RUNS_OF_UNDERSCORES.sub("_", _NOT_NAME_CHARS.sub("_", identifier)).strip("_")
    if not name or not name[0].isalpha():
        name = f"X_{name}" if name else "X"
    return name[:80].rstrip("_")


def read_baton_data(element: Element) -> dict[str, Any] | None:
    """The JSON object Baton left on ``element``, or None (absent or not an object)."""
    for value in children(element, "processMetadataValues"):
        if text(value, "name") != BATON_DATA:
            continue
        holder = value.find(tag("value"))
        raw = text(holder, "stringValue") if holder is not None else ""
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            return None  # not Baton's, or nested past reading: the Salesforce fields stand
        return data if isinstance(data, dict) else None
    return None


def write_baton_data(element: Element, data: dict[str, Any]) -> None:
    """Append Baton's JSON object to ``element`` as a ``processMetadataValues``."""
    holder = add(element, "processMetadataValues")
    add(holder, "name", BATON_DATA)
    add(add(holder, "value"), "stringValue", json.dumps(data, separators=(",", ":")))
