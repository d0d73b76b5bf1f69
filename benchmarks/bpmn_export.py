"""Write a Baton workflow as an equivalent BPMN 2.0 process, for the SpiffWorkflow side
of ``benchmarks/engine.py``.

The translation is the one a BPMN modeller would draw by hand:

- a stage's steps become tasks between a parallel split and join (steps with ``after``
  go in later layers; a stage of one step is just the task); a step with an entry
  condition sits behind an exclusive gateway that skips it when the condition fails;
- background steps become script tasks that store the step's outputs (the canned
  outputs the benchmark feeds Baton) and apply ``set_fields``/``assign`` to the case
  fields; ``wait`` steps and interactive steps become user tasks the driver completes;
- a decision becomes an exclusive gateway, its outcomes conditional sequence flows in
  order and its default outcome the gateway's default flow;
- go-to edges are ordinary sequence flows back, with an exclusive merge in front of any
  element that more than one flow enters.

Conditions become Python expressions over flat data names: ``case.priority`` is
``case_priority`` and ``step.work.resolved`` is ``step_work.get('resolved')``. Flat
names matter: Spiff copies task data into parallel branches and merges it back with a
shallow ``dict.update``, so a nested ``case`` dict written in two branches would lose
one branch's writes.

Run ``python benchmarks/bpmn_export.py`` to regenerate ``benchmarks/support_case.bpmn``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphs.conditions import Group, Operator, Rule  # noqa: E402
from graphs.model import (  # noqa: E402
    BackgroundStep,
    DecisionNode,
    EdgeKind,
    EndNode,
    InteractiveStep,
    StageNode,
    StartNode,
    Step,
    Workflow,
)

__all__ = ["PROCESS_ID", "condition_expression", "step_var", "workflow_to_bpmn"]

PROCESS_ID = "support_case"
BPMN_PATH = Path(__file__).with_name("support_case.bpmn")


def case_var(field: str) -> str:
    """The Spiff data name of a case field."""
    return f"case_{field}"


def step_var(step_id: str) -> str:
    """The Spiff data name holding a step's outputs."""
    return f"step_{step_id}".replace("-", "_")


def _value_reader(path: str) -> str:
    root, _, rest = path.partition(".")
    if root == "case":
        return case_var(rest)
    if root == "step":
        step_id, _, key = rest.partition(".")
        return f"{step_var(step_id)}.get({key!r})"
    if root == "sla":
        # The benchmark runs inside every SLA, so the clock always reads on track.
        return repr("on_track") if rest == "state" else "1e9"
    if root == "counter":
        return "0"
    raise ValueError(f"cannot translate field {path!r}")


def _rule_expression(rule: Rule) -> str:
    value = _value_reader(rule.field)
    op = rule.op
    if op is Operator.IS_SET:
        return f"({value} not in (None, '', []))"
    if op is Operator.IS_NOT_SET:
        return f"({value} in (None, '', []))"
    if op is Operator.CHANGED:
        return "False"
    if op in (Operator.IN, Operator.NOT_IN):
        options = rule.value if isinstance(rule.value, list) else [rule.value]
        negate = "not " if op is Operator.NOT_IN else ""
        return f"({value} {negate}in {options!r})"
    if op in (Operator.CONTAINS, Operator.NOT_CONTAINS):
        negate = "not " if op is Operator.NOT_CONTAINS else ""
        return f"({negate}({rule.value!r} in ({value} or '')))"
    symbol = {
        Operator.EQ: "==",
        Operator.NE: "!=",
        Operator.LT: "<",
        Operator.LTE: "<=",
        Operator.GT: ">",
        Operator.GTE: ">=",
    }[op]
    if symbol in ("==", "!="):
        return f"({value} {symbol} {rule.value!r})"
    return f"({value} is not None and {value} {symbol} {rule.value!r})"


def condition_expression(condition: Group | None) -> str:
    """A Python expression equivalent to a Baton condition.

    >>> from graphs.conditions import Group, Rule
    >>> condition_expression(Group(match="any", rules=[
    ...     Rule(field="case.priority", op="eq", value="high"),
    ...     Rule(field="step.work.resolved", op="eq", value=False)]))
    "((case_priority == 'high') or (step_work.get('resolved') == False))"
    """
    if condition is None or not condition.rules:
        return "True"
    joiner = " and " if condition.match == "all" else " or "
    parts = [
        _rule_expression(item) if isinstance(item, Rule) else condition_expression(item)
        for item in condition.rules
    ]
    return "(" + joiner.join(parts) + ")"


