"""Write a Baton workflow as a BPMN 2.0 process with diagram interchange.

The translation is the one a modeller would draw by hand, one BPMN element per Baton node:

- the start and the ends become start and end events;
- a stage becomes a collapsed embedded subprocess. Inside, its steps become tasks between
  parallel splits and joins (steps with ``after`` go in later layers); a step with an entry
  condition sits behind an exclusive gateway that skips it when the condition fails;
- an interactive step becomes a user task (its queue and agent also as Camunda's
  ``candidateGroups`` and ``assignee``); a ``wait`` step an intermediate timer event; any
  other background step a Python script task that records the step's outputs and applies
  ``set_fields``/``assign`` to the case fields (see :mod:`graphs.interop.bpmn.scripts`);
- a decision becomes an exclusive gateway, its outcomes conditional sequence flows in
  order and its default outcome the gateway's default flow;
- every edge becomes a sequence flow, go-to edges included.

What BPMN has no element for rides along in Baton extension elements
(:mod:`graphs.interop.bpmn.extensions`), so that reading the document back gives the same
workflow. Drivers that play the outside world (the SpiffWorkflow tests and benchmarks)
pass ``outputs``: the outputs each background step returns, written into its script, and
``wait`` steps then become user tasks the driver completes as the clock would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from graphs.interop.bpmn.extensions import BATON_NS, CAMUNDA_NS, extension_elements
from graphs.interop.bpmn.layout import Shape, diagram_xml, grid_shape
from graphs.interop.bpmn.scripts import condition_expression, step_script
from graphs.io import workflow_to_document
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    EndNode,
    InteractiveStep,
    StageNode,
    StartNode,
    Step,
    Workflow,
)

__all__ = ["BATON_TARGET_NAMESPACE", "export_bpmn", "step_layers", "workflow_to_bpmn"]

BATON_TARGET_NAMESPACE = "https://baton.example/workflows"
_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<bpmn:definitions xmlns:bpmn="{_MODEL_NS}" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xmlns:camunda="{CAMUNDA_NS}" xmlns:baton="{BATON_NS}" '
)
Outputs = Mapping[str, Mapping[str, Any]]


def export_bpmn(workflow: Workflow) -> str:
    """``workflow`` as a BPMN 2.0 document with diagram interchange."""
    return workflow_to_bpmn(workflow)


def workflow_to_bpmn(workflow: Workflow, *, outputs: Outputs | None = None) -> str:
    """The BPMN XML of ``workflow``; ``outputs`` are canned background step outputs."""
    return _Writer(workflow, outputs).build()


def step_layers(steps: list[Step]) -> list[list[Step]]:
    """Steps grouped so each waits only for steps of earlier layers.

    An ``after`` naming no step of the stage (a broken draft) is ignored, and steps
    waiting for each other in a circle go in one last layer, so any draft can be exported.
    """
    known = {step.id for step in steps}
    placed: dict[str, int] = {}
    remaining = list(steps)
    while remaining:
        ready = [s for s in remaining if all(d in placed for d in s.after if d in known)]
        for step in ready or list(remaining):
            placed[step.id] = 1 + max((placed[d] for d in step.after if d in placed), default=-1)
            remaining.remove(step)
    layers: list[list[Step]] = [[] for _ in range(max(placed.values(), default=-1) + 1)]
    for step in steps:
        layers[placed[step.id]].append(step)
    return [layer for layer in layers if layer]


def _payload(document: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in drop}


class _Ids:
    """Document-wide unique ids: BPMN needs them unique where Baton scopes them per kind."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, wanted: str) -> str:
        chosen, n = wanted, 1
        while chosen in self.taken:
            n += 1
            chosen = f"{wanted}_{n}"
        self.taken.add(chosen)
        return chosen


