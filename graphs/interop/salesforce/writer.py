"""A Baton workflow as a Salesforce orchestration (``.flow-meta.xml``, process type Orchestrator).

Each element's children come in the order of the Metadata API's WSDL, which a deploy
checks: what the element inherits first (``processMetadataValues``, ``description``,
``name``, then ``label`` and ``locationX``/``locationY`` for nodes), then its own fields in
alphabetical order.

Stages become ``orchestratedStages``, steps ``stageSteps``, decisions ``decisions`` with
``rules``, edges connectors, the record trigger the ``start`` element's object, trigger
type and filters. Ends have no element in Salesforce: a stage or outcome that leads to
one has no connector. Each element also carries its Baton form as JSON in
``processMetadataValues`` (see :mod:`.vocabulary`), so that reading the file back gives
the same workflow.

>>> from graphs.examples import load_example
>>> xml = export_orchestration(load_example("support-case"))
>>> "<processType>Orchestrator</processType>" in xml and "<orchestratedStages>" in xml
True
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, indent, register_namespace, tostring

from graphs.interop.salesforce.conditions import FlowCondition, record_fields, render_condition
from graphs.interop.salesforce.vocabulary import NS, add, api_name, tag, write_baton_data
from graphs.io import workflow_to_document
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    Edge,
    EndNode,
    InteractiveStep,
    StageNode,
    StartNode,
    TriggerEvent,
    Workflow,
)
from graphs.unique_names import UniqueNames

__all__ = ["API_VERSION", "RECORD_TRIGGER_TYPES", "export_orchestration", "step_action_name"]

API_VERSION = "62.0"
RECORD_TRIGGER_TYPES = {
    TriggerEvent.CREATE: "Create",
    TriggerEvent.UPDATE: "Update",
    TriggerEvent.CREATE_OR_UPDATE: "CreateAndUpdate",
}
#: The action a background step has when it runs a Salesforce flow Baton cannot read.
FLOW_ACTION = "salesforce_flow"


def export_orchestration(workflow: Workflow) -> str:
    """The workflow as the text of a ``.flow-meta.xml`` orchestration."""
    document = workflow_to_document(workflow)
    names = _Names(workflow, record_fields(document.get("trigger")))
    plain = {node["id"]: node for node in document.get("nodes", [])}
    root = Element(tag("Flow"))
    add(root, "apiVersion", API_VERSION)
    for node in workflow.nodes:
        if isinstance(node, DecisionNode):
            _decision(root, node, plain[node.id], workflow.edges, names)
    if workflow.description:
        add(root, "description", workflow.description)
    add(root, "environments", "Default")
    add(root, "interviewLabel", f"{workflow.name} {{!$Flow.CurrentDateTime}}")
    add(root, "label", workflow.name)
    for node in workflow.nodes:
        if isinstance(node, StageNode):
            _stage(root, node, plain[node.id], workflow.edges, names)
    write_baton_data(root, _workflow_data(document))
    add(root, "processType", "Orchestrator")
    start = next((n for n in workflow.nodes if isinstance(n, StartNode)), None)
    _start(root, workflow, start, names)
    add(root, "status", "Draft")
    register_namespace("", NS)
    indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def step_action_name(step: BackgroundStep | InteractiveStep, name: str) -> str:
    """The flow a step runs in Salesforce: the one it came from, else one named for Baton.

    >>> from graphs.model import BackgroundStep, StepInput
    >>> step_action_name(BackgroundStep(id="s", action="notify"), "s")
    'Baton_notify'
    >>> flow = BackgroundStep(id="s", action="salesforce_flow",
    ...                       inputs={"flow": StepInput(value="Close_Case")})
    >>> step_action_name(flow, "s")
    'Close_Case'
    """
    if isinstance(step, InteractiveStep):
        return f"{name}_Form"
    flow = step.inputs.get("flow")
    if step.action == FLOW_ACTION and flow is not None and isinstance(flow.value, str):
        return flow.value
    return api_name(f"Baton_{step.action}")


class _Names:
    """Unique API names for every element, keyed by Baton id (steps by stage and step)."""

    def __init__(self, workflow: Workflow, record: dict[str, str]) -> None:
        #: Case field -> the Salesforce record field it comes from (``$Record.<field>``).
        self.record = record
        # API names are case-insensitive and at most 80 characters, a number included.
        self._taken = UniqueNames(keep=76, fold=str.lower)
        self.nodes: dict[str, str] = {}
        self.steps: dict[str, dict[str, str]] = {}
        self.outcomes: dict[tuple[str, str], str] = {}
        for node in workflow.nodes:
            if not isinstance(node, EndNode | StartNode):
                self.nodes[node.id] = self._claim(node.id)
        for node in workflow.nodes:
            if isinstance(node, StageNode):
                self.steps[node.id] = {s.id: self._claim(s.id) for s in node.steps}
            elif isinstance(node, DecisionNode):
                for outcome in node.outcomes:
                    self.outcomes[(node.id, outcome.id)] = self._claim(outcome.id)

    def _claim(self, identifier: str) -> str:
        return self._taken.take(api_name(identifier))


def _workflow_data(document: dict[str, Any]) -> dict[str, Any]:
    nodes = document.get("nodes", [])
    kept = {k: v for k, v in document.items() if k not in ("nodes", "description")}
    kept["start"] = next((n for n in nodes if n.get("kind") == "start"), None)
    kept["ends"] = [n for n in nodes if n.get("kind") == "end"]
    kept["order"] = [n["id"] for n in nodes]
    return kept


def _location(element: Element, node: Any) -> None:
    add(element, "locationX", str(round(node.position.x)))
    add(element, "locationY", str(round(node.position.y)))


def _connector(element: Element, local: str, target: str | None, names: _Names) -> None:
    if target is not None and target in names.nodes:
        add(add(element, local), "targetReference", names.nodes[target])


def _edge(edges: list[Edge], source: str, outcome: str | None = None) -> str | None:
    for edge in edges:
        if edge.source == source and edge.outcome == outcome:
            return edge.target
    return None


def _rows(element: Element, prefix: str, logic: str, rows: list[FlowCondition]) -> None:
    """``<prefix>Logic`` and ``<prefix>s`` rows (``condition``: conditionLogic, conditions)."""
    if not rows:
        return
    add(element, f"{prefix}Logic", logic)
    for row in rows:
        holder = add(element, f"{prefix}s")
        add(holder, "leftValueReference", row.left)
        add(holder, "operator", row.operator)
        if row.value_type is not None:
            add(add(holder, "rightValue"), row.value_type, row.value)


def _start(root: Element, workflow: Workflow, start: StartNode | None, names: _Names) -> None:
    element = add(root, "start")
    if start is not None:
        _location(element, start)
        _connector(element, "connector", _edge(workflow.edges, start.id), names)
    trigger = workflow.trigger
    if trigger.kind != "record":
        return
    logic, rows = render_condition(trigger.condition, {}, record=names.record)
    if rows:
        add(element, "filterLogic", logic)
        for row in rows:
            holder = add(element, "filters")
            add(holder, "field", row.left.removeprefix("$Record."))
            add(holder, "operator", row.operator)
            if row.value_type is not None:
                add(add(holder, "value"), row.value_type, row.value)
    sobject = trigger.salesforce.sobject if trigger.salesforce is not None else "Case"
    add(element, "object", sobject)
    add(element, "recordTriggerType", RECORD_TRIGGER_TYPES[trigger.on])
    add(element, "triggerType", "RecordAfterSave")


def _node_element(
    root: Element,
    kind: str,
    node: DecisionNode | StageNode,
    data: dict[str, Any],
    names: _Names,
    *,
    written_apart: str,
) -> Element:
    """A node's element with what every node has; ``data[written_apart]`` goes on its parts."""
    element = add(root, kind)
    write_baton_data(element, {k: v for k, v in data.items() if k != written_apart})
    if node.description:
        add(element, "description", node.description)
    add(element, "name", names.nodes[node.id])
    add(element, "label", node.name or node.id)
    _location(element, node)
    return element