def _layers(steps: list[Step]) -> list[list[Step]]:
    """Steps grouped so each waits only for steps of earlier layers."""
    placed: dict[str, int] = {}
    remaining = list(steps)
    while remaining:
        progressed = False
        for step in list(remaining):
            if all(dep in placed for dep in step.after):
                placed[step.id] = 1 + max((placed[dep] for dep in step.after), default=-1)
                remaining.remove(step)
                progressed = True
        if not progressed:
            raise ValueError("cyclic 'after' between steps: " + ", ".join(s.id for s in remaining))
    layers: list[list[Step]] = [[] for _ in range(max(placed.values(), default=-1) + 1)]
    for step in steps:
        layers[placed[step.id]].append(step)
    return layers


def _case_updates(step: BackgroundStep) -> list[str]:
    """Script lines that apply a ``set_fields``/``assign`` step's case updates."""
    values: dict[str, str] = {}
    for name, spec in step.inputs.items():
        if spec.ref is None:
            values[name] = repr(spec.value)
        elif spec.ref.split(".", 1)[0] in ("case", "step", "sla", "counter"):
            values[name] = _value_reader(spec.ref)
        else:  # a bare name refers to a case field
            values[name] = case_var(spec.ref)
    if step.action == "set_fields":
        fields = step.inputs.get("fields")
        if fields is not None and fields.ref is None and isinstance(fields.value, dict):
            return [f"{case_var(k)} = {v!r}" for k, v in fields.value.items()]
        return [f"{case_var(k)} = {v}" for k, v in values.items()]
    if step.action == "assign":
        agent, queue = values.get("agent", "None"), values.get("queue", "None")
        return [f"{case_var('owner')} = {agent} or ('queue:' + str({queue}))"]
    return []


