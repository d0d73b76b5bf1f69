"""A stage's steps inside its BPMN subprocess, and their drill-down diagram.

Steps run in layers (a step waits for the steps it comes ``after``). Within a layer, the
steps that write case fields (``set_fields``, ``assign``: instant, as Baton runs them
at once) come first, one after another; then the steps that only produce their own
outputs (people's work, notifications, HTTP calls) sit between a parallel split and
join. That order is what keeps the model right on a BPMN engine: SpiffWorkflow copies
all data into each parallel branch and merges the copies at the join, so a branch that
did not touch a field would put back its old value over another branch's write. For the
same reason a stage that a loop can enter again, and that has parallel steps, starts by
clearing its steps' outputs, so an old answer in one branch cannot outlive the new one.

A step with an entry condition sits behind an exclusive gateway whose default flow skips
it. Baton lets such a step wait until its condition holds, and skips it only when the
rest of the stage is done; a gateway decides once. So a guarded step that no other step
waits for is decided last, after every other step of the stage and after the other
late steps that write case fields, where the gateway sees what Baton would have waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from graphs.interop.bpmn.extensions import extension_elements
from graphs.interop.bpmn.layout import Shape, diagram_xml, grid_shape
from graphs.interop.bpmn.scripts import condition_expression, step_var
from graphs.model import StageNode, Step

__all__ = ["RESET_ROLE", "StageParts", "step_layers", "write_stage"]

#: The Baton role of the script task that clears a re-entered stage's step outputs.
RESET_ROLE = "reset_outputs"


def step_layers(steps: list[Step]) -> list[list[Step]]:
    """Steps grouped so each waits only for steps of earlier layers.

    An ``after`` naming no step of the stage (a broken draft) is ignored, and steps
    waiting for each other in a circle go together, so any draft can be exported.

    >>> from graphs.model import BackgroundStep as B
    >>> [[s.id for s in layer] for layer in step_layers(
    ...     [B(id="a", action="x"), B(id="b", action="x", after=["a"]), B(id="c", action="x")])]
    [['a', 'c'], ['b']]
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


@dataclass(slots=True)
class StageParts:
    """The subprocess's content: its elements (tasks first, in step order) and its plane."""

    tasks: dict[int, str] = field(default_factory=dict)
    elements: list[str] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    flows: list[tuple[str, str, str]] = field(default_factory=list)

    def xml(self) -> str:
        return "".join([*(self.tasks[k] for k in sorted(self.tasks)), *self.elements])