def _decision(
    root: Element, node: DecisionNode, data: dict[str, Any], edges: list[Edge], names: _Names
) -> None:
    element = _node_element(root, "decisions", node, data, names, written_apart="outcomes")
    if node.default_outcome is not None:
        _connector(
            element, "defaultConnector", _edge(edges, node.id, node.default_outcome.id), names
        )
        add(element, "defaultConnectorLabel", node.default_outcome.label)
    for outcome, outcome_data in zip(node.outcomes, data.get("outcomes", []), strict=True):
        rule = add(element, "rules")
        write_baton_data(rule, outcome_data)
        add(rule, "name", names.outcomes[(node.id, outcome.id)])
        logic, rows = render_condition(outcome.condition, _all_steps(names), record=names.record)
        _rows(rule, "condition", logic, rows)
        _connector(rule, "connector", _edge(edges, node.id, outcome.id), names)
        add(rule, "label", outcome.label)


def _all_steps(names: _Names) -> dict[str, str]:
    found: dict[str, str] = {}
    for steps in names.steps.values():
        for step_id, name in steps.items():
            found.setdefault(step_id, name)
    return found


def _stage(
    root: Element, node: StageNode, data: dict[str, Any], edges: list[Edge], names: _Names
) -> None:
    element = _node_element(root, "orchestratedStages", node, data, names, written_apart="steps")
    _connector(element, "connector", _edge(edges, node.id), names)
    steps = {**_all_steps(names), **names.steps[node.id]}
    logic, rows = render_condition(node.exit_condition, steps, record=names.record)
    _rows(element, "exitCondition", logic, rows)
    for step, step_data in zip(node.steps, data.get("steps", []), strict=True):
        _step(element, step, step_data, steps, names.record)


