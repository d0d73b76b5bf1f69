"""The neutral BPMN model to a Baton workflow: nodes, steps, edges, outcomes and the report.

:mod:`graphs.interop.bpmn.roles` decides what each element becomes; this module builds
it. Baton extension elements, where present, give back exactly what Baton wrote (ids,
conditions, SLAs, the case schema, ...); BPMN's own attributes win for what a modeller
edits (names, positions, the flows drawn).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from graphs.conditions import Group
from graphs.interop.bpmn.expressions import translate
from graphs.interop.bpmn.fields import inferred_schema
from graphs.interop.bpmn.layout import canvas_position
from graphs.interop.bpmn.reader import BpmnElement, BpmnFlow, BpmnProcess
from graphs.interop.bpmn.roles import Role, Structure, analyse, is_step
from graphs.interop.bpmn.steps import identifier, make_step
from graphs.interop.bpmn.timers import apply_boundary_events
from graphs.interop.report import ReportItem, ReportKind
from graphs.model import (
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    EscalationRule,
    Node,
    Outcome,
    Position,
    StageNode,
    StartNode,
    Step,
    Workflow,
)
from graphs.unique_names import UniqueNames

__all__ = ["map_process"]

_NODE = TypeAdapter[Node](Node)
_EDGE = TypeAdapter[Edge](Edge)


class _Unique:
    """Baton identifiers from BPMN ids, unique within one scope."""

    def __init__(self) -> None:
        # Cut before the number so that an id stays within the 120 characters allowed.
        self.names = UniqueNames(keep=110)

    def take(self, wanted: Any, fallback: str) -> str:
        return self.names.take(identifier(wanted if isinstance(wanted, str) else "", fallback))


def map_process(process: BpmnProcess) -> tuple[Workflow, list[ReportItem]]:
    """The workflow ``process`` becomes, with every element that did not map one to one."""
    return _Mapper(process).run()


class _Mapper:
    def __init__(self, process: BpmnProcess) -> None:
        self.process = process
        self.structure: Structure = analyse(process)
        self.report = [*process.report, *self.structure.report]
        self.node_ids, self.step_ids, self.edge_ids = _Unique(), _Unique(), _Unique()
        self.node_of: dict[str, str] = {}  # element id -> Baton node id
        self.step_of: dict[str, tuple[StageNode, Step]] = {}  # task element -> its step
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.exits: dict[str, list[str]] = {}  # Baton node -> flows leaving it
        self.fixed: set[int] = set()  # edges whose kind Baton wrote
        self.flow_order = {flow_id: n for n, flow_id in enumerate(process.flows)}
        self.flow_of: dict[int, int] = {}  # edge -> its flow's place in the document
        self.outcome_flow: dict[int, str] = {}  # outcome -> the flow it was read from
        drawn = [e.bounds for e in process.elements.values() if e.bounds is not None]
        self.origin = (min((b[0] for b in drawn), default=0.0),
                       min((b[1] for b in drawn), default=0.0))

    def say(self, element: BpmnElement | BpmnFlow, kind: ReportKind, reason: str,
            baton_id: str | None = None) -> None:
        element_type = getattr(element, "type", "sequenceFlow")
        self.report.append(ReportItem(element.id, f"bpmn:{element_type}", kind, reason, baton_id))

    def run(self) -> tuple[Workflow, list[ReportItem]]:
        roles = self.structure.roles
        region_of = {r[0]: r for r in self.structure.regions}
        for element in self.process.elements.values():
            role = roles.get(element.id)
            if element.id in region_of:
                self.stage(region_of[element.id])
            elif role in (Role.START, Role.END, Role.DECISION):
                self.simple_node(element, role)
        for node in list(self.nodes):
            self.connect(node)
        self.edges.sort(key=lambda edge: self.flow_of[id(edge)])  # as the document lists them
        escalations = apply_boundary_events(self)
        self.annotate()
        self.mark_gotos()
        return self.workflow(escalations), self.report

    # ------------------------------------------------------------------ nodes

    def position(self, element: BpmnElement) -> Position:
        if element.bounds is None:
            return Position()
        return canvas_position(element.bounds, self.origin, baton="workflow" in
                               self.process.payloads)

    def from_payload(self, element: BpmnElement, node_id: str, **fields: Any) -> Node | None:
        payload = element.payloads.get("node")
        if not isinstance(payload, dict):
            return None
        try:
            return _NODE.validate_python({**payload, "id": node_id, "name": element.name,
                                          "position": self.position(element), **fields})
        except ValidationError as exc:
            self.say(element, ReportKind.APPROXIMATED, f"its Baton node data is invalid "
                     f"({exc.error_count()} problems); it was read as plain BPMN")
            return None

    def add(self, node: Node, elements: list[str], exits: list[str]) -> None:
        self.nodes.append(node)
        self.node_of.update({e: node.id for e in elements})
        self.exits[node.id] = exits

    def simple_node(self, element: BpmnElement, role: Role) -> None:
        payload = element.payloads.get("node")
        wanted = payload.get("id") if isinstance(payload, dict) else element.id
        node_id = self.node_ids.take(wanted, role.value)
        node = self.from_payload(element, node_id)
        if node is None:
            common: dict[str, Any] = {"id": node_id, "name": element.name,
                                      "description": element.documentation,
                                      "position": self.position(element)}
            if role is Role.START:
                node = StartNode(**common)
            elif role is Role.END:
                kind = next((e for e in element.events if e in ("terminate", "error")), None)
                resolution = {"terminate": "terminated", "error": "error"}.get(kind or "")
                node = EndNode(**common, resolution=resolution or (element.events or
                                                                   ["resolved"])[0])
            else:
                node = DecisionNode(**common)
        self.add(node, [element.id], element.outgoing)

    def stage(self, region: list[str]) -> None:
        elements = self.process.elements
        roles = self.structure.roles
        first = elements[region[0]]
        if roles[first.id] is Role.STAGE:
            scope = [first.id, *self.inner(first)]
            # A task Baton wrote for its own bookkeeping (it has a role) is no step.
            tasks = [elements[e] for e in scope[1:]
                     if is_step(elements[e]) and "role" not in elements[e].payloads]
            exits = first.outgoing
            holder = first
        else:
            scope = region
            tasks = [elements[e] for e in region if roles[e] is Role.STEP]
            inside = set(region)
            exits = [f for e in region for f in elements[e].outgoing
                     if self.process.flows[f].target not in inside]
            holder = tasks[0]
        payload = holder.payloads.get("node") if holder is first else None
        wanted = payload.get("id") if isinstance(payload, dict) else holder.id
        node_id = self.node_ids.take(wanted, "stage")
        ids = {t.id: self.step_ids.take(_step_id(t), "step") for t in tasks}
        steps: list[Step] = []
        for task in tasks:
            def tell(kind: ReportKind, reason: str, task: BpmnElement = task) -> None:
                self.say(task, kind, reason, f"{node_id}/{ids[task.id]}")
            step, from_payload = make_step(task, ids[task.id], tell)
            if not from_payload:
                step.after = _after(self.process, task, set(scope), ids)
                guard = self.structure.guards.get(task.id)
                if guard is not None:
                    step.entry_condition = self.entry_condition(guard, node_id, step.id)
            steps.append(step)
        if roles[first.id] is Role.STAGE:
            name = first.name
        else:
            names = [t.name or t.id for t in tasks]
            name = names[0] if len(names) == 1 else " / ".join(names[:3]) + (
                " ..." if len(names) > 3 else "")
        node = self.from_payload(holder, node_id, steps=steps) if holder is first else None
        stage = node if isinstance(node, StageNode) else StageNode(
            id=node_id, name=name, description=holder.documentation if holder is first else "",
            position=self.position(holder), steps=steps)
        for task, step in zip(tasks, stage.steps, strict=True):
            self.step_of[task.id] = (stage, step)
        self.add(stage, [*scope], exits)

    def inner(self, element: BpmnElement) -> list[str]:
        found: list[str] = []
        for child in element.children:
            found += [child, *self.inner(self.process.elements[child])]
        return found

    def entry_condition(self, guard: BpmnFlow, node_id: str, step_id: str) -> Group | None:
        condition = translate(guard.condition or "", guard.language)
        if condition is None:
            self.say(guard, ReportKind.KEPT_AS_TEXT, f"the condition {guard.condition!r} that "
                     "lets the task run is no simple comparison; the step has no entry "
                     "condition until it is written", f"{node_id}/{step_id}")
        return condition

    def annotate(self) -> None:
        """Each text annotation goes into the description of the node (or step's stage) it is
        attached to; one attached to nothing Baton keeps is reported with its association."""
        attached: set[str] = set()
        notes = self.process.annotations
        for association_id, source, target in self.process.associations:
            note, other = (source, target) if source in notes else (target, source)
            node = self.node_of.get(other)
            owner = self.step_of.get(other)
            holder = next((n for n in self.nodes if n.id == node), None) if node else None
            if owner is not None:
                holder = owner[0]
                text = f"{owner[1].name or owner[1].id}: {notes.get(note, '')}"
            else:
                text = notes.get(note, "")
            if note not in notes or holder is None:
                self.report.append(ReportItem(association_id, "bpmn:association",
                                              ReportKind.NOT_IMPORTED, "it links an annotation "
                                              "to nothing Baton keeps"))
                continue
            holder.description = "\n".join(filter(None, [holder.description, text]))
            attached.add(note)
        for note in notes.keys() - attached:
            self.report.append(ReportItem(note, "bpmn:textAnnotation", ReportKind.NOT_IMPORTED,
                                          "an annotation attached to nothing Baton keeps"))

    # ------------------------------------------------------------------ edges

    def targets(self, flow_id: str) -> list[str]:
        """The Baton nodes a flow leads to, through elements the flow passes."""
        found: list[str] = []
        seen: set[str] = set()
        todo = [self.process.flows[flow_id].target]
        while todo:
            element_id = todo.pop(0)
            if element_id in seen:
                continue
            seen.add(element_id)
            if element_id in self.node_of:
                found.append(self.node_of[element_id])
            elif self.structure.roles.get(element_id) is Role.PASS:
                element = self.process.elements[element_id]
                todo += [self.process.flows[f].target for f in element.outgoing]
        return list(dict.fromkeys(found))

    def connect(self, node: Node) -> None:
        flows = [self.process.flows[f] for f in self.exits[node.id]]
        payload_outcomes = isinstance(node, DecisionNode) and bool(node.all_outcomes())
        outcomes: list[Outcome] = []
        default: Outcome | None = None
        outcome_ids = _Unique()
        element = self.process.elements[flows[0].source] if flows else None
        default_flow = element.xml.get("default") if element is not None else None
        seen: set[str] = set()
        for flow in flows:
            targets = self.targets(flow.id)
            if not targets:
                continue
            outcome: Outcome | None = None
            if isinstance(node, DecisionNode) and not payload_outcomes:
                outcome = self.outcome(node, flow, outcome_ids, targets[0])
                if flow.id == default_flow or (flow.condition is None and default is None
                                               and default_flow is None):
                    default = outcome
                else:
                    outcomes.append(outcome)
                    if flow.condition is None:
                        self.say(flow, ReportKind.APPROXIMATED, "a second flow without a "
                                 "condition: its outcome is always true", node.id)
            for target in targets:
                if not isinstance(node, DecisionNode) and target in seen:
                    continue
                seen.add(target)
                edge = self.edge(node, flow, target, outcome)
                self.edges.append(edge)
                self.flow_of[id(edge)] = self.flow_order[flow.id]
        if isinstance(node, DecisionNode) and not payload_outcomes:
            if default is None and len(outcomes) > 1:
                # Conditions such as approved / not approved cover every case: the last
                # becomes the default Baton needs, as in BPMN no flow would be taken.
                default = outcomes.pop()
                flow = next(f for f in flows if self.outcome_flow.get(id(default)) == f.id)
                self.say(flow, ReportKind.APPROXIMATED, "the gateway has no default flow: the "
                         f"last outcome becomes the default (its condition was {flow.condition!r})",
                         node.id)
                default.condition = None
            node.outcomes, node.default_outcome = outcomes, default

    def outcome(self, node: DecisionNode, flow: BpmnFlow, ids: _Unique, target: str) -> Outcome:
        label = flow.name or (flow.condition or "").strip() or f"To {target}"
        outcome = Outcome(id=ids.take(flow.id, "outcome"), label=label[:200])
        self.outcome_flow[id(outcome)] = flow.id
        if flow.condition is None:
            return outcome
        condition = translate(flow.condition, flow.language)
        if condition is None:
            # Never true until the admin writes the rule: an empty "any" group.
            condition = Group(match="any", rules=[])
            node.description = "\n".join(filter(None, [
                node.description, f"Outcome {outcome.label!r} kept from BPMN: {flow.condition}"]))
            self.say(flow, ReportKind.KEPT_AS_TEXT, f"the condition {flow.condition!r} is no "
                     "simple comparison; it is kept in the decision's description and the "
                     "outcome is never taken until its rule is written", node.id)
        outcome.condition = condition
        return outcome

    def edge(self, node: Node, flow: BpmnFlow, target: str, outcome: Outcome | None) -> Edge:
        payload = flow.payloads.get("edge")
        if isinstance(payload, dict):
            try:
                edge = _EDGE.validate_python({**payload, "source": node.id, "target": target,
                                              "label": flow.name})
                self.edge_ids.names.reserve(edge.id)
                self.fixed.add(id(edge))
                return edge
            except ValidationError:
                self.say(flow, ReportKind.APPROXIMATED, "its Baton edge data is invalid; "
                         "it was read as plain BPMN")
        kind = EdgeKind.OUTCOME if outcome is not None else EdgeKind.NEXT
        return Edge(id=self.edge_ids.take(flow.id, "edge"), source=node.id, target=target,
                    kind=kind, outcome=outcome.id if outcome else None, label=flow.name)

    def mark_gotos(self) -> None:
        """Edges that close a cycle (found depth first from the start) become go-to edges."""
        out: dict[str, list[Edge]] = {}
        for edge in self.edges:
            out.setdefault(edge.source, []).append(edge)
        starts = [n.id for n in self.nodes if isinstance(n, StartNode)]
        state: dict[str, int] = {}
        for start in [*starts, *(n.id for n in self.nodes)]:
            if start in state:
                continue
            stack = [(start, iter(out.get(start, [])))]
            state[start] = 1
            while stack:
                node_id, pending = stack[-1]
                step = next(pending, None)
                if step is None:
                    state[node_id] = 2
                    stack.pop()
                elif state.get(step.target) == 1 and id(step) not in self.fixed:
                    step.kind = EdgeKind.GOTO
                elif step.target not in state:
                    state[step.target] = 1
                    stack.append((step.target, iter(out.get(step.target, []))))

    # ------------------------------------------------------------------ the workflow

    def workflow(self, escalations: list[EscalationRule]) -> Workflow:
        process = self.process
        settings = process.payloads.get("workflow")
        plain = Workflow(id=identifier(process.id, "workflow"),
                         name=process.name or process.id or "Imported BPMN process",
                         description=process.documentation)
        workflow = plain
        if isinstance(settings, dict):
            try:
                workflow = Workflow.model_validate({
                    **plain.model_dump(), **settings, "name": plain.name, "nodes": [],
                    "edges": []})
            except ValidationError as exc:
                self.report.append(ReportItem(
                    process.id, "baton:workflow", ReportKind.APPROXIMATED,
                    f"its Baton workflow data is invalid ({exc.error_count()} problems) "
                    "and was left out"))
        workflow.nodes, workflow.edges = self.nodes, self.edges
        workflow.escalations = [*workflow.escalations, *escalations]
        if workflow is plain:
            workflow.case_schema = inferred_schema(workflow)
        return workflow


def _step_id(task: BpmnElement) -> str:
    payload = task.payloads.get("step")
    wanted = payload.get("id") if isinstance(payload, dict) else None
    return wanted if isinstance(wanted, str) else task.id


def _after(process: BpmnProcess, task: BpmnElement, scope: set[str],
           ids: dict[str, str]) -> list[str]:
    """The steps ``task`` waits for: the nearest tasks before it inside its stage."""
    found: list[str] = []
    seen: set[str] = set()
    todo = [process.flows[f].source for f in task.incoming if f in process.flows]
    while todo:
        element_id = todo.pop()
        if element_id in seen or element_id not in scope:
            continue
        seen.add(element_id)
        if element_id in ids:
            found.append(ids[element_id])
            continue
        todo += [process.flows[f].source for f in process.elements[element_id].incoming]
    return sorted(set(found), key=list(ids.values()).index)
