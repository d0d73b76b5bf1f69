"""Extension elements: what BPMN has no element for, in Baton's namespace, and vendors' ones.

Baton writes one ``<baton:NAME>`` element per concern inside ``bpmn:extensionElements``,
its text the canonical JSON of that part of the workflow (a step, a node's SLA and
conditions, an edge's kind, the case schema and trigger). JSON keeps every type exact,
so Baton -> BPMN -> Baton gives back the same workflow.

>>> xml = extension_elements({"edge": {"kind": "goto"}})
>>> xml
'<bpmn:extensionElements><baton:edge>{"kind":"goto"}</baton:edge></bpmn:extensionElements>'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from graphs.interop.errors import UnreadablePayload
from graphs.interop.safe_xml import local_name, namespace_of

__all__ = [
    "BATON_NS",
    "CAMUNDA_NS",
    "SPIFF_NS",
    "ZEEBE_NS",
    "UnreadablePayload",
    "extension_elements",
    "read_payloads",
    "vendor_children",
]

BATON_NS = "https://baton.example/schema/bpmn/1"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_EXTENSION = "{http://www.omg.org/spec/BPMN/20100524/MODEL}extensionElements"


def extension_elements(payloads: Mapping[str, Any]) -> str:
    """The ``bpmn:extensionElements`` XML holding one Baton element per payload."""
    if not payloads:
        return ""
    parts = "".join(
        f"<baton:{name}>{escape(json.dumps(value, separators=(',', ':')))}</baton:{name}>"
        for name, value in payloads.items()
    )
    return f"<bpmn:extensionElements>{parts}</bpmn:extensionElements>"


def read_payloads(element: Element) -> dict[str, Any]:
    """The Baton payloads of an element, by name; :class:`UnreadablePayload` if one is broken."""
    found: dict[str, Any] = {}
    for holder in element.findall(BPMN_EXTENSION):
        for child in holder:
            if namespace_of(child) != BATON_NS:
                continue
            name = local_name(child)
            try:
                found[name] = json.loads(child.text or "null")
            except ValueError as exc:
                raise UnreadablePayload(name, str(exc)) from None
    return found


def vendor_children(element: Element, namespace: str, name: str) -> list[Element]:
    """Every extension element ``name`` of ``namespace`` under ``element``, at any depth.

    Camunda nests form fields as ``camunda:formData/camunda:formField``; SpiffWorkflow
    keeps ``spiffworkflow:properties/spiffworkflow:property``.
    """
    return [
        child
        for holder in element.findall(BPMN_EXTENSION)
        for child in holder.iter(f"{{{namespace}}}{name}")
    ]
