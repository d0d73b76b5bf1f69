"""BPMN XML to a small neutral model: the chosen process's flow nodes, flows, lanes, shapes.

The reader only reads; deciding what becomes what is :mod:`graphs.interop.bpmn.mapping`'s
job. It picks one process (a Baton workflow is one graph): the first executable process
with a start event, in the order of the collaboration's pools, and reports the others.
Elements it sees but that are no part of a flow (data, groups) are reported here; text
annotations are kept for the mapping, which puts them in the description of what they
annotate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from graphs.interop.bpmn.extensions import read_payloads
from graphs.interop.errors import NothingToImport, UnreadablePayload
from graphs.interop.formats import BPMN_MODEL_NS
from graphs.interop.report import ReportItem, ReportKind
from graphs.interop.safe_xml import local_name, namespace_of

__all__ = ["BpmnElement", "BpmnFlow", "BpmnProcess", "read_process"]

_M = f"{{{BPMN_MODEL_NS}}}"
_DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
_DC = "{http://www.omg.org/spec/DD/20100524/DC}"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

#: Not part of the flow: reported as such, by type.
_ARTIFACTS = {
    "group": "a visual group; Baton has none",
    "dataObject": "a data object; Baton keeps data in case fields and step outputs",
    "dataObjectReference": "a data object; Baton keeps data in case fields and step outputs",
    "dataStoreReference": "a data store; Baton keeps data in case fields and step outputs",
}
#: Parts of a process or subprocess that are no flow element of their own.
_SKIPPED = {"laneSet", "lane", "extensionElements", "documentation", "ioSpecification",
            "property", "incoming", "outgoing", "standardLoopCharacteristics",
            "multiInstanceLoopCharacteristics", "dataInputAssociation", "dataOutputAssociation",
            "auditing", "monitoring", "categoryValueRef", "resourceRole", "performer",
            "potentialOwner", "humanPerformer", "correlationSubscription"}


@dataclass(slots=True)
class BpmnElement:
    """One flow node: its id, local type name, and where it sits."""

    id: str
    type: str
    name: str
    xml: Element
    parent: str | None = None  # the enclosing subprocess, None at process level
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # event definitions: timer, message, ...
    attached_to: str | None = None
    interrupting: bool = True
    lane: str | None = None
    bounds: tuple[float, float] | None = None
    payloads: dict[str, Any] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)

    @property
    def documentation(self) -> str:
        return "\n".join((d.text or "").strip() for d in self.xml.findall(f"{_M}documentation"))


@dataclass(slots=True)
class BpmnFlow:
    """One sequence flow."""

    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    language: str = ""
    payloads: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class BpmnProcess:
    """The process chosen for import, with what the reader had to say."""

    id: str
    name: str
    documentation: str
    payloads: dict[str, Any]
    elements: dict[str, BpmnElement]
    flows: dict[str, BpmnFlow]
    report: list[ReportItem]
    #: Text annotations by id, and the associations (id, source, target) that attach them.
    annotations: dict[str, str] = field(default_factory=dict)
    associations: list[tuple[str, str, str]] = field(default_factory=list)


def read_process(root: Element) -> BpmnProcess:
    """The neutral model of the process to import from a ``definitions`` root."""
    report: list[ReportItem] = []
    processes = root.findall(f"{_M}process")
    pools = {p.get("processRef"): p.get("name") or "" for p in root.iter(f"{_M}participant")}
    candidates = [p for p in processes if any(_is_start(c) for c in p)]
    if not candidates:
        raise NothingToImport("the document holds no BPMN process with a start event")
    chosen = next((p for p in candidates if p.get("isExecutable") == "true"), candidates[0])
    for other in processes:
        if other is not chosen:
            count = sum(1 for _ in other.iter()) - 1
            report.append(ReportItem(
                other.get("id", ""), "bpmn:process", ReportKind.NOT_IMPORTED,
                f"a Baton workflow is one process; this pool ({count} elements) was left out, "
                f"{chosen.get('id')!r} was imported"))
    for flow in root.iter(f"{_M}messageFlow"):
        report.append(ReportItem(flow.get("id", ""), "bpmn:messageFlow", ReportKind.NOT_IMPORTED,
                                 "messages between pools have no Baton counterpart"))
    process_id = chosen.get("id", "process")
    process = BpmnProcess(
        id=process_id,
        name=chosen.get("name") or pools.get(process_id) or root.get("name") or process_id,
        documentation="\n".join((d.text or "").strip()
                                for d in chosen.findall(f"{_M}documentation")),
        payloads=_payloads(chosen, report),
        elements={},
        flows={},
        report=report,
    )
    _read_container(chosen, None, process)
    _link_flows(process)
    _read_lanes(chosen, process)
    _read_shapes(root, process)
    return process


def _is_start(element: Element) -> bool:
    return element.tag == f"{_M}startEvent"


def _payloads(element: Element, report: list[ReportItem]) -> dict[str, Any]:
    try:
        return read_payloads(element)
    except UnreadablePayload as exc:
        report.append(ReportItem(element.get("id", ""), f"baton:{exc.name}",
                                 ReportKind.APPROXIMATED, f"{exc}; the element was read "
                                 "as plain BPMN"))
        return {}


def _read_container(container: Element, parent: str | None, process: BpmnProcess) -> None:
    for child in container:
        if namespace_of(child) != BPMN_MODEL_NS:
            continue
        kind = local_name(child)
        element_id = child.get("id", "")
        if kind in _SKIPPED:
            continue
        if not element_id or element_id in process.elements or element_id in process.flows:
            what = "has no id" if not element_id else f"repeats the id {element_id!r}"
            process.report.append(ReportItem(element_id or f"(a {kind})", f"bpmn:{kind}",
                                             ReportKind.NOT_IMPORTED, f"this element {what}; "
                                             "ids must be unique, so it was left out"))
            continue
        if kind == "sequenceFlow":
            condition = child.find(f"{_M}conditionExpression")
            process.flows[element_id] = BpmnFlow(
                element_id, child.get("sourceRef", ""), child.get("targetRef", ""),
                child.get("name") or "",
                None if condition is None else (condition.text or "").strip(),
                "" if condition is None else condition.get("language", ""),
                _payloads(child, process.report),
            )
            continue
        if kind == "textAnnotation":
            text = child.find(f"{_M}text")
            process.annotations[element_id] = ("" if text is None else text.text or "").strip()
            continue
        if kind == "association":
            process.associations.append(
                (element_id, child.get("sourceRef", ""), child.get("targetRef", "")))
            continue
        if kind in _ARTIFACTS:
            process.report.append(ReportItem(element_id, f"bpmn:{kind}",
                                             ReportKind.NOT_IMPORTED, _ARTIFACTS[kind]))
            continue
        if kind == "subProcess" and child.get("triggeredByEvent") == "true":
            kind = "eventSubProcess"
        element = BpmnElement(
            element_id, kind, child.get("name") or "", child, parent,
            events=[local_name(d).removesuffix("EventDefinition")
                    for d in child if local_name(d).endswith("EventDefinition")],
            attached_to=child.get("attachedToRef"),
            interrupting=child.get("cancelActivity", "true") != "false",
            payloads=_payloads(child, process.report),
        )
        process.elements[element_id] = element
        if parent is not None:
            process.elements[parent].children.append(element_id)
        if kind in ("subProcess", "transaction", "adHocSubProcess"):
            _read_container(child, element_id, process)


def _link_flows(process: BpmnProcess) -> None:
    for flow in list(process.flows.values()):
        if flow.source not in process.elements or flow.target not in process.elements:
            missing = flow.source if flow.source not in process.elements else flow.target
            process.report.append(ReportItem(
                flow.id, "bpmn:sequenceFlow", ReportKind.NOT_IMPORTED,
                f"it joins {missing or 'nothing'!r}, which is no element of the process"))
            del process.flows[flow.id]
            continue
        process.elements[flow.source].outgoing.append(flow.id)
        process.elements[flow.target].incoming.append(flow.id)


def _read_lanes(process_xml: Element, process: BpmnProcess) -> None:
    for lane in process_xml.iter(f"{_M}lane"):
        name = (lane.get("name") or lane.get("id") or "").strip()
        for ref in lane.findall(f"{_M}flowNodeRef"):
            element = process.elements.get((ref.text or "").strip())
            if element is not None:
                element.lane = name  # the innermost lane wins: iter() reaches it last


def _read_shapes(root: Element, process: BpmnProcess) -> None:
    for shape in root.iter(f"{_DI}BPMNShape"):
        element = process.elements.get(shape.get("bpmnElement", ""))
        bounds = shape.find(f"{_DC}Bounds")
        if element is None or bounds is None or element.bounds is not None:
            continue
        try:
            element.bounds = (float(bounds.get("x", "0")), float(bounds.get("y", "0")))
        except ValueError:
            continue  # a shape without numbers places nothing; the canvas lays it out
