"""Data flow: answers and outputs reach the case fields they are mapped to, what is read
is written somewhere, loops can end, inputs read outputs that exist, and actions get the
inputs they require.

Built on :func:`graphs.dataflow.data_flow`. What actions write and which inputs they need
is known only from the runtime's catalogue, so the rules that need it
(:data:`CATALOGUE_RULES`) run when :func:`graphs.validation.validate` is given one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx

from graphs.action_specs import ActionCatalogue, input_findings, missing, output_type
from graphs.conditions import Group, iter_rules
from graphs.dataflow import (
    DataFlow,
    case_field_of,
    data_flow,
    mapping_fits,
)
from graphs.model import DecisionNode, EdgeKind, FieldType, StageNode, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import index_of, problem, workflow_graph  # noqa: F401 (doctests)

CatalogueCheck = Callable[[Workflow, Any, ActionCatalogue], list[Problem]]
"""A rule that needs the action catalogue: ``(workflow, graph, actions) -> problems``."""


def _flow(workflow: Workflow, graph: nx.DiGraph, actions: ActionCatalogue) -> DataFlow:
    # The catalogue rules share one analysis per validation.
    key = ("dataflow", id(actions))
    found = graph.graph.get(key)
    if not isinstance(found, DataFlow):
        found = graph.graph[key] = data_flow(workflow, actions)
    return found


def check_form_mappings(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Form fields write case fields that exist and take their answers' type.

    >>> wf = Workflow.model_validate({"id": "w", "name": "W",
    ...     "case_schema": [{"name": "resolved", "type": "boolean"}],
    ...     "nodes": [{"id": "s", "kind": "stage", "steps": [{"id": "work",
    ...         "kind": "interactive", "form": [{"name": "done", "case_field": "resolved"}]}]}]})
    >>> [(p.code.value, p.step_id, p.field) for p in check_form_mappings(wf, workflow_graph(wf))]
    [('mapping_type_mismatch', 'work', 'case.resolved')]
    """
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.interactive:
        for f, form_field in enumerate(step.form):
            if not form_field.to_case:
                continue
            at = f"nodes[{index}].steps[{k}].form[{f}]"
            name = form_field.case_field or form_field.name
            target = workflow.field(name)
            subject = f"Form field {form_field.name!r} ({form_field.type}) of step {step.id!r}"
            where = {"node_id": stage.id, "step_id": step.id, "field": f"case.{name}"}
            if target is None:
                if form_field.case_field is not None:
                    message = f"{subject} writes case field {name!r}, which the case schema lacks."
                    problems.append(_at(ProblemCode.UNKNOWN_MAPPED_FIELD, message, at, **where))
                continue
            if mapping_fits(form_field.type, form_field.values, target):
                continue
            if form_field.case_field is not None:
                message = f"{subject} writes case field {name!r}, which is {_kind(target.type)}"
                if target.type is form_field.type:  # picklists with other values
                    message += " that does not allow every answer"
                problems.append(_at(ProblemCode.MAPPING_TYPE_MISMATCH, message + ".", at, **where))
            else:
                message = (
                    f"{subject} is named like case field {name!r}, which is "
                    f"{_kind(target.type)}, so the answer writes nothing to the case; give "
                    "it the case field's type, map it to another field, or keep it out of "
                    "the case."
                )
                problems.append(
                    _at(ProblemCode.FORM_FIELD_NOT_MAPPED, message, at, "warning", **where)
                )
    return problems


def _kind(type_: FieldType) -> str:
    return f"a {type_} field"


def _at(
    code: ProblemCode, message: str, path: str, severity: str = "error", **ids: str | None
) -> Problem:
    """A problem at ``path``; ``ids`` are its ``node_id``, ``step_id``, ``edge_id``, ``field``."""
    return Problem(
        code=code,
        severity="warning" if severity == "warning" else "error",
        message=message,
        path=path,
        **ids,
    )