class _Writer:
    def __init__(self, workflow: Workflow, outputs: Outputs | None) -> None:
        self.workflow = workflow
        self.outputs = outputs
        self.document = workflow_to_document(workflow)
        self.ids = _Ids()
        self.element_of: dict[int, str] = {}  # node index -> BPMN id
        self.planes: list[str] = []

    # ------------------------------------------------------------------ elements

    def node_element(self, index: int, tag: str, body: str = "", attrs: str = "") -> str:
        node = self.workflow.nodes[index]
        payload = _payload(self.document["nodes"][index], "name", "position", "steps")
        docs = f"<bpmn:documentation>{escape(node.description)}</bpmn:documentation>"
        return (
            f'<bpmn:{tag} id="{self.element_of[index]}" name={quoteattr(node.name)}{attrs}>'
            + (docs if node.description else "")
            + extension_elements({"node": payload})
            + body
            + f"</bpmn:{tag}>"
        )

    def task(self, stage: int, index: int, element: str) -> tuple[str, str]:
        """The step's element and its BPMN type."""
        step = self.workflow.nodes[stage].steps[index]  # type: ignore[union-attr]
        payload = _payload(self.document["nodes"][stage]["steps"][index], "name")
        head = f'id="{element}" name={quoteattr(step.name)}'
        ext = extension_elements({"step": payload})
        if isinstance(step, InteractiveStep):
            assignment = step.assignment
            if assignment.queue:
                head += f" camunda:candidateGroups={quoteattr(assignment.queue)}"
            if assignment.agent:
                head += f" camunda:assignee={quoteattr(assignment.agent)}"
            return f"<bpmn:userTask {head}>{ext}</bpmn:userTask>", "userTask"
        assert isinstance(step, BackgroundStep)
        if step.action == "wait" and self.outputs is not None:
            return f"<bpmn:userTask {head}>{ext}</bpmn:userTask>", "userTask"
        if step.action == "wait":
            return (
                f"<bpmn:intermediateCatchEvent {head}>{ext}<bpmn:timerEventDefinition>"
                f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
                f"{escape(_duration(step))}</bpmn:timeDuration>"
                "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
                "intermediateCatchEvent",
            )
        given = None if self.outputs is None else self.outputs.get(step.id, {})
        script = escape(step_script(step, given))
        return (
            f'<bpmn:scriptTask {head} scriptFormat="python">{ext}'
            f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>",
            "scriptTask",
        )

    # ------------------------------------------------------------------ stages

    def stage(self, index: int) -> str:
        node = self.workflow.nodes[index]
        assert isinstance(node, StageNode)
        stage_id = self.element_of[index]
        inner: list[str] = []
        shapes: list[Shape] = []
        flows: list[tuple[str, str, str]] = []

        def element(wanted: str, xml: str, kind: str, column: int, row: int = 0) -> str:
            element_id = self.ids.take(wanted)
            inner.append(xml.format(id=element_id))
            shapes.append(grid_shape(element_id, kind, column, row))
            return element_id

        def flow(source: str, target: str, condition: str | None = None,
                 flow_id: str | None = None) -> None:
            flow_id = flow_id or self.ids.take(f"{stage_id}__flow")
            inner.append(_flow_xml(flow_id, source, target, condition))
            flows.append((flow_id, source, target))

        last = element(f"{stage_id}__start", '<bpmn:startEvent id="{id}"/>', "startEvent", 0)
        positions = {step.id: k for k, step in enumerate(node.steps)}
        tasks: dict[int, str] = {}  # written in the stage's step order, for a faithful read
        column = 0
        for layer in step_layers(node.steps):
            column += 1
            head = last
            if len(layer) > 1:
                head = element(f"{stage_id}__split", '<bpmn:parallelGateway id="{id}"/>',
                               "parallelGateway", column)
                flow(last, head)
                column += 1
            guarded = any(step.entry_condition is not None for step in layer)
            ends: list[str] = []
            for row, step in enumerate(layer):
                task_id = self.ids.take(f"{stage_id}__{step.id}")
                xml, kind = self.task(index, positions[step.id], task_id)
                tasks[positions[step.id]] = xml
                shapes.append(grid_shape(task_id, kind, column + int(guarded), row))
                if step.entry_condition is None:
                    flow(head, task_id)
                    ends.append(task_id)
                    continue
                skip = self.ids.take(f"{task_id}__skip")
                gate = element(f"{task_id}__if",
                               '<bpmn:exclusiveGateway id="{id}" default="' + skip + '"/>',
                               "exclusiveGateway", column, row)
                done = element(f"{task_id}__done", '<bpmn:exclusiveGateway id="{id}"/>',
                               "exclusiveGateway", column + 2, row)
                flow(head, gate)
                flow(gate, task_id, condition_expression(step.entry_condition))
                flow(gate, done, flow_id=skip)
                flow(task_id, done)
                ends.append(done)
            column += 2 if guarded else 0
            if len(ends) > 1:
                column += 1
                join = element(f"{stage_id}__join", '<bpmn:parallelGateway id="{id}"/>',
                               "parallelGateway", column)
                for end in ends:
                    flow(end, join)
                ends = [join]
            last = ends[0]
        end = element(f"{stage_id}__end", '<bpmn:endEvent id="{id}"/>', "endEvent", column + 1)
        flow(last, end)
        self.planes.append(diagram_xml(stage_id, shapes, flows))
        ordered = [tasks[k] for k in sorted(tasks)]
        return self.node_element(index, "subProcess", "".join([*ordered, *inner]))

    # ------------------------------------------------------------------ the document

    def build(self) -> str:
        wf = self.workflow
        process_id = self.ids.take(wf.id)
        for index, node in enumerate(wf.nodes):
            self.element_of[index] = self.ids.take(node.id)
        element_by_node = {node.id: self.element_of[i] for i, node in enumerate(wf.nodes)}
        flow_of: list[str] = [self.ids.take(edge.id) for edge in wf.edges]
        defaults: dict[str, str] = {}
        for edge, flow_id in zip(wf.edges, flow_of, strict=True):
            origin = next((n for n in wf.nodes if n.id == edge.source), None)
            if (isinstance(origin, DecisionNode) and origin.default_outcome is not None
                    and edge.outcome == origin.default_outcome.id):
                defaults.setdefault(origin.id, flow_id)

        elements: list[str] = []
        for index, node in enumerate(wf.nodes):
            if isinstance(node, StartNode):
                elements.append(self.node_element(index, "startEvent"))
            elif isinstance(node, EndNode):
                elements.append(self.node_element(index, "endEvent"))
            elif isinstance(node, StageNode):
                elements.append(self.stage(index))
            else:
                default = defaults.get(node.id)
                attrs = f' default="{default}"' if default else ""
                elements.append(self.node_element(index, "exclusiveGateway", attrs=attrs))

        top_flows: list[tuple[str, str, str]] = []
        for index, (edge, flow_id) in enumerate(zip(wf.edges, flow_of, strict=True)):
            if edge.source not in element_by_node or edge.target not in element_by_node:
                continue  # a dangling edge of a broken draft has nothing to point at
            source, target = element_by_node[edge.source], element_by_node[edge.target]
            body = extension_elements({"edge": _payload(self.document["edges"][index],
                                                        "source", "target", "label")})
            condition = self.outcome_condition(edge.source, edge.outcome, flow_id, defaults)
            elements.append(_flow_xml(flow_id, source, target, condition, edge.label, body))
            top_flows.append((flow_id, source, target))

        payload = _payload(self.document, "id", "name", "nodes", "edges")
        docs = (f"<bpmn:documentation>{escape(wf.description)}</bpmn:documentation>"
                if wf.description else "")
        shapes = [
            Shape(self.element_of[i], _shape_type(node), node.position.x, node.position.y)
            for i, node in enumerate(wf.nodes)
        ]
        diagrams = [diagram_xml(process_id, shapes, top_flows), *self.planes]
        return (
            _HEADER
            + f'id="{process_id}_definitions" targetNamespace="{BATON_TARGET_NAMESPACE}" '
            'exporter="Baton" exporterVersion="1">\n'
            f'  <bpmn:process id="{process_id}" name={quoteattr(wf.name)} isExecutable="true">'
            + docs
            + extension_elements({"workflow": {"id": wf.id, **payload}})
            + "\n    "
            + "\n    ".join(elements)
            + "\n  </bpmn:process>\n  "
            + "\n  ".join(diagrams)
            + "\n</bpmn:definitions>\n"
        )

    def outcome_condition(
        self, source: str, outcome: str | None, flow_id: str, defaults: Mapping[str, str]
    ) -> str | None:
        node = next((n for n in self.workflow.nodes if n.id == source), None)
        if not isinstance(node, DecisionNode) or defaults.get(source) == flow_id:
            return None
        chosen = next((o for o in node.outcomes if o.id == outcome), None)
        return condition_expression(chosen.condition) if chosen is not None else "False"


