"""What each BPMN element becomes, and which tasks form one stage.

A Baton workflow carries one token between nodes; parallelism lives inside stages. So:

- tasks joined by flows that neither merge nor choose (a chain, or a parallel split and
  join block around them) form one *region*, which becomes one stage; a task that
  several flows enter starts a region of its own, since a loop or a merge comes back to it;
- an embedded subprocess holding only tasks, parallel gateways, timers and plain start
  and end events is a region by itself (a stage); one holding decisions or other events
  is *flattened*: its content joins the enclosing process, its start and end pass through;
- exclusive gateways that choose are decisions, except one that only runs or skips a
  single task (both ways meet again right after it): that is an entry condition, drawn
  as BPMN draws one, and the task's step gets it;
- merging gateways and events Baton has no node for *pass*: the flow goes through them to
  the next node, and they are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from graphs.interop.bpmn.reader import BpmnElement, BpmnFlow, BpmnProcess
from graphs.interop.report import ReportItem, ReportKind
from graphs.interop.safe_xml import local_name

__all__ = ["STEP_TYPES", "Role", "Structure", "analyse", "is_step"]

STEP_TYPES = frozenset({
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity",
})
_SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_SIMPLE_INSIDE = STEP_TYPES | {"parallelGateway", "startEvent", "endEvent", "boundaryEvent",
                               "intermediateCatchEvent"}


class Role(StrEnum):
    """What an element becomes."""

    START = "start"
    END = "end"
    DECISION = "decision"
    PASS = "pass"  #: the flow goes through to the next node
    STEP = "step"  #: a task, in a region
    GATEWAY = "gateway"  #: a parallel gateway, in a region
    STAGE = "stage"  #: an embedded subprocess that is a stage
    INNER = "inner"  #: inside a stage subprocess
    BOUNDARY = "boundary"
    IGNORED = "ignored"  #: reported, and no part of the graph


@dataclass(slots=True)
class Structure:
    """Every element's role and the regions (each a list of element ids) that become stages."""

    roles: dict[str, Role] = field(default_factory=dict)
    regions: list[list[str]] = field(default_factory=list)
    report: list[ReportItem] = field(default_factory=list)
    #: A task behind a gateway that only skips it: the flow whose condition lets it run.
    guards: dict[str, BpmnFlow] = field(default_factory=dict)


def is_step(element: BpmnElement) -> bool:
    """Whether the element becomes a step: a task, or a timer that a ``wait`` step keeps."""
    if element.type == "intermediateCatchEvent":
        return element.events == ["timer"]
    return element.type in STEP_TYPES


def analyse(process: BpmnProcess) -> Structure:
    """Roles and regions of the process's elements (flattening subprocesses in place)."""
    found = Structure()
    skip_gateways = _find_guards(process, found)
    _assign(process, [e for e in process.elements.values() if e.parent is None], found)
    found.roles.update({g: Role.GATEWAY for g in skip_gateways
                        if found.roles.get(g) not in (Role.INNER, Role.IGNORED)})
    _carve_regions(process, found)
    return found


def _find_guards(process: BpmnProcess, found: Structure) -> set[str]:
    """Exclusive gateways that run one task or skip it, meeting again at once after it.

    That is how an entry condition is drawn (and how Baton exports one): the task becomes
    a step whose entry condition is the gateway's condition, and both gateways pass.
    """
    flows, elements = process.flows, process.elements
    gateways: set[str] = set()
    for gate in elements.values():
        if gate.type != "exclusiveGateway" or len(gate.outgoing) != 2:
            continue
        first, second = (flows[f] for f in gate.outgoing)
        for run, skip in ((first, second), (second, first)):
            task = elements.get(run.target)
            merge = elements.get(skip.target)
            if (task is None or merge is None or not is_step(task) or run.condition is None
                    or skip.condition is not None or merge.type != "exclusiveGateway"
                    or len(task.outgoing) != 1 or flows[task.outgoing[0]].target != merge.id
                    or len(task.incoming) != 1
                    or len(merge.incoming) != 2 or len(merge.outgoing) != 1):
                continue
            found.guards[task.id] = run
            gateways.update({gate.id, merge.id})
            break
    return gateways


def _report(found: Structure, element: BpmnElement, kind: ReportKind, reason: str) -> None:
    # The reader names an event subprocess apart; the document calls it a subProcess.
    element_type = "subProcess" if element.type == "eventSubProcess" else element.type
    found.report.append(ReportItem(element.id, f"bpmn:{element_type}", kind, reason))


def _descendants(process: BpmnProcess, element: BpmnElement) -> list[BpmnElement]:
    found: list[BpmnElement] = []
    for child_id in element.children:
        child = process.elements[child_id]
        found += [child, *_descendants(process, child)]
    return found


