"""Graph validation: every problem in a workflow, each located on the canvas.

:func:`validate` runs every rule and returns all problems at once (an empty list for a
valid workflow). Each rule is a small stateless function ``check_*(workflow, graph)``
over the workflow and its :func:`workflow_graph`; they can be run one at a time.

Reachability and cycles use networkx once over the whole graph (breadth-first searches
from the start and, reversed, from the ends; strongly connected components), so the
cost grows linearly with the size of the workflow.

>>> from graphs.generate import generate_workflow
>>> wf = generate_workflow(30, seed=1)
>>> validate(wf)
[]
>>> wf.edges[0].target = "nowhere"
>>> sorted({p.code.value for p in validate(wf)})
['cannot_reach_end', 'dangling_edge', 'unreachable_node']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx

from graphs.conditions import (
    LIST_OPERATORS,
    ORDER_OPERATORS,
    SLA_STATES,
    UNARY_OPERATORS,
    Group,
    Operator,
    Rule,
    parse_datetime,
)
from graphs.model import (
    SLA,
    CaseField,
    DecisionNode,
    EdgeKind,
    EndNode,
    FieldType,
    FormField,
    InteractiveStep,
    Outcome,
    StageNode,
    StartNode,
    Workflow,
)
from graphs.problems import Problem, ProblemCode, Severity

__all__ = [
    "RULES",
    "check_after",
    "check_can_reach_end",
    "check_case_schema",
    "check_conditions",
    "check_cycles_without_goto",
    "check_decision_defaults",
    "check_decision_edges",
    "check_edge_endpoints",
    "check_edges_into_start",
    "check_ends",
    "check_end_edges",
    "check_forms",
    "check_goto_edges",
    "check_outcome_conditions",
    "check_outcome_edges_outside_decisions",
    "check_outcome_ids_and_labels",
    "check_reachable_from_start",
    "check_slas",
    "check_stage_steps",
    "check_starts",
    "check_step_assignment",
    "check_step_inputs",
    "check_trigger",
    "check_unique_edge_ids",
    "check_unique_node_ids",
    "check_unique_step_ids",
    "check_ways_on",
    "validate",
    "workflow_graph",
]

AnyNode = StartNode | StageNode | DecisionNode | EndNode
Rule_ = Callable[[Workflow, Any], list[Problem]]


# --------------------------------------------------------------------------- graph


def workflow_graph(workflow: Workflow) -> nx.DiGraph:
    """The workflow as a networkx ``DiGraph`` keyed by node id.

    Node attribute ``kind`` is the node's kind; edge attribute ``ids`` lists the ids of
    the workflow edges between the pair (several edges may join the same two nodes) and
    ``forward`` says whether any of them is not a go-to edge. When ids are duplicated
    the first node wins; edges naming unknown nodes are left out (they are reported by
    :func:`check_edge_endpoints`).

    >>> from graphs.generate import generate_workflow
    >>> g = workflow_graph(generate_workflow(3))
    >>> list(g.edges(data=True))
    [('start', 'stage_1', {'ids': ['e1'], 'forward': True}), ('stage_1', 'end', {'ids': ['e2'], 'forward': True})]
    """  # noqa: E501
    graph = nx.DiGraph()
    kinds: dict[str, str] = {}
    for node in workflow.nodes:
        kinds.setdefault(node.id, node.kind)
    graph.add_nodes_from((node_id, {"kind": kind}) for node_id, kind in kinds.items())
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for edge in workflow.edges:
        if edge.source not in kinds or edge.target not in kinds:
            continue
        data = pairs.get((edge.source, edge.target))
        if data is None:
            pairs[(edge.source, edge.target)] = {"ids": [edge.id], "forward": False}
            data = pairs[(edge.source, edge.target)]
        else:
            data["ids"].append(edge.id)
        if edge.kind is not EdgeKind.GOTO:
            data["forward"] = True
    graph.add_edges_from((u, v, data) for (u, v), data in pairs.items())
    return graph


def _problem(
    code: ProblemCode,
    message: str,
    *,
    severity: Severity = "error",
    node_id: str | None = None,
    edge_id: str | None = None,
    step_id: str | None = None,
    path: str | None = None,
    related: Sequence[str] = (),
) -> Problem:
    return Problem(
        code=code,
        severity=severity,
        message=message,
        node_id=node_id,
        edge_id=edge_id,
        step_id=step_id,
        path=path,
        related=list(related),
    )


def _first_nodes(workflow: Workflow) -> Iterator[tuple[int, AnyNode]]:
    """Each node id's first node with its index (later duplicates are reported apart)."""
    seen: set[str] = set()
    for index, node in enumerate(workflow.nodes):
        if node.id not in seen:
            seen.add(node.id)
            yield index, node


def _node_kinds(workflow: Workflow) -> dict[str, str]:
    return {node.id: node.kind for _, node in _first_nodes(workflow)}


def _stages(workflow: Workflow) -> Iterator[tuple[int, StageNode]]:
    for index, node in enumerate(workflow.nodes):
        if isinstance(node, StageNode):
            yield index, node


def _decisions(workflow: Workflow) -> Iterator[tuple[int, DecisionNode]]:
    for index, node in _first_nodes(workflow):
        if isinstance(node, DecisionNode):
            yield index, node


# ----------------------------------------------------------------- start, end, ids