class _Stage:
    def __init__(self, stage: StageNode, stage_id: str, take: Callable[[str], str],
                 task: Callable[[int, str], tuple[str, str]]) -> None:
        self.stage, self.stage_id, self.take, self.task = stage, stage_id, take, task
        self.parts = StageParts()
        self.positions = {step.id: k for k, step in enumerate(stage.steps)}

    def element(self, wanted: str, template: str, kind: str, column: int, row: int = 0) -> str:
        element_id = self.take(wanted)
        self.parts.elements.append(template.replace("{id}", element_id))
        self.parts.shapes.append(grid_shape(element_id, kind, column, row))
        return element_id

    def flow(self, source: str, target: str, condition: str | None = None,
             flow_id: str | None = None) -> None:
        flow_id = flow_id or self.take(f"{self.stage_id}__flow")
        body = "" if condition is None else (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="python">'
            f"{escape(condition)}</bpmn:conditionExpression>")
        head = f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"'
        self.parts.elements.append(f"{head}>{body}</bpmn:sequenceFlow>" if body else f"{head}/>")
        self.parts.flows.append((flow_id, source, target))

    def place(self, step: Step, head: str, column: int, row: int) -> str:
        """The step's task after ``head`` (behind its skip gateway); returns its last element."""
        task_id = self.take(f"{self.stage_id}__{step.id}")
        xml, kind = self.task(self.positions[step.id], task_id)
        self.parts.tasks[self.positions[step.id]] = xml
        guarded = step.entry_condition is not None
        self.parts.shapes.append(grid_shape(task_id, kind, column + int(guarded), row))
        if not guarded:
            self.flow(head, task_id)
            return task_id
        skip = self.take(f"{task_id}__skip")
        gate = self.element(f"{task_id}__if",
                            f'<bpmn:exclusiveGateway id="{{id}}" default="{skip}"/>',
                            "exclusiveGateway", column, row)
        done = self.element(f"{task_id}__done", '<bpmn:exclusiveGateway id="{id}"/>',
                            "exclusiveGateway", column + 2, row)
        self.flow(head, gate)
        self.flow(gate, task_id, condition_expression(step.entry_condition))
        self.flow(gate, done, flow_id=skip)
        self.flow(task_id, done)
        return done

    def blocks(self, writes: Callable[[Step], bool]) -> list[tuple[bool, list[Step]]]:
        """``(parallel?, steps)`` in the order they run; see the module docstring."""
        steps = self.stage.steps
        needed = {d for step in steps for d in step.after}
        late = [s for s in steps if s.entry_condition is not None and s.id not in needed]
        found: list[tuple[bool, list[Step]]] = []
        for layer in step_layers([s for s in steps if s not in late]):
            found += [(False, [s for s in layer if writes(s)]),
                      (True, [s for s in layer if not writes(s)])]
        found += [(False, [s for s in late if writes(s)]),
                  (True, [s for s in late if not writes(s)])]
        return [(parallel, block) for parallel, block in found if block]

    def build(self, writes: Callable[[Step], bool], re_entered: bool) -> StageParts:
        sid = self.stage_id
        last = self.element(f"{sid}__start", '<bpmn:startEvent id="{id}"/>', "startEvent", 0)
        blocks = self.blocks(writes)
        column = 0
        if re_entered and any(parallel and len(block) > 1 for parallel, block in blocks):
            column += 1
            script = "\n".join(f"{step_var(s.id)} = {{}}" for s in self.stage.steps)
            reset = self.element(
                f"{sid}__reset",
                '<bpmn:scriptTask id="{id}" name="Clear the step outputs" scriptFormat="python">'
                + extension_elements({"role": RESET_ROLE})
                + f"<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>",
                "scriptTask", column)
            self.flow(last, reset)
            last = reset
        for parallel, block in blocks:
            if not parallel or len(block) == 1:
                for step in block:
                    column += 1
                    last = self.place(step, last, column, 0)
                    column += 2 if step.entry_condition is not None else 0
                continue
            column += 1
            split = self.element(f"{sid}__split", '<bpmn:parallelGateway id="{id}"/>',
                                 "parallelGateway", column)
            self.flow(last, split)
            column += 1
            ends = [self.place(step, split, column, row) for row, step in enumerate(block)]
            column += 3 if any(s.entry_condition is not None for s in block) else 1
            last = self.element(f"{sid}__join", '<bpmn:parallelGateway id="{id}"/>',
                                "parallelGateway", column)
            for end in ends:
                self.flow(end, last)
        end = self.element(f"{sid}__end", '<bpmn:endEvent id="{id}"/>', "endEvent", column + 1)
        self.flow(last, end)
        return self.parts


def write_stage(
    stage: StageNode,
    stage_id: str,
    *,
    take: Callable[[str], str],
    task: Callable[[int, str], tuple[str, str]],
    writes: Callable[[Step], bool],
    re_entered: bool,
) -> tuple[str, str]:
    """The subprocess content of ``stage`` and the ``BPMNDiagram`` of its plane.

    ``take`` makes a document-wide unique id, ``task`` writes the step at a position of
    the stage as a task with a given id (returning its XML and BPMN type), ``writes``
    tells the steps that write case fields, and ``re_entered`` whether a loop can come
    back to the stage.
    """
    parts = _Stage(stage, stage_id, take, task).build(writes, re_entered)
    return parts.xml(), diagram_xml(stage_id, parts.shapes, parts.flows, take)