def _assign(process: BpmnProcess, elements: list[BpmnElement], found: Structure) -> None:
    roles = found.roles
    for element in elements:
        kind, events = element.type, element.events
        if kind == "eventSubProcess":
            inner = _descendants(process, element)
            roles.update({e.id: Role.IGNORED for e in [element, *inner]})
            _report(found, element, ReportKind.NOT_IMPORTED, f"an event subprocess ({len(inner)} "
                    "elements); Baton reacts to case changes with escalation rules instead")
        elif kind == "boundaryEvent" and "compensate" in events:
            roles[element.id] = Role.IGNORED
            _report(found, element, ReportKind.NOT_IMPORTED, "compensation has no Baton "
                    "counterpart")
        elif element.xml.get("isForCompensation") == "true":
            roles[element.id] = Role.IGNORED
            _report(found, element, ReportKind.NOT_IMPORTED, "a compensation task has no Baton "
                    "counterpart")
        elif kind == "boundaryEvent":
            roles[element.id] = Role.BOUNDARY
        elif kind in _SUBPROCESSES:
            _subprocess(process, element, found)
        elif kind == "startEvent":
            _start(element, found)
        elif kind == "endEvent":
            _end(element, found)
        elif kind in ("exclusiveGateway", "inclusiveGateway", "complexGateway",
                      "eventBasedGateway"):
            roles[element.id] = Role.DECISION if len(element.outgoing) > 1 else Role.PASS
            if kind != "exclusiveGateway":
                what = "chooses" if len(element.outgoing) > 1 else "merges"
                _report(found, element, ReportKind.APPROXIMATED, f"an {kind} that {what}: "
                        "Baton's decision takes the first outcome whose condition holds and "
                        "carries one token")
        elif kind == "parallelGateway":
            roles[element.id] = Role.GATEWAY
        elif is_step(element):
            roles[element.id] = Role.STEP
        else:
            roles[element.id] = Role.PASS
            what = f"{', '.join(events)} " if events else ""
            _report(found, element, ReportKind.NOT_IMPORTED, f"a {what}{kind} has no Baton "
                    "counterpart; the flow passes through it")


def _start(element: BpmnElement, found: Structure) -> None:
    if element.parent is not None:  # of a flattened subprocess: the flow passes through
        found.roles[element.id] = Role.PASS
    elif Role.START in found.roles.values():
        found.roles[element.id] = Role.PASS
        _report(found, element, ReportKind.NOT_IMPORTED, "a Baton workflow has one start; "
                "this one was not imported and the flow after it may be unreachable")
    else:
        found.roles[element.id] = Role.START
        if element.events:
            _report(found, element, ReportKind.APPROXIMATED, f"a {element.events[0]} start: "
                    "Baton runs start by hand or by a record trigger")


def _end(element: BpmnElement, found: Structure) -> None:
    if element.parent is not None:
        found.roles[element.id] = Role.PASS
        if "terminate" in element.events:
            _report(found, element, ReportKind.APPROXIMATED, "a terminate end inside a "
                    "subprocess: the flattened subprocess goes on after it")
        return
    found.roles[element.id] = Role.END
    other = [e for e in element.events if e not in ("terminate",)]
    if other:
        _report(found, element, ReportKind.APPROXIMATED, f"an {other[0]} end: the run ends "
                f"with resolution {other[0]!r}; nothing is thrown")


def _subprocess(process: BpmnProcess, element: BpmnElement, found: Structure) -> None:
    inner = _descendants(process, element)
    guarding = {f.source for f in found.guards.values()} | {
        process.flows[process.elements[t].outgoing[0]].target for t in found.guards}
    if element.type != "subProcess":
        _report(found, element, ReportKind.APPROXIMATED, f"a {element.type} is read as an "
                "embedded subprocess: Baton has no transactions or ad-hoc activities")
    if any(local_name(c).endswith("LoopCharacteristics") for c in element.xml):
        _report(found, element, ReportKind.APPROXIMATED, "a looping or multi-instance "
                "subprocess runs once in Baton")
    simple = all(
        (e.type in _SIMPLE_INSIDE or e.id in guarding)
        and (e.type != "intermediateCatchEvent" or is_step(e))
        and (e.type not in ("startEvent", "endEvent") or not e.events)
        and (e.type != "boundaryEvent" or e.events == ["timer"])
        for e in inner
    )
    if "node" in element.payloads or simple:
        found.roles[element.id] = Role.STAGE
        found.roles.update({e.id: Role.INNER for e in inner})
        return
    _report(found, element, ReportKind.APPROXIMATED, "a subprocess with decisions or events "
            "is flattened: its content joins the workflow")
    found.roles[element.id] = Role.PASS
    children = [process.elements[c] for c in element.children]
    starts = [c for c in children if c.type == "startEvent"] or [
        c for c in children if not c.incoming and c.type != "boundaryEvent"]
    if starts:
        for flow_id in element.incoming:
            process.flows[flow_id].target = starts[0].id
            starts[0].incoming.append(flow_id)
        element.incoming = []
    for end in (c for c in children if c.type == "endEvent"):
        flow = BpmnFlow(f"{end.id}__leaves_{element.id}", end.id, element.id)
        process.flows[flow.id] = flow
        end.outgoing.append(flow.id)
        element.incoming.append(flow.id)
    _assign(process, children, found)


def _carve_regions(process: BpmnProcess, found: Structure) -> None:
    roles = found.roles
    members = {e for e, role in roles.items() if role in (Role.STEP, Role.GATEWAY)}
    parent = {e: e for e in members}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for flow in process.flows.values():
        source, target = flow.source, flow.target
        if source in members and target in members:
            entered_once = len(process.elements[target].incoming) == 1
            if roles[target] is Role.GATEWAY or entered_once:
                parent[root(source)] = root(target)
    groups: dict[str, list[str]] = {}
    for element_id in process.elements:  # document order
        if element_id in members:
            groups.setdefault(root(element_id), []).append(element_id)
        elif roles.get(element_id) is Role.STAGE:
            groups[element_id] = [element_id]
    for group in groups.values():
        if any(roles[e] in (Role.STEP, Role.STAGE) for e in group):
            found.regions.append(group)
            continue
        for gateway in group:  # parallel gateways with no task between them
            roles[gateway] = Role.PASS
            _report(found, process.elements[gateway], ReportKind.APPROXIMATED,
                    "a parallel gateway with no task in its branches; the flow passes through")
