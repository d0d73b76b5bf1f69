"""Edges and paths: edges join nodes, every node lies on a way from the start to an end,
and only go-to edges loop back.

Reachability and cycles use networkx once over the whole graph (breadth-first searches
from the start and, reversed, from the ends; strongly connected components), so the
cost grows linearly with the size of the workflow.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphs.model import EdgeKind, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import Index, index_of, problem, workflow_graph  # noqa: F401 (doctests)


def check_edge_endpoints(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every edge starts and ends at an existing node.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[0].source = "nowhere"
    >>> [(p.code.value, p.edge_id) for p in check_edge_endpoints(wf, workflow_graph(wf))]
    [('dangling_edge', 'e1')]
    """
    index = index_of(workflow, graph)
    kinds = index.kind
    problems: list[Problem] = []
    for i, (source, target) in enumerate(zip(index.sources, index.targets, strict=True)):
        if source in kinds and target in kinds:
            continue
        for end, node_id in (("starts", source), ("ends", target)):
            if node_id not in kinds:
                problems.append(
                    problem(
                        ProblemCode.DANGLING_EDGE,
                        f"Edge {index.edge_ids[i]!r} {end} at {node_id!r}, which is not a node.",
                        edge_id=index.edge_ids[i],
                        path=f"edges[{i}]",
                    )
                )
    return problems


def _reached(graph: Any, sources: list[str]) -> set[str]:
    reached: set[str] = set()
    for layer in nx.bfs_layers(graph, sources):
        reached.update(layer)
    return reached


def _nodes_of_kind(index: Index, kind: str) -> list[str]:
    return [node_id for node_id, k in index.kind.items() if k == kind]


def _missed(
    index: Index, graph: Any, sources: list[str], code: ProblemCode, message: str
) -> list[Problem]:
    """A problem per node that no search from ``sources`` reaches (none without sources);
    ``message`` is formatted with the node's id."""
    if not sources:
        return []
    reached = _reached(graph, sources)
    if len(reached) == len(index.kind):
        return []
    return [
        problem(code, message.format(node.id), node_id=node.id, path=f"nodes[{i}]")
        for i, node in index.nodes
        if node.id not in reached
    ]