def check_output_mappings(
    workflow: Workflow, graph: nx.DiGraph, actions: ActionCatalogue | None = None
) -> list[Problem]:
    """Background steps' outputs write case fields that exist; given the catalogue, the
    outputs exist and their type fits the field."""
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.background:
        spec = actions.get(step.action) if actions is not None else None
        declared = spec.output_names() if spec is not None else None
        for output, name in step.outputs_to_case.items():
            at = f"nodes[{index}].steps[{k}].outputs_to_case.{output}"
            where = {"node_id": stage.id, "step_id": step.id, "field": f"case.{name}"}
            subject = f"Output {output!r} of step {step.id!r}"
            target = workflow.field(name)
            if target is None:
                message = f"{subject} writes case field {name!r}, which the case schema lacks."
                problems.append(_at(ProblemCode.UNKNOWN_MAPPED_FIELD, message, at, **where))
                continue
            if declared is not None and output not in declared:
                message = (
                    f"{subject} is mapped to case field {name!r}, but action {step.action!r} "
                    f"has no such output (its outputs: {', '.join(declared) or 'none'})."
                )
                problems.append(_at(ProblemCode.UNKNOWN_MAPPED_FIELD, message, at, **where))
                continue
            type_ = output_type(spec, output) if spec is not None else None
            if type_ is not None and not _output_fits(type_, target.type):
                message = f"{subject} is {_kind(type_)} but writes {name!r}, {_kind(target.type)}."
                problems.append(_at(ProblemCode.MAPPING_TYPE_MISMATCH, message, at, **where))
    return problems


def _output_fits(source: FieldType, target: FieldType) -> bool:
    # An action's text output may be a picklist value or a date-time: only run time knows.
    if source is FieldType.STRING:
        return target in (FieldType.STRING, FieldType.PICKLIST, FieldType.DATETIME)
    return source is target