class _Builder:
    def __init__(self, workflow: Workflow, outputs: Mapping[str, Mapping[str, Any]]) -> None:
        self.workflow = workflow
        self.outputs = outputs
        self.elements: list[str] = []
        self.flows: list[str] = []
        self._flow_count = 0
        self.entry: dict[str, str] = {}  # node id -> first BPMN element
        self.exit: dict[str, str] = {}  # node id -> last BPMN element (not decisions)

    def flow(self, source: str, target: str, condition: str | None = None) -> str:
        self._flow_count += 1
        flow_id = f"flow_{self._flow_count}"
        if condition is None:
            self.flows.append(
                f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
            )
        else:
            self.flows.append(
                f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
                f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>"
                "</bpmn:sequenceFlow>"
            )
        return flow_id

    def task(self, node: StageNode, step: Step) -> str:
        element = f"{node.id}__{step.id}".replace("-", "_")
        name = quoteattr(step.name or step.id)
        if isinstance(step, InteractiveStep) or (
            isinstance(step, BackgroundStep) and step.action == "wait"
        ):
            self.elements.append(f'<bpmn:userTask id="{element}" name={name}/>')
            return element
        assert isinstance(step, BackgroundStep)
        lines = [f"{step_var(step.id)} = {dict(self.outputs.get(step.id, {}))!r}"]
        lines += _case_updates(step)
        script = escape("\n".join(lines))
        self.elements.append(
            f'<bpmn:scriptTask id="{element}" name={name}>'
            f"<bpmn:script>{script}</bpmn:script></bpmn:scriptTask>"
        )
        return element

    def guarded(self, node: StageNode, step: Step) -> tuple[str, str]:
        """The step's task, behind a skip gateway when it has an entry condition."""
        task = self.task(node, step)
        if step.entry_condition is None:
            return task, task
        gate = f"{task}__if"
        done = f"{task}__done"
        self.elements.append(f'<bpmn:exclusiveGateway id="{gate}" default="{gate}_skip"/>')
        self.elements.append(f'<bpmn:exclusiveGateway id="{done}"/>')
        self.flow(gate, task, condition_expression(step.entry_condition))
        self.flows.append(
            f'<bpmn:sequenceFlow id="{gate}_skip" sourceRef="{gate}" targetRef="{done}"/>'
        )
        self.flow(task, done)
        return gate, done

    def stage(self, node: StageNode) -> None:
        first: str | None = None
        last: str | None = None
        for index, layer in enumerate(_layers(node.steps)):
            pieces = [self.guarded(node, step) for step in layer]
            if len(pieces) == 1:
                head, tail = pieces[0]
            else:
                head, tail = f"{node.id}__split{index}", f"{node.id}__join{index}"
                self.elements.append(f'<bpmn:parallelGateway id="{head}"/>')
                self.elements.append(f'<bpmn:parallelGateway id="{tail}"/>')
                for piece_head, piece_tail in pieces:
                    self.flow(head, piece_head)
                    self.flow(piece_tail, tail)
            if last is not None:
                self.flow(last, head)
            first = first or head
            last = tail
        if first is None or last is None:
            first = last = f"{node.id}__empty"
            self.elements.append(f'<bpmn:task id="{first}"/>')
        self.entry[node.id], self.exit[node.id] = first, last

    def build(self) -> str:
        wf = self.workflow
        for node in wf.nodes:
            if isinstance(node, StartNode):
                self.elements.append(f'<bpmn:startEvent id="{node.id}"/>')
                self.entry[node.id] = self.exit[node.id] = node.id
            elif isinstance(node, EndNode):
                self.elements.append(f'<bpmn:endEvent id="{node.id}"/>')
                self.entry[node.id] = node.id
            elif isinstance(node, StageNode):
                self.stage(node)
            elif isinstance(node, DecisionNode):
                self.entry[node.id] = node.id

        incoming: dict[str, int] = {}
        for edge in wf.edges:
            incoming[edge.target] = incoming.get(edge.target, 0) + 1
        # A parallel split (or a task) entered by several flows needs an exclusive merge
        # in front, or the split would wait for all of them like a join.
        for node_id, count in incoming.items():
            node = wf.node(node_id)
            if count > 1 and isinstance(node, StageNode):
                merge = f"{node_id}__merge"
                self.elements.append(f'<bpmn:exclusiveGateway id="{merge}"/>')
                self.flow(merge, self.entry[node_id])
                self.entry[node_id] = merge

        for node in wf.nodes:
            if not isinstance(node, DecisionNode):
                continue
            edges = {e.outcome: e for e in wf.edges if e.source == node.id}
            default_flow = ""
            for outcome in node.outcomes:
                self.flow(
                    node.id,
                    self.entry[edges[outcome.id].target],
                    condition_expression(outcome.condition),
                )
            if node.default_outcome is not None:
                target = self.entry[edges[node.default_outcome.id].target]
                default_flow = self.flow(node.id, target)
            default = f' default="{default_flow}"' if default_flow else ""
            self.elements.append(f'<bpmn:exclusiveGateway id="{node.id}"{default}/>')

        for edge in wf.edges:
            source = wf.node(edge.source)
            if isinstance(source, DecisionNode):
                continue
            assert edge.kind in (EdgeKind.NEXT, EdgeKind.GOTO)
            self.flow(self.exit[edge.source], self.entry[edge.target])

        body = "\n    ".join([*self.elements, *self.flows])
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            f'id="{PROCESS_ID}_definitions" targetNamespace="https://baton.example/benchmarks">\n'
            f'  <bpmn:process id="{PROCESS_ID}" name={quoteattr(wf.name)} isExecutable="true">\n'
            f"    {body}\n"
            "  </bpmn:process>\n"
            "</bpmn:definitions>\n"
        )


def workflow_to_bpmn(workflow: Workflow, outputs: Mapping[str, Mapping[str, Any]]) -> str:
    """The BPMN XML of ``workflow``; ``outputs`` are the canned background step outputs."""
    return _Builder(workflow, outputs).build()


def main() -> None:
    from benchmarks.engine import background_outputs, load_support_case

    workflow = load_support_case()
    BPMN_PATH.write_text(workflow_to_bpmn(workflow, background_outputs(workflow)))
    print(f"wrote {BPMN_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