def check_reachable_from_start(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every node can be reached from the start.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> from graphs.model import EndNode
    >>> wf.nodes.append(EndNode(id="orphan"))
    >>> [(p.code.value, p.node_id) for p in check_reachable_from_start(wf, workflow_graph(wf))]
    [('unreachable_node', 'orphan')]
    """
    index = index_of(workflow, graph)
    # Without a start, check_starts reports it; every node would be unreachable.
    return _missed(
        index,
        graph,
        _nodes_of_kind(index, "start"),
        ProblemCode.UNREACHABLE_NODE,
        "Node {!r} cannot be reached from the start; connect it or remove it.",
    )


def check_can_reach_end(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """From every node some path leads to an end: no run gets stuck for ever.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> from graphs.model import StageNode
    >>> wf.nodes.append(StageNode(id="limbo"))
    >>> [(p.code.value, p.node_id) for p in check_can_reach_end(wf, workflow_graph(wf))]
    [('cannot_reach_end', 'limbo')]
    """
    index = index_of(workflow, graph)
    # Without an end, check_ends reports it once instead of once per node.
    return _missed(
        index,
        graph.reverse(copy=False),
        _nodes_of_kind(index, "end"),
        ProblemCode.CANNOT_REACH_END,
        "No path leads from node {!r} to an end; a run there would never finish.",
    )


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
    index = index_of(workflow, graph)
    forward_ids = index.forward
    forward = nx.DiGraph()
    forward.add_edges_from(forward_ids)
    if nx.is_directed_acyclic_graph(forward):
        return []
    starts = _nodes_of_kind(index, "start")
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
        edge_ids = [index.edge_ids[forward_ids[(u, v)]] for u, v in cycle]
        nodes = " -> ".join([str(u) for u, _ in cycle] + [str(cycle[-1][1])])
        problems.append(
            problem(
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
    index = index_of(workflow, graph)
    kinds = index.kind
    gotos = [
        i
        for i, kind in enumerate(index.edge_kinds)
        if kind is EdgeKind.GOTO and index.sources[i] in kinds and index.targets[i] in kinds
    ]
    if not gotos:
        return []
    component_of: dict[str, int] = {}
    for number, component in enumerate(nx.strongly_connected_components(graph)):
        component_of.update(dict.fromkeys(component, number))
    problems: list[Problem] = []
    for i in gotos:
        source, target = index.sources[i], index.targets[i]
        if source == target or component_of[source] == component_of[target]:
            continue
        problems.append(
            problem(
                ProblemCode.GOTO_CLOSES_NO_CYCLE,
                f"Go-to edge {index.edge_ids[i]!r} jumps from {source!r} to {target!r}, which "
                "is not an earlier node on any path; go-to edges jump back. "
                "Use a next edge or pick an earlier target.",
                severity="warning",
                edge_id=index.edge_ids[i],
                path=f"edges[{i}]",
            )
        )
    return problems


def check_edges_into_start(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Nothing leads into the start node (loop back to the first stage instead).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[-1].target = "start"
    >>> [(p.code.value, p.edge_id) for p in check_edges_into_start(wf, workflow_graph(wf))]
    [('edge_into_start', 'e3')]
    """
    index = index_of(workflow, graph)
    starts = set(_nodes_of_kind(index, "start"))
    return [
        problem(
            ProblemCode.EDGE_INTO_START,
            f"Edge {index.edge_ids[i]!r} leads into the start node {target!r}; nothing may "
            "enter the start. Point it at the first stage instead.",
            edge_id=index.edge_ids[i],
            node_id=target,
            path=f"edges[{i}]",
        )
        for i, target in enumerate(index.targets)
        if target in starts
    ]


def check_end_edges(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """End nodes have no outgoing edges.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges.append(wf.edges[0].model_copy(update={"id": "back", "source": "end"}))
    >>> [(p.code.value, p.edge_id) for p in check_end_edges(wf, workflow_graph(wf))]
    [('end_has_outgoing_edge', 'back')]
    """
    index = index_of(workflow, graph)
    leaving = sorted(i for end in _nodes_of_kind(index, "end") for i in index.out.get(end, ()))
    return [
        problem(
            ProblemCode.END_HAS_OUTGOING_EDGE,
            f"Edge {index.edge_ids[i]!r} leaves end node {index.sources[i]!r}; a run "
            "finishes at an end.",
            edge_id=index.edge_ids[i],
            node_id=index.sources[i],
            path=f"edges[{i}]",
        )
        for i in leaving
    ]


def check_ways_on(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Start and stage nodes have exactly one outgoing edge (the one token moves on).

    Branching is a decision's job; a stage's parallelism lives inside it, in its steps.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> del wf.edges[1]
    >>> [(p.code.value, p.node_id) for p in check_ways_on(wf, workflow_graph(wf))]
    [('no_way_on', 'stage_1')]
    """
    index = index_of(workflow, graph)
    out = index.out
    problems: list[Problem] = []
    for node_id, kind in index.kind.items():
        if kind != "stage" and kind != "start":
            continue
        edges = out.get(node_id, ())
        if len(edges) == 1:
            continue
        path = f"nodes[{index.first[node_id]}]"
        if not edges:
            problems.append(
                problem(
                    ProblemCode.NO_WAY_ON,
                    f"{kind.capitalize()} {node_id!r} has no outgoing edge; "
                    "connect it to the node that follows.",
                    node_id=node_id,
                    path=path,
                )
            )
        else:
            ids = [index.edge_ids[i] for i in edges]
            problems.append(
                problem(
                    ProblemCode.SEVERAL_WAYS_ON,
                    f"{kind.capitalize()} {node_id!r} has {len(ids)} outgoing edges "
                    f"({', '.join(ids)}); it needs exactly one. Use a decision to branch.",
                    node_id=node_id,
                    edge_id=ids[1],
                    path=path,
                    related=ids,
                )
            )
    return problems