def check_step_output_reads(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A step input that reads another step's output reads one that has run on every
    path to it: a step of an earlier stage that every path passes, or of the same stage
    that the reader waits for (``after``), and that no entry condition may skip."""
    index = index_of(workflow, graph)
    catalog = index.catalog
    dominance = _Dominance(workflow, graph)
    problems: list[Problem] = []
    for node_index, k, stage, step in catalog.background:
        for name, item in step.inputs.items():
            root, _, rest = (item.ref or "").partition(".")
            source_id, _, key = rest.partition(".")
            source = catalog.steps.get(source_id) if root == "step" else None
            if source is None or not key or source_id == step.id:
                continue
            at = f"nodes[{node_index}].steps[{k}].inputs.{name}"
            where = {"node_id": stage.id, "step_id": step.id, "field": item.ref}
            subject = f"Input {name!r} of step {step.id!r} reads {item.ref}"
            source_stage = catalog.stage_of_step[source_id]
            why, severity = _why_not_run(stage, step.id, source_stage, source_id, dominance)
            # A reader with the same entry condition is skipped whenever the step it
            # reads is (the pattern "ask if missing, then store"), so it never misses it.
            skipped_alone = source.entry_condition != step.entry_condition
            if why is None and source.entry_condition is not None and skipped_alone:
                why, severity = (
                    f"step {source_id!r} is skipped when its entry condition fails",
                    "warning",
                )
            if why is not None:
                message = f"{subject}, but {why}: the input may be empty."
                problems.append(
                    _at(ProblemCode.OUTPUT_MAY_NOT_EXIST, message, at, severity, **where)
                )
    return problems


class _Dominance:
    """Which stages every path from the start passes before another: the dominator tree,
    numbered once so that each question is two comparisons."""

    def __init__(self, workflow: Workflow, graph: nx.DiGraph) -> None:
        self.graph = graph
        self.enter: dict[str, int] = {}
        self.leave: dict[str, int] = {}
        self._reached: dict[str, set[str]] = {}
        starts = [n.id for n in workflow.nodes if n.kind == "start"]
        if len(starts) != 1 or starts[0] not in graph:
            return
        children: dict[str, list[str]] = {}
        for node, parent in nx.immediate_dominators(graph, starts[0]).items():
            if node != parent:
                children.setdefault(parent, []).append(node)
        clock = 0
        todo: list[tuple[str, bool]] = [(starts[0], False)]
        while todo:
            node, done = todo.pop()
            clock += 1
            if done:
                self.leave[node] = clock
                continue
            self.enter[node] = clock
            todo.append((node, True))
            todo.extend((child, False) for child in children.get(node, ()))

    def reached(self, node: str) -> bool:
        return node in self.enter

    def dominates(self, earlier: str, later: str) -> bool:
        if earlier not in self.enter or later not in self.enter:
            return False
        return self.enter[earlier] <= self.enter[later] and self.leave[later] <= self.leave[earlier]

    def leads_to(self, earlier: str, later: str) -> bool:
        found = self._reached.get(earlier)
        if found is None:
            found = self._reached[earlier] = nx.descendants(self.graph, earlier)
        return later in found


def _why_not_run(
    stage: StageNode,
    step_id: str,
    source_stage: str,
    source_id: str,
    dominance: _Dominance,
) -> tuple[str | None, str]:
    if source_stage == stage.id:
        waits = {s.id: s.after for s in stage.steps}
        seen, todo = set(), list(waits.get(step_id, []))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(waits.get(current, []))
        if source_id in seen:
            return None, "error"
        why = f"step {source_id!r} runs beside it in stage {stage.id!r} and it does not wait"
        return f"{why} for it (after)", "warning"
    if not dominance.reached(stage.id) or not dominance.reached(source_stage):
        return None, "error"  # unreachable stages are reported by the path rules
    if dominance.dominates(source_stage, stage.id):
        return None, "error"
    if not dominance.leads_to(source_stage, stage.id):
        why = f"stage {source_stage!r} of step {source_id!r} never comes before"
        return f"{why} stage {stage.id!r}", "error"
    why = f"not every path to stage {stage.id!r} passes stage {source_stage!r}"
    return f"{why} of step {source_id!r}", "warning"


def check_unwritten_reads(
    workflow: Workflow, graph: nx.DiGraph, actions: ActionCatalogue
) -> list[Problem]:
    """A condition or input reads a case field that nothing in the workflow writes and
    the case need not have at creation: unless the case arrives with it or is changed
    from outside, it always reads "not set". The trigger is left out: it judges the
    record as it arrives."""
    flow = _flow(workflow, graph, actions)
    problems: list[Problem] = []
    for path, readers in flow.readers.items():
        name = path.removeprefix("case.")
        if not path.startswith("case.") or workflow.field(name) is None or flow.writers_of(path):
            continue
        for reader in readers:
            if reader.kind == "trigger":
                continue
            message = (
                f"{reader.what[0].upper()}{reader.what[1:]} reads {path}, which nothing in "
                "this workflow writes and the case need not have at creation: unless it "
                "comes from outside, this will always see it not set. Write it in a step "
                "(map a form field or an output to it, or set it), or make it required."
            )
            problems.append(
                _at(
                    ProblemCode.FIELD_NEVER_WRITTEN,
                    message,
                    reader.path or "",
                    "warning",
                    field=path,
                    node_id=reader.node_id,
                    step_id=reader.step_id,
                    edge_id=reader.edge_id,
                )
            )
    return problems


def check_loop_exits(
    workflow: Workflow, graph: nx.DiGraph, actions: ActionCatalogue
) -> list[Problem]:
    """A go-to loop whose way out depends only on fields nothing inside the loop writes
    can only end by an outside change. The way out is decided by the loop's decisions
    that have an edge leaving the loop; SLA state and the engine's counters change as
    the loop runs, so a decision reading them is left alone."""
    flow = _flow(workflow, graph, actions)
    index = index_of(workflow, graph)
    forward = nx.DiGraph(list(index.forward))
    forward.add_nodes_from(graph)
    try:
        order = {node: n for n, node in enumerate(nx.topological_sort(forward))}
    except nx.NetworkXUnfeasible:
        return []  # a cycle without a go-to: check_cycles_without_goto says so
    problems: list[Problem] = []
    for i, edge in enumerate(workflow.edges):
        if (
            edge.kind is not EdgeKind.GOTO
            or len(index.pairs.get((edge.source, edge.target), ())) != 1
        ):
            continue
        body = _loop_body(graph, forward, order, edge.source, edge.target)
        decisions = [
            node
            for node_id in sorted(body, key=order.__getitem__)
            if index.kind.get(node_id) == "decision"
            and isinstance(node := workflow.nodes[index.first[node_id]], DecisionNode)
            and any(target not in body for _, target in graph.out_edges(node_id))
        ]
        reads: list[str] = []
        for decision in decisions:
            for outcome in decision.outcomes:
                for rule in _rules(outcome.condition):
                    reads.append(rule)
        if not decisions or not reads:
            continue
        if any(_changes_inside(path, body, flow, workflow) for path in reads):
            continue
        fields = ", ".join(dict.fromkeys(reads))
        names = ", ".join(repr(d.id) for d in decisions)
        message = (
            f"The loop back from {edge.source!r} to {edge.target!r} can only end by an "
            f"outside change: decision {names} reads {fields}, which nothing inside the "
            "loop writes. Write it in a step of the loop (a form field mapped to it, an "
            "output, set_fields)."
        )
        problems.append(
            _at(
                ProblemCode.LOOP_EXIT_NOT_WRITTEN,
                message,
                f"edges[{i}]",
                "warning",
                field=reads[0],
                node_id=decisions[0].id,
                edge_id=edge.id,
            ).model_copy(update={"related": sorted(body)})
        )
    return problems


def _loop_body(
    graph: nx.DiGraph, forward: nx.DiGraph, order: dict[str, int], source: str, target: str
) -> set[str]:
    """The nodes of the loop a go-to from ``source`` back to ``target`` closes: those on
    a way from ``target`` back to ``source``, without the go-to itself.

    Most go-tos jump back along the forward edges: the way is then searched only among
    the nodes ordered between the two, so a large workflow's many loops stay cheap. A
    go-to whose way back takes another go-to (a rework path that jumps itself) is
    searched in the whole graph.
    """
    low, high = order[target], order[source]
    if low <= high:
        down = _reach(forward.successors, target, lambda n: order[n] <= high)
        up = _reach(forward.predecessors, source, lambda n: order[n] >= low)
        body = down & up
        if source in body:
            return body
    rest = nx.restricted_view(graph, [], [(source, target)])
    around: set[str] = nx.descendants(rest, target) & nx.ancestors(rest, source)
    return around | {source, target}


def _reach(step: Callable[[str], Any], start: str, inside: Callable[[str], bool]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for node in step(todo.pop()):
            if node not in seen and inside(node):
                seen.add(node)
                todo.append(node)
    return seen


def _rules(condition: Group | None) -> list[str]:
    return [rule.field for rule in iter_rules(condition)] if condition is not None else []


def _changes_inside(path: str, body: set[str], flow: DataFlow, workflow: Workflow) -> bool:
    root = path.partition(".")[0]
    if root == "sla":
        return True
    if root == "counter":
        target = case_field_of(path, workflow)
        if target is None:
            return path.startswith(("counter.loops", "counter.visits."))
        path = f"case.{target}"
    if root == "step":
        step_id = path.split(".")[1]
        writers = flow.writers_of(path) or flow.writers_of(f"step.{step_id}.*")
    else:
        writers = flow.writers_of(path)
    return any(writer.node_id in body for writer in writers)


def check_action_inputs(
    workflow: Workflow, graph: nx.DiGraph, actions: ActionCatalogue
) -> list[Problem]:
    """Every background step gives its action the inputs the action requires, of the
    types its JSON Schema says (literal values; a ``ref`` is read at run time).

    An unknown action is :func:`~graphs.validation.check_actions`' to report.
    """
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.background:
        spec = actions.get(step.action)
        if spec is None:
            continue
        for name, reason in input_findings(spec, step.inputs):
            at = f"nodes[{index}].steps[{k}].inputs" + (f".{name}" if name else "")
            subject = f"Input {name!r} of step {step.id!r}" if name else f"Step {step.id!r}"
            code = (
                ProblemCode.MISSING_ACTION_INPUT
                if missing(reason)
                else ProblemCode.BAD_ACTION_INPUT
            )
            message = f"{subject} ({step.action}) {reason}; the step would fail when it runs."
            problems.append(_at(code, message, at, node_id=stage.id, step_id=step.id))
    return problems


CATALOGUE_RULES: tuple[CatalogueCheck, ...] = (
    check_action_inputs,
    check_output_mappings,
    check_unwritten_reads,
    check_loop_exits,
)
"""The rules that need the action catalogue, in the order :func:`validate` runs them."""

__all__ = [
    "CATALOGUE_RULES",
    "check_action_inputs",
    "check_form_mappings",
    "check_loop_exits",
    "check_output_mappings",
    "check_step_output_reads",
    "check_unwritten_reads",
]
