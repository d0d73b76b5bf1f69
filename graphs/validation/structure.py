"""Start, end and ids: one start, some end, and no id used twice."""

from __future__ import annotations

import networkx as nx

from graphs.model import EndNode, StartNode, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import duplicates, index_of, problem, workflow_graph  # noqa: F401 (doctests)


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
        return [problem(ProblemCode.NO_START, "The workflow has no start node; add one.")]
    first = starts[0][1].id
    return [
        problem(
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
    return [problem(ProblemCode.NO_END, "The workflow has no end node; add at least one.")]


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
    if len(index_of(workflow, graph).first) == len(workflow.nodes):
        return []
    return [
        problem(
            ProblemCode.DUPLICATE_NODE_ID,
            f"Node id {node_id!r} is used by more than one node; give each node its own id.",
            node_id=node_id,
            path=f"nodes[{index}]",
        )
        for index, node_id in duplicates([n.id for n in workflow.nodes])
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
        problem(
            ProblemCode.DUPLICATE_EDGE_ID,
            f"Edge id {edge_id!r} is used by more than one edge; give each edge its own id.",
            edge_id=edge_id,
            path=f"edges[{index}]",
        )
        for index, edge_id in duplicates(index_of(workflow, graph).edge_ids)
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
    index = index_of(workflow, graph)
    catalog = index.catalog
    if len(catalog.stage_of_step) == catalog.n_steps:
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for node_index, stage in index.stages:
        for k, step in enumerate(stage.steps):
            if step.id in seen:
                problems.append(
                    problem(
                        ProblemCode.DUPLICATE_STEP_ID,
                        f"Step id {step.id!r} in stage {stage.id!r} is already used in stage "
                        f"{catalog.stage_of_step[step.id]!r}; step ids are unique in a workflow.",
                        node_id=stage.id,
                        step_id=step.id,
                        path=f"nodes[{node_index}].steps[{k}]",
                    )
                )
            seen.add(step.id)
    return problems