def _step(
    stage: Element,
    step: BackgroundStep | InteractiveStep,
    data: dict[str, Any],
    steps: dict[str, str],
    record: dict[str, str],
) -> None:
    element = add(stage, "stageSteps")
    name = steps[step.id]
    write_baton_data(element, data)
    add(element, "name", name)
    add(element, "label", step.name or step.id)
    add(element, "actionName", step_action_name(step, name))
    interactive = isinstance(step, InteractiveStep)
    add(element, "actionType", "stepInteractive" if interactive else "stepBackground")
    if isinstance(step, InteractiveStep):
        for kind, who in (("User", step.assignment.agent), ("Queue", step.assignment.queue)):
            if who:
                holder = add(element, "assignees")
                add(add(holder, "assignee"), "stringValue", who)
                add(holder, "assigneeType", kind)
    after = [steps.get(s, api_name(s)) for s in step.after]
    logic, rows = render_condition(step.entry_condition, steps, after, record)
    _rows(element, "entryCondition", logic, rows)
    if isinstance(step, BackgroundStep):
        _inputs(element, step, record)
    add(element, "requiresAsyncProcessing", "false")
    add(element, "runAsUser", "false")
    add(element, "stepSubtype", "InteractiveStep" if interactive else "BackgroundStep")


def _inputs(element: Element, step: BackgroundStep, record: dict[str, str]) -> None:
    for key, given in step.inputs.items():
        if step.action == FLOW_ACTION and key == "flow":
            continue
        if given.ref is not None and given.ref.startswith("case."):
            field = given.ref.removeprefix("case.")
            value = ("elementReference", "$Record." + record.get(field, field))
        elif isinstance(given.value, str | int | float | bool) and given.ref is None:
            kind, text = _literal(given.value)
            value = (kind, text)
        else:
            continue  # structured values and step references live in the Baton data only
        holder = add(element, "inputParameters")
        add(holder, "name", api_name(key))
        add(add(holder, "value"), *value)


def _literal(value: str | int | float | bool) -> tuple[str, str]:
    if isinstance(value, bool):
        return "booleanValue", "true" if value else "false"
    if isinstance(value, int | float):
        return "numberValue", repr(value)
    return "stringValue", value