def check_starts(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A workflow has exactly one start node.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> check_starts(wf, workflow_graph(wf))
    []
    >>> wf.nodes.append(StartNode(id="start_2"))
    >>> [(p.code.value, p.node_id) for p in check_starts(wf, workflow_graph(wf))]
    [('multiple_starts', 'start_2')]
    """
    starts = [(i, n) for i, n in enumerate(workflow.nodes) if isinstance(n, StartNode)]
    if not starts:
        return [_problem(ProblemCode.NO_START, "The workflow has no start node; add one.")]
    first = starts[0][1].id
    return [
        _problem(
            ProblemCode.MULTIPLE_STARTS,
            f"Start node {node.id!r} is a second start; a workflow has exactly one "
            f"(the first is {first!r}).",
            node_id=node.id,
            path=f"nodes[{index}]",
        )
        for index, node in starts[1:]
    ]


def check_ends(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A workflow has at least one end node.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> check_ends(wf, workflow_graph(wf))
    []
    >>> wf.nodes = [n for n in wf.nodes if n.kind != "end"]
    >>> [p.code.value for p in check_ends(wf, workflow_graph(wf))]
    ['no_end']
    """
    if any(isinstance(node, EndNode) for node in workflow.nodes):
        return []
    return [_problem(ProblemCode.NO_END, "The workflow has no end node; add at least one.")]


def _duplicates(ids: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Index and id of every repeat of an id seen before."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            yield index, item
        seen.add(item)


def check_unique_node_ids(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Node ids are unique.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> check_unique_node_ids(wf, workflow_graph(wf))
    []
    >>> wf.nodes[2].id = wf.nodes[1].id
    >>> [(p.code.value, p.path) for p in check_unique_node_ids(wf, workflow_graph(wf))]
    [('duplicate_node_id', 'nodes[2]')]
    """
    return [
        _problem(
            ProblemCode.DUPLICATE_NODE_ID,
            f"Node id {node_id!r} is used by more than one node; give each node its own id.",
            node_id=node_id,
            path=f"nodes[{index}]",
        )
        for index, node_id in _duplicates([n.id for n in workflow.nodes])
    ]


def check_unique_edge_ids(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Edge ids are unique.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[1].id = wf.edges[0].id
    >>> [(p.code.value, p.edge_id) for p in check_unique_edge_ids(wf, workflow_graph(wf))]
    [('duplicate_edge_id', 'e1')]
    """
    return [
        _problem(
            ProblemCode.DUPLICATE_EDGE_ID,
            f"Edge id {edge_id!r} is used by more than one edge; give each edge its own id.",
            edge_id=edge_id,
            path=f"edges[{index}]",
        )
        for index, edge_id in _duplicates([e.id for e in workflow.edges])
    ]


def check_unique_step_ids(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Step ids are unique across the whole workflow (conditions name steps by id).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4, seed=2)
    >>> stages = [n for n in wf.nodes if n.kind == "stage"]
    >>> stages[1].steps[0].id = stages[0].steps[0].id
    >>> [(p.code.value, p.node_id) for p in check_unique_step_ids(wf, workflow_graph(wf))]
    [('duplicate_step_id', 'stage_2')]
    """
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for index, stage in _stages(workflow):
        for k, step in enumerate(stage.steps):
            if step.id in owner:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_STEP_ID,
                        f"Step id {step.id!r} in stage {stage.id!r} is already used in "
                        f"stage {owner[step.id]!r}; step ids are unique in a workflow.",
                        node_id=stage.id,
                        step_id=step.id,
                        path=f"nodes[{index}].steps[{k}]",
                    )
                )
            else:
                owner[step.id] = stage.id
    return problems


# ------------------------------------------------------------------- edges and paths


def check_edge_endpoints(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every edge starts and ends at an existing node.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[0].source = "nowhere"
    >>> [(p.code.value, p.edge_id) for p in check_edge_endpoints(wf, workflow_graph(wf))]
    [('dangling_edge', 'e1')]
    """
    problems: list[Problem] = []
    for index, edge in enumerate(workflow.edges):
        for end, node_id in (("starts", edge.source), ("ends", edge.target)):
            if node_id not in graph:
                problems.append(
                    _problem(
                        ProblemCode.DANGLING_EDGE,
                        f"Edge {edge.id!r} {end} at {node_id!r}, which is not a node.",
                        edge_id=edge.id,
                        path=f"edges[{index}]",
                    )
                )
    return problems


def _reached(graph: Any, sources: list[str]) -> set[str]:
    reached: set[str] = set()
    for layer in nx.bfs_layers(graph, sources):
        reached.update(layer)
    return reached


def check_reachable_from_start(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every node can be reached from the start.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.nodes.append(EndNode(id="orphan"))
    >>> [(p.code.value, p.node_id) for p in check_reachable_from_start(wf, workflow_graph(wf))]
    [('unreachable_node', 'orphan')]
    """
    starts = [n for n, kind in graph.nodes(data="kind") if kind == "start"]
    if not starts:
        return []  # check_starts reports it; every node would be unreachable.
    reached = _reached(graph, starts)
    return [
        _problem(
            ProblemCode.UNREACHABLE_NODE,
            f"Node {node.id!r} cannot be reached from the start; connect it or remove it.",
            node_id=node.id,
            path=f"nodes[{index}]",
        )
        for index, node in _first_nodes(workflow)
        if node.id not in reached
    ]


def check_can_reach_end(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """From every node some path leads to an end: no run gets stuck for ever.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.nodes.append(StageNode(id="limbo"))
    >>> [(p.code.value, p.node_id) for p in check_can_reach_end(wf, workflow_graph(wf))]
    [('cannot_reach_end', 'limbo')]
    """
    ends = [n for n, kind in graph.nodes(data="kind") if kind == "end"]
    if not ends:
        return []  # check_ends reports it once instead of once per node.
    reaching = _reached(graph.reverse(copy=False), ends)
    return [
        _problem(
            ProblemCode.CANNOT_REACH_END,
            f"No path leads from node {node.id!r} to an end; a run there would never finish.",
            node_id=node.id,
            path=f"nodes[{index}]",
        )
        for index, node in _first_nodes(workflow)
        if node.id not in reaching
    ]


def _first_id(graph: nx.DiGraph, u: str, v: str, kinds: dict[str, EdgeKind]) -> str:
    """The id of the first non-go-to edge from ``u`` to ``v``."""
    ids = cast(list[str], graph[u][v]["ids"])
    return next((i for i in ids if kinds.get(i) is not EdgeKind.GOTO), ids[0])


def check_cycles_without_goto(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Without its go-to edges the graph is acyclic: only a go-to may close a loop.

    One problem per loop found (one per strongly connected component of the forward
    graph); ``edge_id`` is the edge that closes it, as seen from the start, and
    ``related`` lists every edge of the loop.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(12, seed=4)
    >>> check_cycles_without_goto(wf, workflow_graph(wf))
    []
    >>> goto = next(e for e in wf.edges if e.kind == "goto")
    >>> goto.kind = EdgeKind.NEXT
    >>> [(p.code.value, p.edge_id) for p in check_cycles_without_goto(wf, workflow_graph(wf))]
    [('cycle_without_goto', 'e9')]
    """
    forward = nx.DiGraph()
    forward.add_edges_from((u, v) for u, v, fwd in graph.edges(data="forward") if fwd)
    if nx.is_directed_acyclic_graph(forward):
        return []
    kinds = {edge.id: edge.kind for edge in workflow.edges}
    starts = [n for n, kind in graph.nodes(data="kind") if kind == "start"]
    depth: dict[str, int] = (
        nx.multi_source_dijkstra_path_length(graph, set(starts)) if starts else {}
    )
    problems: list[Problem] = []
    for component in nx.strongly_connected_components(forward):
        if len(component) == 1:
            (only,) = component
            if not forward.has_edge(only, only):
                continue
        # Walk the loop from the node nearest the start, so the edge that closes it
        # is the one drawn "backwards", the one to turn into a go-to.
        entry = min(component, key=lambda n: (depth.get(n, len(depth) + 1), str(n)))
        cycle = nx.find_cycle(forward.subgraph(component), source=entry)
        edge_ids = [_first_id(graph, u, v, kinds) for u, v in cycle]
        nodes = " -> ".join([str(u) for u, _ in cycle] + [str(cycle[-1][1])])
        problems.append(
            _problem(
                ProblemCode.CYCLE_WITHOUT_GOTO,
                f"The loop {nodes} has no go-to edge; only go-to edges may loop back. "
                f"Make edge {edge_ids[-1]!r} a go-to edge or remove it.",
                edge_id=edge_ids[-1],
                related=edge_ids,
            )
        )
    return problems


def check_goto_edges(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A go-to edge should close a loop; one that does not is flagged as a warning.

    A forward go-to is still a well-defined jump: the runtime can walk it and no loop
    guard is involved, so it blocks nothing. But it misleads the reader of the canvas
    (go-to means "back to an earlier node") and usually marks a target picked by
    mistake, so it is worth a warning, not an error.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[0].kind = EdgeKind.GOTO
    >>> [(p.code.value, p.severity, p.edge_id) for p in check_goto_edges(wf, workflow_graph(wf))]
    [('goto_closes_no_cycle', 'warning', 'e1')]
    """
    gotos = [
        (index, edge)
        for index, edge in enumerate(workflow.edges)
        if edge.kind is EdgeKind.GOTO and edge.source in graph and edge.target in graph
    ]
    if not gotos:
        return []
    component_of: dict[str, int] = {}
    for number, component in enumerate(nx.strongly_connected_components(graph)):
        component_of.update(dict.fromkeys(component, number))
    return [
        _problem(
            ProblemCode.GOTO_CLOSES_NO_CYCLE,
            f"Go-to edge {edge.id!r} jumps from {edge.source!r} to {edge.target!r}, which "
            "is not an earlier node on any path; go-to edges jump back. "
            "Use a next edge or pick an earlier target.",
            severity="warning",
            edge_id=edge.id,
            path=f"edges[{index}]",
        )
        for index, edge in gotos
        if edge.source != edge.target and component_of[edge.source] != component_of[edge.target]
    ]


def check_edges_into_start(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Nothing leads into the start node (loop back to the first stage instead).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[-1].target = "start"
    >>> [(p.code.value, p.edge_id) for p in check_edges_into_start(wf, workflow_graph(wf))]
    [('edge_into_start', 'e3')]
    """
    kinds = _node_kinds(workflow)
    return [
        _problem(
            ProblemCode.EDGE_INTO_START,
            f"Edge {edge.id!r} leads into the start node {edge.target!r}; nothing may enter "
            "the start. Point it at the first stage instead.",
            edge_id=edge.id,
            node_id=edge.target,
            path=f"edges[{index}]",
        )
        for index, edge in enumerate(workflow.edges)
        if kinds.get(edge.target) == "start"
    ]


def check_end_edges(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """End nodes have no outgoing edges.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges.append(wf.edges[0].model_copy(update={"id": "back", "source": "end"}))
    >>> [(p.code.value, p.edge_id) for p in check_end_edges(wf, workflow_graph(wf))]
    [('end_has_outgoing_edge', 'back')]
    """
    kinds = _node_kinds(workflow)
    return [
        _problem(
            ProblemCode.END_HAS_OUTGOING_EDGE,
            f"Edge {edge.id!r} leaves end node {edge.source!r}; a run finishes at an end.",
            edge_id=edge.id,
            node_id=edge.source,
            path=f"edges[{index}]",
        )
        for index, edge in enumerate(workflow.edges)
        if kinds.get(edge.source) == "end"
    ]


def _outgoing(workflow: Workflow) -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, edge in enumerate(workflow.edges):
        out[edge.source].append((index, edge.id))
    return out


def check_ways_on(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Start and stage nodes have exactly one outgoing edge (the one token moves on).

    Branching is a decision's job; a stage's parallelism lives inside it, in its steps.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> del wf.edges[1]
    >>> [(p.code.value, p.node_id) for p in check_ways_on(wf, workflow_graph(wf))]
    [('no_way_on', 'stage_1')]
    """
    out = _outgoing(workflow)
    problems: list[Problem] = []
    for index, node in _first_nodes(workflow):
        if not isinstance(node, StartNode | StageNode):
            continue
        edges = out.get(node.id, [])
        if not edges:
            problems.append(
                _problem(
                    ProblemCode.NO_WAY_ON,
                    f"{node.kind.capitalize()} {node.id!r} has no outgoing edge; "
                    "connect it to the node that follows.",
                    node_id=node.id,
                    path=f"nodes[{index}]",
                )
            )
        elif len(edges) > 1:
            ids = [edge_id for _, edge_id in edges]
            problems.append(
                _problem(
                    ProblemCode.SEVERAL_WAYS_ON,
                    f"{node.kind.capitalize()} {node.id!r} has {len(ids)} outgoing edges "
                    f"({', '.join(ids)}); it needs exactly one. Use a decision to branch.",
                    node_id=node.id,
                    edge_id=ids[1],
                    path=f"nodes[{index}]",
                    related=ids,
                )
            )
    return problems


# ------------------------------------------------------------------------ decisions


def check_decision_defaults(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Decisions have a default outcome, and (a warning) at least one other outcome.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(12, seed=4)
    >>> decision = next(n for n in wf.nodes if n.kind == "decision")
    >>> decision.default_outcome = None
    >>> [(p.code.value, p.node_id) for p in check_decision_defaults(wf, workflow_graph(wf))]
    [('decision_without_default', 'decision_2')]
    """
    problems: list[Problem] = []
    for index, decision in _decisions(workflow):
        if decision.default_outcome is None:
            problems.append(
                _problem(
                    ProblemCode.DECISION_WITHOUT_DEFAULT,
                    f"Decision {decision.id!r} has no default outcome; add one for when no "
                    "outcome's condition holds.",
                    node_id=decision.id,
                    path=f"nodes[{index}]",
                )
            )
        if not decision.outcomes:
            problems.append(
                _problem(
                    ProblemCode.DECISION_WITHOUT_OUTCOMES,
                    f"Decision {decision.id!r} has no outcomes besides its default, so it "
                    "always takes the same way; add outcomes or remove the decision.",
                    severity="warning",
                    node_id=decision.id,
                    path=f"nodes[{index}]",
                )
            )
    return problems


def _outcome_paths(index: int, decision: DecisionNode) -> list[tuple[str, Outcome]]:
    paths = [(f"nodes[{index}].outcomes[{k}]", o) for k, o in enumerate(decision.outcomes)]
    if decision.default_outcome is not None:
        paths.append((f"nodes[{index}].default_outcome", decision.default_outcome))
    return paths


def check_outcome_ids_and_labels(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A decision's outcomes (default included) have distinct ids and distinct labels.

    Labels are compared ignoring case and surrounding spaces: the canvas shows them on
    the edges, and "Yes" next to "yes " is as confusing as two "Yes".

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(12, seed=4)
    >>> decision = next(n for n in wf.nodes if n.kind == "decision")
    >>> decision.outcomes[1].label = decision.outcomes[0].label.upper()
    >>> [(p.code.value, p.path) for p in check_outcome_ids_and_labels(wf, workflow_graph(wf))]
    [('duplicate_outcome_label', 'nodes[2].outcomes[1]')]
    """
    problems: list[Problem] = []
    for index, decision in _decisions(workflow):
        ids: set[str] = set()
        labels: set[str] = set()
        for path, outcome in _outcome_paths(index, decision):
            if outcome.id in ids:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_OUTCOME_ID,
                        f"Decision {decision.id!r} has two outcomes with id {outcome.id!r}.",
                        node_id=decision.id,
                        path=path,
                    )
                )
            label = outcome.label.strip().casefold()
            if label in labels:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_OUTCOME_LABEL,
                        f"Decision {decision.id!r} has two outcomes labelled "
                        f"{outcome.label.strip()!r}; labels tell the ways apart on the canvas.",
                        node_id=decision.id,
                        path=path,
                    )
                )
            ids.add(outcome.id)
            labels.add(label)
    return problems


def check_decision_edges(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Each outcome of a decision has exactly one edge, and each edge one known outcome.

    An edge leaving a decision is an ``outcome`` or ``goto`` edge whose ``outcome`` names
    an outcome of that decision (default included).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(12, seed=4)
    >>> edge = next(e for e in wf.edges if e.source.startswith("decision"))
    >>> edge.outcome = "maybe"
    >>> [(p.code.value, p.edge_id or p.path) for p in check_decision_edges(wf, workflow_graph(wf))]
    [('unknown_outcome', 'e3'), ('outcome_without_edge', 'nodes[2].outcomes[0]')]
    """
    decisions = dict((d.id, (i, d)) for i, d in _decisions(workflow))
    problems: list[Problem] = []
    carried: dict[tuple[str, str], list[str]] = defaultdict(list)
    for index, edge in enumerate(workflow.edges):
        if edge.source not in decisions:
            continue
        decision = decisions[edge.source][1]
        if edge.kind is EdgeKind.NEXT or edge.outcome is None:
            problems.append(
                _problem(
                    ProblemCode.DECISION_EDGE_WITHOUT_OUTCOME,
                    f"Edge {edge.id!r} leaves decision {decision.id!r} without naming one of "
                    "its outcomes; make it an outcome (or go-to) edge for one outcome.",
                    edge_id=edge.id,
                    node_id=decision.id,
                    path=f"edges[{index}]",
                )
            )
        elif edge.outcome not in {o.id for o in decision.all_outcomes()}:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_OUTCOME,
                    f"Edge {edge.id!r} names outcome {edge.outcome!r}, which decision "
                    f"{decision.id!r} does not have.",
                    edge_id=edge.id,
                    node_id=decision.id,
                    path=f"edges[{index}]",
                )
            )
        else:
            carried[(decision.id, edge.outcome)].append(edge.id)
    for index, decision in decisions.values():
        for path, outcome in _outcome_paths(index, decision):
            edge_ids = carried.get((decision.id, outcome.id), [])
            if not edge_ids:
                problems.append(
                    _problem(
                        ProblemCode.OUTCOME_WITHOUT_EDGE,
                        f"Outcome {outcome.label!r} of decision {decision.id!r} has no edge; "
                        "draw where it leads.",
                        node_id=decision.id,
                        path=path,
                    )
                )
            for extra in edge_ids[1:]:
                problems.append(
                    _problem(
                        ProblemCode.OUTCOME_WITH_SEVERAL_EDGES,
                        f"Outcome {outcome.label!r} of decision {decision.id!r} has "
                        f"{len(edge_ids)} edges ({', '.join(edge_ids)}); it needs exactly one.",
                        node_id=decision.id,
                        edge_id=extra,
                        path=path,
                        related=edge_ids,
                    )
                )
    return problems


def check_outcome_edges_outside_decisions(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Only edges leaving a decision are outcome edges or name an outcome.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[0].kind = EdgeKind.OUTCOME
    >>> [(p.code.value, p.edge_id)
    ...  for p in check_outcome_edges_outside_decisions(wf, workflow_graph(wf))]
    [('outcome_edge_outside_decision', 'e1')]
    """
    kinds = _node_kinds(workflow)
    return [
        _problem(
            ProblemCode.OUTCOME_EDGE_OUTSIDE_DECISION,
            f"Edge {edge.id!r} is an outcome edge but leaves {kinds[edge.source]} "
            f"{edge.source!r}, not a decision; make it a next (or go-to) edge without an "
            "outcome.",
            edge_id=edge.id,
            node_id=edge.source,
            path=f"edges[{index}]",
        )
        for index, edge in enumerate(workflow.edges)
        if (edge.kind is EdgeKind.OUTCOME or edge.outcome is not None)
        and kinds.get(edge.source, "decision") != "decision"
    ]


def check_outcome_conditions(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Warnings: an outcome without a condition shadows those after it; a default's is unused.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(12, seed=4)
    >>> decision = next(n for n in wf.nodes if n.kind == "decision")
    >>> decision.outcomes[0].condition = None
    >>> [(p.code.value, p.severity) for p in check_outcome_conditions(wf, workflow_graph(wf))]
    [('outcome_without_condition', 'warning')]
    """
    problems: list[Problem] = []
    for index, decision in _decisions(workflow):
        for k, outcome in enumerate(decision.outcomes):
            if outcome.condition is None:
                problems.append(
                    _problem(
                        ProblemCode.OUTCOME_WITHOUT_CONDITION,
                        f"Outcome {outcome.label!r} of decision {decision.id!r} has no "
                        "condition, so it is always taken and the outcomes after it never are.",
                        severity="warning",
                        node_id=decision.id,
                        path=f"nodes[{index}].outcomes[{k}]",
                    )
                )
        default = decision.default_outcome
        if default is not None and default.condition is not None:
            problems.append(
                _problem(
                    ProblemCode.DEFAULT_CONDITION_IGNORED,
                    f"The default outcome of decision {decision.id!r} has a condition, which "
                    "is never evaluated: the default is taken when no other outcome holds.",
                    severity="warning",
                    node_id=decision.id,
                    path=f"nodes[{index}].default_outcome.condition",
                )
            )
    return problems


# ----------------------------------------------------------------- stages and steps


def check_stage_steps(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every stage has at least one step.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.nodes[1].steps = []
    >>> [(p.code.value, p.node_id) for p in check_stage_steps(wf, workflow_graph(wf))]
    [('stage_without_steps', 'stage_1')]
    """
    return [
        _problem(
            ProblemCode.STAGE_WITHOUT_STEPS,
            f"Stage {stage.id!r} has no steps; add at least one.",
            node_id=stage.id,
            path=f"nodes[{index}]",
        )
        for index, stage in _stages(workflow)
        if not stage.steps
    ]


def check_after(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """``after`` names other steps of the same stage, and never forms a loop.

    All ``after`` ties of the workflow go into one graph that is checked for cycles at
    once, which keeps large workflows fast.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=0)
    >>> first, second = wf.nodes[1].steps[:2]
    >>> first.after, second.after = [second.id], [first.id]
    >>> [(p.code.value, p.step_id) for p in check_after(wf, workflow_graph(wf))]
    [('after_cycle', 'stage_1_s1')]
    """
    stage_of_step: dict[str, str] = {}
    for _, stage in _stages(workflow):
        for step in stage.steps:
            stage_of_step.setdefault(step.id, stage.id)
    problems: list[Problem] = []
    ties = nx.DiGraph()
    where: dict[tuple[str, str], tuple[str, str]] = {}
    for index, stage in _stages(workflow):
        own = {step.id for step in stage.steps}
        for k, step in enumerate(stage.steps):
            for a, name in enumerate(step.after):
                path = f"nodes[{index}].steps[{k}].after[{a}]"
                if name == step.id:
                    problems.append(
                        _problem(
                            ProblemCode.AFTER_SELF,
                            f"Step {step.id!r} waits for itself, so it would never start.",
                            node_id=stage.id,
                            step_id=step.id,
                            path=path,
                        )
                    )
                elif name not in own:
                    elsewhere = stage_of_step.get(name)
                    detail = (
                        f"is in stage {elsewhere!r}; a step waits only for steps of its stage"
                        if elsewhere
                        else "is not a step"
                    )
                    problems.append(
                        _problem(
                            ProblemCode.UNKNOWN_AFTER_STEP,
                            f"Step {step.id!r} waits for {name!r}, which {detail}.",
                            node_id=stage.id,
                            step_id=step.id,
                            path=path,
                        )
                    )
                else:
                    ties.add_edge((stage.id, name), (stage.id, step.id))
                    where.setdefault((stage.id, step.id), (stage.id, f"nodes[{index}].steps[{k}]"))
    if nx.is_directed_acyclic_graph(ties):
        return problems
    for component in nx.strongly_connected_components(ties):
        if len(component) < 2:
            continue
        members = sorted(step_id for _, step_id in component)
        stage_id, path = where[(next(iter(component))[0], members[0])]
        problems.append(
            _problem(
                ProblemCode.AFTER_CYCLE,
                f"Steps {', '.join(members)} of stage {stage_id!r} wait for each other "
                "through 'after', so none of them would ever start.",
                node_id=stage_id,
                step_id=members[0],
                path=path,
                related=members,
            )
        )
    return problems


def check_step_assignment(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Warning: an interactive step goes to a queue or agent, its own or its stage owner's.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=2)
    >>> stage = wf.nodes[1]
    >>> step = next(s for s in stage.steps if s.kind == "interactive")
    >>> stage.owner, step.assignment.queue = None, None
    >>> [(p.code.value, p.step_id) for p in check_step_assignment(wf, workflow_graph(wf))]
    [('unassigned_step', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, stage in _stages(workflow):
        if stage.owner:
            continue
        for k, step in enumerate(stage.steps):
            if isinstance(step, InteractiveStep) and not (
                step.assignment.queue or step.assignment.agent
            ):
                problems.append(
                    _problem(
                        ProblemCode.UNASSIGNED_STEP,
                        f"Interactive step {step.id!r} names no queue or agent and its stage "
                        f"{stage.id!r} has no owner, so nobody would see its work item.",
                        severity="warning",
                        node_id=stage.id,
                        step_id=step.id,
                        path=f"nodes[{index}].steps[{k}].assignment",
                    )
                )
    return problems


def _sla_problem(sla: SLA | None, what: str, **where: str) -> list[Problem]:
    if sla is None or sla.warning_minutes is None or sla.warning_minutes < sla.target_minutes:
        return []
    return [
        _problem(
            ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET,
            f"The SLA of {what} warns after {sla.warning_minutes:g} minutes, not before its "
            f"target of {sla.target_minutes:g}; the warning must come first.",
            **where,
        )
    ]


def check_slas(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """An SLA's warning point comes before its target.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.nodes[1].sla.warning_minutes = wf.nodes[1].sla.target_minutes
    >>> [(p.code.value, p.path) for p in check_slas(wf, workflow_graph(wf))]
    [('sla_warning_not_before_target', 'nodes[1].sla')]
    """
    problems: list[Problem] = []
    for index, stage in _stages(workflow):
        problems += _sla_problem(
            stage.sla, f"stage {stage.id!r}", node_id=stage.id, path=f"nodes[{index}].sla"
        )
        for k, step in enumerate(stage.steps):
            if isinstance(step, InteractiveStep):
                problems += _sla_problem(
                    step.sla,
                    f"step {step.id!r}",
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{index}].steps[{k}].sla",
                )
    return problems


# ------------------------------------------------------------------ fields and types


@dataclass(frozen=True, slots=True)
class _FieldInfo:
    """What a field path refers to: its type (None when untyped) and picklist values."""

    type: FieldType | None
    values: tuple[str, ...] = ()
    is_case: bool = False


_SLA_FIELDS = {
    "state": _FieldInfo(FieldType.PICKLIST, SLA_STATES),
    "remaining_minutes": _FieldInfo(FieldType.NUMBER),
}


@dataclass(frozen=True, slots=True)
class _Catalog:
    """Every field a condition or a step input may name."""

    case: dict[str, CaseField]
    # step id -> form fields by name, or None for a background step (untyped outputs)
    steps: dict[str, dict[str, FormField] | None]

    @staticmethod
    def of(workflow: Workflow) -> _Catalog:
        case: dict[str, CaseField] = {}
        for case_field in workflow.case_schema:
            case.setdefault(case_field.name, case_field)
        steps: dict[str, dict[str, FormField] | None] = {}
        for _, stage in _stages(workflow):
            for step in stage.steps:
                if step.id in steps:
                    continue
                if isinstance(step, InteractiveStep):
                    form: dict[str, FormField] = {}
                    for form_field in step.form:
                        form.setdefault(form_field.name, form_field)
                    steps[step.id] = form
                else:
                    steps[step.id] = None
        return _Catalog(case, steps)

    def resolve(self, path: str) -> tuple[_FieldInfo | None, str, Severity]:
        """The field at ``path``, or None with why it is unknown and how serious that is."""
        root, _, rest = path.partition(".")
        if root == "case":
            case_field = self.case.get(rest)
            if case_field is None:
                return None, f"the case schema declares no field {rest!r}", "error"
            return (
                _FieldInfo(case_field.type, tuple(case_field.values), is_case=True),
                "",
                "error",
            )
        if root == "step":
            step_id, _, key = rest.partition(".")
            if step_id not in self.steps:
                return None, f"there is no step {step_id!r}", "error"
            if not key:
                return None, "it names a step but not which of its outputs", "error"
            form = self.steps[step_id]
            if form is None:
                return _FieldInfo(None), "", "error"
            if key not in form:
                # The runtime may record more than the form about a work item, so an
                # unknown key is likely a typo but not certainly one.
                return None, f"step {step_id!r} has no form field {key!r}", "warning"
            return _FieldInfo(form[key].type, tuple(form[key].values)), "", "error"
        if root == "sla":
            info = _SLA_FIELDS.get(rest)
            if info is None:
                return None, "SLA fields are sla.state and sla.remaining_minutes", "error"
            return info, "", "error"
        if root == "counter":
            if not rest:
                return None, "it names no counter", "error"
            return _FieldInfo(FieldType.NUMBER), "", "error"
        return None, "a field path starts with case., step., sla. or counter.", "error"


def _fits(value: Any, info: _FieldInfo) -> bool:
    """Whether a literal ``value`` is a valid value of the field."""
    type_ = info.type
    if type_ is None:
        return True
    if type_ is FieldType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_ is FieldType.BOOLEAN:
        return isinstance(value, bool)
    if not isinstance(value, str):
        return False
    if type_ is FieldType.DATETIME:
        return parse_datetime(value) is not None
    if type_ is FieldType.PICKLIST and info.values:
        return value in info.values
    return True


def _expected(info: _FieldInfo) -> str:
    if info.type is FieldType.PICKLIST and info.values:
        return "one of " + ", ".join(repr(v) for v in info.values)
    if info.type is FieldType.DATETIME:
        return "an ISO 8601 date-time such as '2026-03-01T09:00:00Z'"
    return f"a {info.type}"


@dataclass(frozen=True, slots=True)
class _ConditionSite:
    condition: Group
    what: str
    path: str
    node_id: str | None = None
    step_id: str | None = None


def _condition_sites(workflow: Workflow) -> Iterator[_ConditionSite]:
    if workflow.trigger.condition is not None:
        yield _ConditionSite(workflow.trigger.condition, "the trigger", "trigger.condition")
    for index, node in enumerate(workflow.nodes):
        if isinstance(node, StageNode):
            for attr in ("entry_condition", "exit_condition"):
                condition = getattr(node, attr)
                if condition is not None:
                    yield _ConditionSite(
                        condition,
                        f"the {attr.replace('_', ' ')} of stage {node.id!r}",
                        f"nodes[{index}].{attr}",
                        node_id=node.id,
                    )
            for k, step in enumerate(node.steps):
                if step.entry_condition is not None:
                    yield _ConditionSite(
                        step.entry_condition,
                        f"the entry condition of step {step.id!r}",
                        f"nodes[{index}].steps[{k}].entry_condition",
                        node_id=node.id,
                        step_id=step.id,
                    )
        elif isinstance(node, DecisionNode):
            for k, outcome in enumerate(node.outcomes):
                if outcome.condition is not None:
                    yield _ConditionSite(
                        outcome.condition,
                        f"outcome {outcome.label!r} of decision {node.id!r}",
                        f"nodes[{index}].outcomes[{k}].condition",
                        node_id=node.id,
                    )


def _walk(group: Group, path: str) -> Iterator[tuple[Rule | Group, str]]:
    """Every rule and group below ``group`` (itself included) with its document path."""
    yield group, path
    for k, item in enumerate(group.rules):
        if isinstance(item, Rule):
            yield item, f"{path}.rules[{k}]"
        else:
            yield from _walk(item, f"{path}.rules[{k}]")


def _rule_problems(rule: Rule, catalog: _Catalog) -> Iterator[tuple[ProblemCode, str, Severity]]:
    """What is wrong with one rule: (code, reason, severity) for each problem."""
    info, why, severity = catalog.resolve(rule.field)
    if info is None:
        yield ProblemCode.UNKNOWN_FIELD, f"names unknown field {rule.field!r}: {why}", severity
    op = rule.op
    if op in UNARY_OPERATORS:
        if op is Operator.CHANGED and not rule.field.startswith("case."):
            yield ProblemCode.BAD_OPERATOR, "uses 'changed', which applies to case fields", "error"
        if rule.value is not None:
            yield ProblemCode.BAD_CONDITION_VALUE, f"'{op}' takes no value", "error"
        return
    type_ = info.type if info is not None else None
    if op in ORDER_OPERATORS and type_ not in (None, FieldType.NUMBER, FieldType.DATETIME):
        yield (
            ProblemCode.BAD_OPERATOR,
            f"compares {rule.field!r} with '{op}', but a {type_} field has no order",
            "error",
        )
    if op in (Operator.CONTAINS, Operator.NOT_CONTAINS) and type_ not in (None, FieldType.STRING):
        yield (
            ProblemCode.BAD_OPERATOR,
            f"uses '{op}' on {rule.field!r}, a {type_} field; it applies to text",
            "error",
        )
    if op in LIST_OPERATORS:
        if not isinstance(rule.value, list) or not rule.value:
            yield ProblemCode.BAD_CONDITION_VALUE, f"'{op}' needs a non-empty list", "error"
        elif info is not None and not all(_fits(v, info) for v in rule.value):
            bad = next(v for v in rule.value if not _fits(v, info))
            yield (
                ProblemCode.BAD_CONDITION_VALUE,
                f"lists {bad!r} for {rule.field!r}, which takes {_expected(info)}",
                "error",
            )
        return
    if rule.value is None:
        yield (
            ProblemCode.BAD_CONDITION_VALUE,
            f"'{op}' needs a value (to test for emptiness use is_set or is_not_set)",
            "error",
        )
    elif info is not None and not _fits(rule.value, info):
        yield (
            ProblemCode.BAD_CONDITION_VALUE,
            f"compares {rule.field!r} with {rule.value!r}, but it takes {_expected(info)}",
            "error",
        )


def check_conditions(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Conditions name known fields, with operators and values that suit their types.

    Covers the trigger, stage entry and exit conditions, step entry conditions and
    decision outcomes. An empty group is a warning (``all`` of nothing is always true).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.trigger.condition.rules[0].field = "case.stauts"
    >>> [(p.code.value, p.path) for p in check_conditions(wf, workflow_graph(wf))]
    [('unknown_field', 'trigger.condition.rules[0]')]
    """
    catalog = _Catalog.of(workflow)
    problems: list[Problem] = []
    for site in _condition_sites(workflow):
        for item, path in _walk(site.condition, site.path):
            if isinstance(item, Group):
                if not item.rules:
                    problems.append(
                        _problem(
                            ProblemCode.EMPTY_CONDITION,
                            f"A condition group in {site.what} has no rules; "
                            f"it is always {'true' if item.match == 'all' else 'false'}.",
                            severity="warning",
                            node_id=site.node_id,
                            step_id=site.step_id,
                            path=path,
                        )
                    )
                continue
            for code, reason, severity in _rule_problems(item, catalog):
                problems.append(
                    _problem(
                        code,
                        f"A rule in {site.what} {reason}.",
                        severity=severity,
                        node_id=site.node_id,
                        step_id=site.step_id,
                        path=path,
                    )
                )
    return problems


def check_trigger(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Warnings: a manual trigger's condition is unused; 'changed' never holds on create.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.trigger.kind = "manual"
    >>> [p.code.value for p in check_trigger(wf, workflow_graph(wf))]
    ['trigger_condition_ignored']
    """
    trigger = workflow.trigger
    if trigger.condition is None:
        return []
    if trigger.kind == "manual":
        return [
            _problem(
                ProblemCode.TRIGGER_CONDITION_IGNORED,
                "The trigger is manual, so its condition is never evaluated; make it a "
                "record trigger or remove the condition.",
                severity="warning",
                path="trigger.condition",
            )
        ]
    if trigger.on != "create":
        return []
    return [
        _problem(
            ProblemCode.CHANGED_ON_CREATE,
            f"The trigger fires on create, when no field has changed yet, so its rule on "
            f"{item.field!r} with 'changed' never holds.",
            severity="warning",
            path=path,
        )
        for item, path in _walk(trigger.condition, "trigger.condition")
        if isinstance(item, Rule) and item.op is Operator.CHANGED
    ]


def _field_definition_problems(
    fields: Sequence[CaseField | FormField],
    duplicate_code: ProblemCode,
    what: str,
    path: str,
    **where: str,
) -> list[Problem]:
    problems: list[Problem] = []
    for index, name in _duplicates([f.name for f in fields]):
        problems.append(
            _problem(
                duplicate_code,
                f"{what.capitalize()} declares field {name!r} twice.",
                path=f"{path}[{index}]",
                **where,
            )
        )
    for index, definition in enumerate(fields):
        at = f"{path}[{index}]"
        if definition.type is FieldType.PICKLIST:
            if not definition.values:
                problems.append(
                    _problem(
                        ProblemCode.PICKLIST_WITHOUT_VALUES,
                        f"Picklist field {definition.name!r} of {what} has no values to "
                        "pick from.",
                        path=at,
                        **where,
                    )
                )
            for _, value in _duplicates(definition.values):
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_PICKLIST_VALUE,
                        f"Picklist field {definition.name!r} of {what} lists {value!r} twice.",
                        severity="warning",
                        path=at,
                        **where,
                    )
                )
        elif definition.values:
            problems.append(
                _problem(
                    ProblemCode.VALUES_ON_NON_PICKLIST,
                    f"Field {definition.name!r} of {what} lists values but is a "
                    f"{definition.type} field, so they are ignored; make it a picklist?",
                    severity="warning",
                    path=at,
                    **where,
                )
            )
    return problems


def check_case_schema(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Case fields are unique; picklists have (distinct) values; only picklists have values.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.case_schema[2].values = []
    >>> [(p.code.value, p.path) for p in check_case_schema(wf, workflow_graph(wf))]
    [('picklist_without_values', 'case_schema[2]')]
    """
    return _field_definition_problems(
        workflow.case_schema, ProblemCode.DUPLICATE_CASE_FIELD, "the case schema", "case_schema"
    )


def check_forms(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Form fields of each interactive step are unique and well typed.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=2)
    >>> step = next(s for s in wf.nodes[1].steps if s.kind == "interactive")
    >>> step.form.append(step.form[0])
    >>> [(p.code.value, p.step_id) for p in check_forms(wf, workflow_graph(wf))]
    [('duplicate_form_field', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, stage in _stages(workflow):
        for k, step in enumerate(stage.steps):
            if isinstance(step, InteractiveStep):
                problems += _field_definition_problems(
                    step.form,
                    ProblemCode.DUPLICATE_FORM_FIELD,
                    f"the form of step {step.id!r}",
                    f"nodes[{index}].steps[{k}].form",
                    node_id=stage.id,
                    step_id=step.id,
                )
    return problems


def _compatible(declared: FieldType, referenced: FieldType | None) -> bool:
    textual = {FieldType.STRING, FieldType.PICKLIST}
    return referenced is None or referenced == declared or {declared, referenced} <= textual


def check_step_inputs(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A background step's input has a literal value of its type or a ref to a known field.

    Not both, and not neither. A ref to a field of another type is a warning.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=1)
    >>> step = next(s for s in wf.nodes[1].steps if s.kind == "background")
    >>> step.inputs["template"].type = FieldType.NUMBER
    >>> [(p.code.value, p.path) for p in check_step_inputs(wf, workflow_graph(wf))]
    [('bad_input_value', 'nodes[1].steps[0].inputs.template')]
    """
    catalog = _Catalog.of(workflow)
    problems: list[Problem] = []
    for index, stage in _stages(workflow):
        for k, step in enumerate(stage.steps):
            if isinstance(step, InteractiveStep):
                continue
            for name, item in step.inputs.items():
                where: dict[str, Any] = {
                    "node_id": stage.id,
                    "step_id": step.id,
                    "path": f"nodes[{index}].steps[{k}].inputs.{name}",
                }
                label = f"Input {name!r} of step {step.id!r}"
                if item.value is not None and item.ref is not None:
                    problems.append(
                        _problem(
                            ProblemCode.INPUT_VALUE_AND_REF,
                            f"{label} has both a value and a ref; keep one.",
                            **where,
                        )
                    )
                elif item.value is None and item.ref is None:
                    problems.append(
                        _problem(
                            ProblemCode.INPUT_WITHOUT_VALUE,
                            f"{label} has neither a value nor a ref to a field.",
                            **where,
                        )
                    )
                if item.value is not None and not _fits(item.value, _FieldInfo(item.type)):
                    problems.append(
                        _problem(
                            ProblemCode.BAD_INPUT_VALUE,
                            f"{label} is a {item.type} input but its value is {item.value!r}.",
                            **where,
                        )
                    )
                if item.ref is None:
                    continue
                info, why, severity = catalog.resolve(item.ref)
                if info is None:
                    problems.append(
                        _problem(
                            ProblemCode.UNKNOWN_REF,
                            f"{label} refers to unknown field {item.ref!r}: {why}.",
                            severity=severity,
                            **where,
                        )
                    )
                elif not _compatible(item.type, info.type):
                    problems.append(
                        _problem(
                            ProblemCode.INPUT_REF_TYPE_MISMATCH,
                            f"{label} is a {item.type} input but {item.ref!r} is a "
                            f"{info.type} field.",
                            severity="warning",
                            **where,
                        )
                    )
    return problems


# ----------------------------------------------------------------------- all rules

RULES: tuple[Rule_, ...] = (
    check_starts,
    check_ends,
    check_unique_node_ids,
    check_unique_edge_ids,
    check_unique_step_ids,
    check_edge_endpoints,
    check_edges_into_start,
    check_end_edges,
    check_ways_on,
    check_reachable_from_start,
    check_can_reach_end,
    check_cycles_without_goto,
    check_goto_edges,
    check_decision_defaults,
    check_outcome_ids_and_labels,
    check_decision_edges,
    check_outcome_edges_outside_decisions,
    check_outcome_conditions,
    check_stage_steps,
    check_after,
    check_step_assignment,
    check_slas,
    check_case_schema,
    check_forms,
    check_step_inputs,
    check_trigger,
    check_conditions,
)
"""Every rule, in the order :func:`validate` runs them."""


def validate(workflow: Workflow) -> list[Problem]:
    """Every problem in ``workflow``, errors and warnings; ``[]`` when it is valid.

    Problems come in rule order, and within a rule in document order, so the output
    is stable from run to run.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(5)
    >>> wf.nodes[1].steps = []
    >>> [f"{p.code}: {p.message}" for p in validate(wf)]
    ["stage_without_steps: Stage 'stage_1' has no steps; add at least one."]
    """
    graph = workflow_graph(workflow)
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(workflow, graph))
    return problems