def _flow_xml(flow_id: str, source: str, target: str, condition: str | None,
              name: str = "", body: str = "") -> str:
    if condition is not None:
        body += (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
            f'language="python">{escape(condition)}</bpmn:conditionExpression>'
        )
    named = f" name={quoteattr(name)}" if name else ""
    head = f'<bpmn:sequenceFlow id="{flow_id}"{named} sourceRef="{source}" targetRef="{target}"'
    return f"{head}>{body}</bpmn:sequenceFlow>" if body else f"{head}/>"


def _shape_type(node: StartNode | StageNode | DecisionNode | EndNode) -> str:
    return {"start": "startEvent", "end": "endEvent", "stage": "subProcess",
            "decision": "exclusiveGateway"}[node.kind]


def _duration(step: BackgroundStep) -> str:
    """The ISO 8601 duration of a ``wait`` step, quoted as the Python SpiffWorkflow evaluates."""
    given = step.inputs.get("duration_minutes")
    minutes = given.value if given is not None and given.ref is None else None
    if isinstance(minutes, int | float) and not isinstance(minutes, bool):
        seconds = round(float(minutes) * 60)
        return repr(f"PT{seconds // 60}M{seconds % 60}S" if seconds % 60 else f"PT{seconds // 60}M")
    return repr("PT0S")
