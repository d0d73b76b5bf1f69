"""Write a Baton workflow as a BPMN 2.0 process with diagram interchange.

The translation is the one a modeller would draw by hand, one BPMN element per Baton node:

- the start and the ends become start and end events;
- a stage becomes a collapsed embedded subprocess holding its steps as tasks, in parallel
  blocks layered by ``after`` (see :mod:`graphs.interop.bpmn.stages`);
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

import networkx as nx

from graphs.interop.bpmn.extensions import BATON_NS, CAMUNDA_NS, extension_elements
from graphs.interop.bpmn.layout import Shape, diagram_xml
from graphs.interop.bpmn.scripts import case_updates, condition_expression, step_script
from graphs.interop.bpmn.stages import write_stage
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
from graphs.unique_names import UniqueNames

__all__ = ["BATON_TARGET_NAMESPACE", "export_bpmn", "workflow_to_bpmn"]

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


def _payload(document: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in drop}


class _Writer:
    def __init__(self, workflow: Workflow, outputs: Outputs | None) -> None:
        self.workflow = workflow
        self.outputs = outputs
        self.document = workflow_to_document(workflow)
        # Document-wide: BPMN needs ids unique where Baton scopes them per kind.
        self.ids = UniqueNames()
        self.element_of: dict[int, str] = {}  # node index -> BPMN id
        self.planes: list[str] = []
        # The first node of an id wins, as in validation; a broken draft may repeat one.
        self.by_id = {node.id: node for node in reversed(workflow.nodes)}
        graph = nx.DiGraph([(e.source, e.target) for e in workflow.edges])
        self.on_cycle = {n for part in nx.strongly_connected_components(graph) if len(part) > 1
                         for n in part} | {e.source for e in workflow.edges if e.source == e.target}

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
        content, diagram = write_stage(
            node, stage_id, take=self.ids.take,
            task=lambda position, element: self.task(index, position, element),
            writes=self.writes, re_entered=node.id in self.on_cycle)
        self.planes.append(diagram)
        return self.node_element(index, "subProcess", content)

    def writes(self, step: Step) -> bool:
        """Whether the step writes case fields (its task then runs outside parallel blocks)."""
        if not isinstance(step, BackgroundStep) or step.action == "wait":
            return False
        given = {} if self.outputs is None else self.outputs.get(step.id, {})
        return bool(case_updates(step)) or "$case" in given

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
            origin = self.by_id.get(edge.source)
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
        diagrams = [diagram_xml(process_id, shapes, top_flows, self.ids.take), *self.planes]
        definitions_id = self.ids.take(f"{process_id}_definitions")
        return (
            _HEADER
            + f'id="{definitions_id}" targetNamespace="{BATON_TARGET_NAMESPACE}" '
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
        node = self.by_id.get(source)
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
