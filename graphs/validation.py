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

import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

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
    BackgroundStep,
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
    StepInput,
    Workflow,
)
from graphs.problems import Problem, ProblemCode, Severity
from graphs.salesforce import api_name_problem, field_path_problem, soql_filter_problem

__all__ = [
    "RULES",
    "Check",
    "check_actions",
    "check_after",
    "check_can_reach_end",
    "check_case_schema",
    "check_conditions",
    "check_cycles_without_goto",
    "check_decision_defaults",
    "check_decision_edges",
    "check_edge_endpoints",
    "check_edges_into_start",
    "check_end_edges",
    "check_ends",
    "check_escalations",
    "check_forms",
    "check_goto_edges",
    "check_outcome_conditions",
    "check_outcome_edges_outside_decisions",
    "check_outcome_ids_and_labels",
    "check_reachable_from_start",
    "check_salesforce_trigger",
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
Check = Callable[[Workflow, Any], list[Problem]]
"""A rule: ``(workflow, graph) -> problems``."""


# --------------------------------------------------------------------------- graph


def workflow_graph(workflow: Workflow) -> nx.DiGraph:
    """The workflow as a networkx ``DiGraph`` of node ids, one edge per joined pair.

    When node ids are duplicated the first node wins; edges naming unknown nodes are
    left out (:func:`check_edge_endpoints` reports them). ``graph.graph["index"]`` holds
    lookup tables read once from the workflow (node kinds, edge columns, which workflow
    edges join each pair, steps by kind), so the rules need not read the models again.

    >>> from graphs.generate import generate_workflow
    >>> g = workflow_graph(generate_workflow(3))
    >>> list(g.edges), g.graph["index"].kind["stage_1"]
    ([('start', 'stage_1'), ('stage_1', 'end')], 'stage')
    """
    index = _Index.of(workflow)
    graph = nx.DiGraph(index=index)
    graph.add_nodes_from(index.kind)
    graph.add_edges_from(index.pairs)
    return graph


_EDGE_COLUMNS = attrgetter("id", "source", "target", "kind", "outcome")


@dataclass(frozen=True, slots=True)
class _Index:
    """Lookup tables read once from a workflow and shared by every rule."""

    workflow: Workflow
    #: node id -> index in ``workflow.nodes`` and kind of the first node with that id
    first: dict[str, int]
    kind: dict[str, str]
    #: the first node of each id, with its index
    nodes: list[tuple[int, AnyNode]]
    #: every stage (duplicates included: their steps still exist), with its index
    stages: list[tuple[int, StageNode]]
    decisions: list[tuple[int, DecisionNode]]
    #: the edges' fields as columns, in document order
    edge_ids: tuple[str, ...]
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    edge_kinds: tuple[EdgeKind, ...]
    outcomes: tuple[str | None, ...]
    #: node id -> indices of the edges leaving it (dangling targets included)
    out: dict[str, list[int]]
    #: (source, target) of existing nodes -> indices of the edges joining them
    pairs: dict[tuple[str, str], list[int]]
    #: the pairs joined by some non-go-to edge -> the first such edge
    forward: dict[tuple[str, str], int]
    catalog: _Catalog

    @staticmethod
    def of(workflow: Workflow) -> _Index:
        first: dict[str, int] = {}
        kind: dict[str, str] = {}
        nodes: list[tuple[int, AnyNode]] = []
        stages: list[tuple[int, StageNode]] = []
        decisions: list[tuple[int, DecisionNode]] = []
        for i, node in enumerate(workflow.nodes):
            if isinstance(node, StageNode):
                stages.append((i, node))
            node_id = node.id
            if node_id in first:
                continue
            first[node_id] = i
            kind[node_id] = node.kind
            nodes.append((i, node))
            if isinstance(node, DecisionNode):
                decisions.append((i, node))
        columns = list(zip(*map(_EDGE_COLUMNS, workflow.edges), strict=True)) or [()] * 5
        edge_ids, sources, targets, edge_kinds, outcomes = columns
        out: dict[str, list[int]] = defaultdict(list)
        pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
        forward: dict[tuple[str, str], int] = {}
        for i, (source, target) in enumerate(zip(sources, targets, strict=True)):
            out[source].append(i)
            if source in kind and target in kind:
                pair = (source, target)
                pairs[pair].append(i)
                if edge_kinds[i] is not EdgeKind.GOTO and pair not in forward:
                    forward[pair] = i
        return _Index(
            workflow=workflow,
            first=first,
            kind=kind,
            nodes=nodes,
            stages=stages,
            decisions=decisions,
            edge_ids=edge_ids,
            sources=sources,
            targets=targets,
            edge_kinds=edge_kinds,
            outcomes=outcomes,
            out=dict(out),
            pairs=dict(pairs),
            forward=forward,
            catalog=_Catalog.of(workflow, stages),
        )


def _index(workflow: Workflow, graph: nx.DiGraph) -> _Index:
    """The graph's lookup tables, or fresh ones if the graph was built by other means."""
    index = graph.graph.get("index")
    if isinstance(index, _Index) and index.workflow is workflow:
        return index
    return _Index.of(workflow)


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
    if len(set(ids)) == len(ids):
        return
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
    if len(_index(workflow, graph).first) == len(workflow.nodes):
        return []
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
        for index, edge_id in _duplicates(_index(workflow, graph).edge_ids)
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
    index = _index(workflow, graph)
    catalog = index.catalog
    if len(catalog.stage_of_step) == catalog.n_steps:
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for node_index, stage in index.stages:
        for k, step in enumerate(stage.steps):
            if step.id in seen:
                problems.append(
                    _problem(
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


# ------------------------------------------------------------------- edges and paths


def check_edge_endpoints(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every edge starts and ends at an existing node.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.edges[0].source = "nowhere"
    >>> [(p.code.value, p.edge_id) for p in check_edge_endpoints(wf, workflow_graph(wf))]
    [('dangling_edge', 'e1')]
    """
    index = _index(workflow, graph)
    kinds = index.kind
    problems: list[Problem] = []
    for i, (source, target) in enumerate(zip(index.sources, index.targets, strict=True)):
        if source in kinds and target in kinds:
            continue
        for end, node_id in (("starts", source), ("ends", target)):
            if node_id not in kinds:
                problems.append(
                    _problem(
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


def _nodes_of_kind(index: _Index, kind: str) -> list[str]:
    return [node_id for node_id, k in index.kind.items() if k == kind]


def check_reachable_from_start(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Every node can be reached from the start.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(4)
    >>> wf.nodes.append(EndNode(id="orphan"))
    >>> [(p.code.value, p.node_id) for p in check_reachable_from_start(wf, workflow_graph(wf))]
    [('unreachable_node', 'orphan')]
    """
    index = _index(workflow, graph)
    starts = _nodes_of_kind(index, "start")
    if not starts:
        return []  # check_starts reports it; every node would be unreachable.
    reached = _reached(graph, starts)
    if len(reached) == len(index.kind):
        return []
    return [
        _problem(
            ProblemCode.UNREACHABLE_NODE,
            f"Node {node.id!r} cannot be reached from the start; connect it or remove it.",
            node_id=node.id,
            path=f"nodes[{i}]",
        )
        for i, node in index.nodes
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
    index = _index(workflow, graph)
    ends = _nodes_of_kind(index, "end")
    if not ends:
        return []  # check_ends reports it once instead of once per node.
    reaching = _reached(graph.reverse(copy=False), ends)
    if len(reaching) == len(index.kind):
        return []
    return [
        _problem(
            ProblemCode.CANNOT_REACH_END,
            f"No path leads from node {node.id!r} to an end; a run there would never finish.",
            node_id=node.id,
            path=f"nodes[{i}]",
        )
        for i, node in index.nodes
        if node.id not in reaching
    ]


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
    index = _index(workflow, graph)
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
    index = _index(workflow, graph)
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
            _problem(
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
    index = _index(workflow, graph)
    starts = set(_nodes_of_kind(index, "start"))
    return [
        _problem(
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
    index = _index(workflow, graph)
    leaving = sorted(i for end in _nodes_of_kind(index, "end") for i in index.out.get(end, ()))
    return [
        _problem(
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
    index = _index(workflow, graph)
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
                _problem(
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
                _problem(
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
    for index, decision in _index(workflow, graph).decisions:
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


def _outcome_path(index: int, k: int) -> str:
    """The path of outcome ``k`` of the decision at ``index``; -1 is the default."""
    return f"nodes[{index}].default_outcome" if k < 0 else f"nodes[{index}].outcomes[{k}]"


def _numbered_outcomes(decision: DecisionNode) -> list[tuple[int, Outcome]]:
    numbered = list(enumerate(decision.outcomes))
    if decision.default_outcome is not None:
        numbered.append((-1, decision.default_outcome))
    return numbered


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
    for index, decision in _index(workflow, graph).decisions:
        ids: set[str] = set()
        labels: set[str] = set()
        for k, outcome in _numbered_outcomes(decision):
            if outcome.id in ids:
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_OUTCOME_ID,
                        f"Decision {decision.id!r} has two outcomes with id {outcome.id!r}.",
                        node_id=decision.id,
                        path=_outcome_path(index, k),
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
                        path=_outcome_path(index, k),
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
    index = _index(workflow, graph)
    problems: list[Problem] = []
    for node_index, decision in index.decisions:
        numbered = _numbered_outcomes(decision)
        carried: dict[str, list[str]] = {outcome.id: [] for _, outcome in numbered}
        for i in index.out.get(decision.id, ()):
            edge_id, outcome_id = index.edge_ids[i], index.outcomes[i]
            if index.edge_kinds[i] is EdgeKind.NEXT or outcome_id is None:
                problems.append(
                    _problem(
                        ProblemCode.DECISION_EDGE_WITHOUT_OUTCOME,
                        f"Edge {edge_id!r} leaves decision {decision.id!r} without naming one "
                        "of its outcomes; make it an outcome (or go-to) edge for one outcome.",
                        edge_id=edge_id,
                        node_id=decision.id,
                        path=f"edges[{i}]",
                    )
                )
            elif outcome_id not in carried:
                problems.append(
                    _problem(
                        ProblemCode.UNKNOWN_OUTCOME,
                        f"Edge {edge_id!r} names outcome {outcome_id!r}, which decision "
                        f"{decision.id!r} does not have.",
                        edge_id=edge_id,
                        node_id=decision.id,
                        path=f"edges[{i}]",
                    )
                )
            else:
                carried[outcome_id].append(edge_id)
        for k, outcome in numbered:
            edge_ids = carried[outcome.id]
            if len(edge_ids) == 1:
                continue
            if not edge_ids:
                problems.append(
                    _problem(
                        ProblemCode.OUTCOME_WITHOUT_EDGE,
                        f"Outcome {outcome.label!r} of decision {decision.id!r} has no edge; "
                        "draw where it leads.",
                        node_id=decision.id,
                        path=_outcome_path(node_index, k),
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
                        path=_outcome_path(node_index, k),
                        related=edge_ids,
                    )
                )
            carried[outcome.id] = []  # a duplicated outcome id is reported apart, once
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
    index = _index(workflow, graph)
    kinds = index.kind
    problems: list[Problem] = []
    for i, (kind, outcome) in enumerate(zip(index.edge_kinds, index.outcomes, strict=True)):
        if kind is not EdgeKind.OUTCOME and outcome is None:
            continue
        source = index.sources[i]
        if kinds.get(source, "decision") == "decision":
            continue
        problems.append(
            _problem(
                ProblemCode.OUTCOME_EDGE_OUTSIDE_DECISION,
                f"Edge {index.edge_ids[i]!r} is an outcome edge but leaves {kinds[source]} "
                f"{source!r}, not a decision; make it a next (or go-to) edge without an "
                "outcome.",
                edge_id=index.edge_ids[i],
                node_id=source,
                path=f"edges[{i}]",
            )
        )
    return problems


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
    for index, decision in _index(workflow, graph).decisions:
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
        for index, stage in _index(workflow, graph).stages
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
    index = _index(workflow, graph)
    problems: list[Problem] = []
    # stage node index -> step id -> the steps of its stage it waits for
    ties: dict[int, dict[str, list[str]]] = defaultdict(dict)
    where: dict[tuple[int, str], str] = {}
    own: dict[int, set[str]] = {}
    for node_index, k, stage, step in index.catalog.waiting:
        if node_index not in own:
            own[node_index] = {s.id for s in stage.steps}
        for a, name in enumerate(step.after):
            if name in own[node_index] and name != step.id:
                ties[node_index].setdefault(step.id, []).append(name)
                where.setdefault((node_index, step.id), f"nodes[{node_index}].steps[{k}]")
                continue
            if name == step.id:
                code = ProblemCode.AFTER_SELF
                message = f"Step {step.id!r} waits for itself, so it would never start."
            else:
                elsewhere = index.catalog.stage_of_step.get(name)
                detail = (
                    f"is in stage {elsewhere!r}; a step waits only for steps of its stage"
                    if elsewhere
                    else "is not a step"
                )
                code = ProblemCode.UNKNOWN_AFTER_STEP
                message = f"Step {step.id!r} waits for {name!r}, which {detail}."
            problems.append(
                _problem(
                    code,
                    message,
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{node_index}].steps[{k}].after[{a}]",
                )
            )
    for node_index, waits in ties.items():
        if not _may_loop(waits):
            continue
        stage_id = workflow.nodes[node_index].id
        loops = nx.DiGraph([(name, step_id) for step_id, names in waits.items() for name in names])
        for component in nx.strongly_connected_components(loops):
            if len(component) < 2:
                continue
            members = sorted(component)
            problems.append(
                _problem(
                    ProblemCode.AFTER_CYCLE,
                    f"Steps {', '.join(members)} of stage {stage_id!r} wait for each other "
                    "through 'after', so none of them would ever start.",
                    node_id=stage_id,
                    step_id=members[0],
                    path=where[(node_index, members[0])],
                    related=members,
                )
            )
    return problems


def _may_loop(waits: dict[str, list[str]]) -> bool:
    """Whether some steps wait for each other: what remains after peeling the free ones."""
    pending = {step_id: set(names) for step_id, names in waits.items()}
    while pending:
        free = [step_id for step_id, names in pending.items() if not names & pending.keys()]
        if not free:
            return True
        for step_id in free:
            del pending[step_id]
    return False


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
    for index, k, stage, step in _index(workflow, graph).catalog.interactive:
        if stage.owner or step.assignment.queue or step.assignment.agent:
            continue
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


def _late_warning(sla: SLA | None) -> bool:
    return (
        sla is not None
        and sla.warning_minutes is not None
        and sla.warning_minutes >= sla.target_minutes
    )


def _sla_problem(
    sla: SLA, what: str, *, node_id: str, path: str, step_id: str | None = None
) -> Problem:
    return _problem(
        ProblemCode.SLA_WARNING_NOT_BEFORE_TARGET,
        f"The SLA of {what} warns after {sla.warning_minutes:g} minutes, not before its "
        f"target of {sla.target_minutes:g}; the warning must come first.",
        node_id=node_id,
        step_id=step_id,
        path=path,
    )


def check_slas(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """An SLA's warning point comes before its target.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.nodes[1].sla.warning_minutes = wf.nodes[1].sla.target_minutes
    >>> [(p.code.value, p.path) for p in check_slas(wf, workflow_graph(wf))]
    [('sla_warning_not_before_target', 'nodes[1].sla')]
    """
    index = _index(workflow, graph)
    problems: list[Problem] = []
    for node_index, stage in index.stages:
        if stage.sla is not None and _late_warning(stage.sla):
            problems.append(
                _sla_problem(
                    stage.sla,
                    f"stage {stage.id!r}",
                    node_id=stage.id,
                    path=f"nodes[{node_index}].sla",
                )
            )
    for node_index, k, stage, step in index.catalog.interactive:
        if step.sla is not None and _late_warning(step.sla):
            problems.append(
                _sla_problem(
                    step.sla,
                    f"step {step.id!r}",
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{node_index}].steps[{k}].sla",
                )
            )
    return problems


# ------------------------------------------------------------------ fields and types


@dataclass(frozen=True, slots=True)
class _FieldInfo:
    """What a field path refers to: its type (None when untyped) and picklist values."""

    type: FieldType | None
    values: tuple[str, ...] = ()


_BARE = {type_: _FieldInfo(type_) for type_ in FieldType}
_UNTYPED = _FieldInfo(None)
_SLA_FIELDS = {
    "state": _FieldInfo(FieldType.PICKLIST, SLA_STATES),
    "remaining_minutes": _BARE[FieldType.NUMBER],
}
_Resolved = tuple[_FieldInfo | None, str, Severity]


_StepAt = tuple[int, int, StageNode, BackgroundStep | InteractiveStep]
"""A step with the index of its stage node, its own index in the stage, and its stage."""


@dataclass(frozen=True, slots=True)
class _Catalog:
    """Every field a condition or a step input may name, and the steps by kind."""

    case: dict[str, CaseField]
    #: step id -> the first step with that id, and the id of its stage
    steps: dict[str, BackgroundStep | InteractiveStep]
    stage_of_step: dict[str, str]
    n_steps: int
    interactive: list[tuple[int, int, StageNode, InteractiveStep]]
    background: list[tuple[int, int, StageNode, BackgroundStep]]
    #: steps with a non-empty ``after``, and steps with an entry condition
    waiting: list[_StepAt]
    gated: list[_StepAt]
    #: field path -> what it resolves to; workflows name the same few paths many times
    cache: dict[str, _Resolved]

    @staticmethod
    def of(workflow: Workflow, stages: Sequence[tuple[int, StageNode]]) -> _Catalog:
        case: dict[str, CaseField] = {}
        for case_field in workflow.case_schema:
            case.setdefault(case_field.name, case_field)
        steps: dict[str, BackgroundStep | InteractiveStep] = {}
        stage_of_step: dict[str, str] = {}
        interactive: list[tuple[int, int, StageNode, InteractiveStep]] = []
        background: list[tuple[int, int, StageNode, BackgroundStep]] = []
        waiting: list[_StepAt] = []
        gated: list[_StepAt] = []
        n_steps = 0
        for node_index, stage in stages:
            n_steps += len(stage.steps)
            for k, step in enumerate(stage.steps):
                step_id = step.id
                if step_id not in steps:
                    steps[step_id] = step
                    stage_of_step[step_id] = stage.id
                if isinstance(step, InteractiveStep):
                    interactive.append((node_index, k, stage, step))
                else:
                    background.append((node_index, k, stage, step))
                if step.after:
                    waiting.append((node_index, k, stage, step))
                if step.entry_condition is not None:
                    gated.append((node_index, k, stage, step))
        return _Catalog(
            case, steps, stage_of_step, n_steps, interactive, background, waiting, gated, {}
        )

    def resolve(self, path: str) -> _Resolved:
        """The field at ``path``, or None with why it is unknown and how serious that is."""
        found = self.cache.get(path)
        if found is None:
            found = self.cache[path] = self._resolve(path)
        return found

    def _resolve(self, path: str) -> _Resolved:
        root, _, rest = path.partition(".")
        if root == "case":
            case_field = self.case.get(rest)
            if case_field is None:
                return None, f"the case schema declares no field {rest!r}", "error"
            return _FieldInfo(case_field.type, tuple(case_field.values)), "", "error"
        if root == "step":
            step_id, _, key = rest.partition(".")
            step = self.steps.get(step_id)
            if step is None:
                return None, f"there is no step {step_id!r}", "error"
            if not key:
                return None, "it names a step but not which of its outputs", "error"
            if not isinstance(step, InteractiveStep):
                return _UNTYPED, "", "error"  # an action's outputs are not declared
            form_field = next((f for f in step.form if f.name == key), None)
            if form_field is None:
                # The runtime may record more than the form about a work item, so an
                # unknown key is likely a typo but not certainly one.
                return None, f"step {step_id!r} has no form field {key!r}", "warning"
            return _FieldInfo(form_field.type, tuple(form_field.values)), "", "error"
        if root == "sla":
            if rest not in _SLA_FIELDS:
                return None, "SLA fields are sla.state and sla.remaining_minutes", "error"
            return _SLA_FIELDS[rest], "", "error"
        if root == "counter":
            if not rest:
                return None, "it names no counter", "error"
            return _BARE[FieldType.NUMBER], "", "error"
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
    """Where a condition sits; its description and path are only built for a problem."""

    condition: Group
    attr: str
    node_index: int | None = None
    node_id: str | None = None
    sub_index: int | None = None
    step_id: str | None = None
    outcome_label: str | None = None

    def what(self) -> str:
        if self.node_index is None:
            return "the trigger"
        if self.step_id is not None:
            return f"the entry condition of step {self.step_id!r}"
        if self.outcome_label is not None:
            return f"outcome {self.outcome_label!r} of decision {self.node_id!r}"
        return f"the {self.attr.replace('_', ' ')} of stage {self.node_id!r}"

    def path(self) -> str:
        if self.node_index is None:
            return "trigger.condition"
        if self.step_id is not None:
            return f"nodes[{self.node_index}].steps[{self.sub_index}].entry_condition"
        if self.outcome_label is not None:
            return f"nodes[{self.node_index}].outcomes[{self.sub_index}].condition"
        return f"nodes[{self.node_index}].{self.attr}"


def _condition_sites(workflow: Workflow, index: _Index) -> Iterator[_ConditionSite]:
    if workflow.trigger.condition is not None:
        yield _ConditionSite(workflow.trigger.condition, "condition")
    for node_index, stage in index.stages:
        if stage.entry_condition is not None:
            yield _ConditionSite(stage.entry_condition, "entry_condition", node_index, stage.id)
        if stage.exit_condition is not None:
            yield _ConditionSite(stage.exit_condition, "exit_condition", node_index, stage.id)
    for node_index, k, stage, step in index.catalog.gated:
        assert step.entry_condition is not None
        yield _ConditionSite(
            step.entry_condition, "entry_condition", node_index, stage.id, k, step.id
        )
    for node_index, decision in index.decisions:
        for k, outcome in enumerate(decision.outcomes):
            if outcome.condition is not None:
                yield _ConditionSite(
                    outcome.condition,
                    "condition",
                    node_index,
                    decision.id,
                    k,
                    outcome_label=outcome.label,
                )


def _walk(group: Group, path: str) -> Iterator[tuple[Rule | Group, str]]:
    """Every rule and group below ``group`` (itself included) with its document path."""
    yield group, path
    for k, item in enumerate(group.rules):
        if isinstance(item, Rule):
            yield item, f"{path}.rules[{k}]"
        else:
            yield from _walk(item, f"{path}.rules[{k}]")


def _rule_problems(rule: Rule, catalog: _Catalog) -> list[tuple[ProblemCode, str, Severity]]:
    """What is wrong with one rule: (code, reason, severity) for each problem."""
    found: list[tuple[ProblemCode, str, Severity]] = []
    field, op, value = rule.field, rule.op, rule.value
    info, why, severity = catalog.resolve(field)
    if info is None:
        found.append((ProblemCode.UNKNOWN_FIELD, f"names unknown field {field!r}: {why}", severity))
    if op in UNARY_OPERATORS:
        if op is Operator.CHANGED and not field.startswith("case."):
            found.append(
                (ProblemCode.BAD_OPERATOR, "uses 'changed', which applies to case fields", "error")
            )
        if value is not None:
            found.append((ProblemCode.BAD_CONDITION_VALUE, f"'{op}' takes no value", "error"))
        return found
    type_ = info.type if info is not None else None
    if op in ORDER_OPERATORS and type_ not in (None, FieldType.NUMBER, FieldType.DATETIME):
        found.append(
            (
                ProblemCode.BAD_OPERATOR,
                f"compares {field!r} with '{op}', but a {type_} field has no order",
                "error",
            )
        )
    if op in _TEXT_OPERATORS and type_ not in (None, FieldType.STRING):
        found.append(
            (
                ProblemCode.BAD_OPERATOR,
                f"uses '{op}' on {field!r}, a {type_} field; it applies to text",
                "error",
            )
        )
    if op in LIST_OPERATORS:
        if not isinstance(value, list) or not value:
            found.append(
                (ProblemCode.BAD_CONDITION_VALUE, f"'{op}' needs a non-empty list", "error")
            )
        elif info is not None:
            bad = [v for v in value if not _fits(v, info)]
            if bad:
                found.append(
                    (
                        ProblemCode.BAD_CONDITION_VALUE,
                        f"lists {bad[0]!r} for {field!r}, which takes {_expected(info)}",
                        "error",
                    )
                )
    elif value is None:
        found.append(
            (
                ProblemCode.BAD_CONDITION_VALUE,
                f"'{op}' needs a value (to test for emptiness use is_set or is_not_set)",
                "error",
            )
        )
    elif info is not None and not _fits(value, info):
        found.append(
            (
                ProblemCode.BAD_CONDITION_VALUE,
                f"compares {field!r} with {value!r}, but it takes {_expected(info)}",
                "error",
            )
        )
    return found


_TEXT_OPERATORS = frozenset({Operator.CONTAINS, Operator.NOT_CONTAINS})


def _group_problems(
    group: Group,
    site: _ConditionSite,
    trail: tuple[int, ...],
    catalog: _Catalog,
    problems: list[Problem],
) -> None:
    def path(*more: int) -> str:
        return site.path() + "".join(f".rules[{k}]" for k in (*trail, *more))

    if not group.rules:
        problems.append(
            _problem(
                ProblemCode.EMPTY_CONDITION,
                f"A condition group in {site.what()} has no rules; "
                f"it is always {'true' if group.match == 'all' else 'false'}.",
                severity="warning",
                node_id=site.node_id,
                step_id=site.step_id,
                path=path(),
            )
        )
    for k, item in enumerate(group.rules):
        if isinstance(item, Group):
            _group_problems(item, site, (*trail, k), catalog, problems)
            continue
        for code, reason, severity in _rule_problems(item, catalog):
            problems.append(
                _problem(
                    code,
                    f"A rule in {site.what()} {reason}.",
                    severity=severity,
                    node_id=site.node_id,
                    step_id=site.step_id,
                    path=path(k),
                )
            )


def check_conditions(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Conditions name known fields, with operators and values that suit their types.

    Covers the trigger, stage entry and exit conditions, step entry conditions and
    decision outcomes. Field paths are ``case.<declared field>``,
    ``step.<step id>.<output>`` (typed by the form of an interactive step),
    ``sla.state`` / ``sla.remaining_minutes`` and ``counter.<name>``. An empty group is
    a warning (``all`` of nothing is always true).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.trigger.condition.rules[0].field = "case.stauts"
    >>> [(p.code.value, p.path) for p in check_conditions(wf, workflow_graph(wf))]
    [('unknown_field', 'trigger.condition.rules[0]')]
    """
    index = _index(workflow, graph)
    problems: list[Problem] = []
    for site in _condition_sites(workflow, index):
        _group_problems(site.condition, site, (), index.catalog, problems)
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


def check_salesforce_trigger(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """The Salesforce trigger: a record trigger from source 'salesforce', safe names and
    filter, and a mapping into declared case fields, each filled once.

    >>> from graphs.generate import generate_workflow
    >>> from graphs.salesforce import SalesforceTrigger
    >>> wf = generate_workflow(3)
    >>> wf.trigger.salesforce = SalesforceTrigger(soql_filter="Status = 'New'")
    >>> [p.code.value for p in check_salesforce_trigger(wf, workflow_graph(wf))]
    ['salesforce_trigger_misplaced']
    """
    trigger = workflow.trigger
    config = trigger.salesforce
    if config is None:
        return []
    problems: list[Problem] = []
    base = "trigger.salesforce"
    if trigger.kind != "record" or trigger.source != "salesforce":
        problems.append(
            _problem(
                ProblemCode.SALESFORCE_TRIGGER_MISPLACED,
                "A Salesforce trigger needs a record trigger whose source is 'salesforce' "
                f"(this one is {trigger.kind!r} from {trigger.source!r}).",
                path=base,
            )
        )
    if (why := api_name_problem(config.sobject)) is not None:
        problems.append(
            _problem(
                ProblemCode.SALESFORCE_BAD_NAME,
                f"The trigger's sObject: {why}.",
                path=f"{base}.sobject",
            )
        )
    if config.soql_filter and (why := soql_filter_problem(config.soql_filter)) is not None:
        problems.append(
            _problem(
                ProblemCode.SALESFORCE_BAD_FILTER,
                f"SOQL filter: {why}.",
                path=f"{base}.soql_filter",
            )
        )
    declared = {f.name for f in workflow.case_schema}
    # The record Id always lands in id_field, so a mapping into it would be a second writer.
    seen: dict[str, int] = {config.id_field: -1}
    for i, mapping in enumerate(config.field_mapping):
        path = f"{base}.field_mapping[{i}]"
        if (why := field_path_problem(mapping.sf_field)) is not None:
            problems.append(
                _problem(
                    ProblemCode.SALESFORCE_BAD_NAME,
                    f"Salesforce field {why}.",
                    path=f"{path}.sf_field",
                )
            )
        if mapping.case_field not in declared:
            problems.append(
                _problem(
                    ProblemCode.SALESFORCE_UNKNOWN_CASE_FIELD,
                    f"{mapping.sf_field} maps into case field {mapping.case_field!r}, which "
                    "the case schema does not declare.",
                    path=f"{path}.case_field",
                )
            )
        first = seen.setdefault(mapping.case_field, i)
        if first != i:
            already = "the record Id" if first < 0 else f"mapping {first + 1}"
            problems.append(
                _problem(
                    ProblemCode.SALESFORCE_DUPLICATE_MAPPING,
                    f"Case field {mapping.case_field!r} is filled by {already} and again by "
                    f"{mapping.sf_field}; each case field takes one Salesforce field.",
                    path=f"{path}.case_field",
                )
            )
    return problems


def _definitions_look_fine(fields: Sequence[CaseField | FormField]) -> bool:
    """A quick pass that is true for nearly every real form; the full check explains."""
    names = set()
    for f in fields:
        if f.type is FieldType.PICKLIST:
            if not f.values or len(set(f.values)) != len(f.values):
                return False
        elif f.values:
            return False
        names.add(f.name)
    return len(names) == len(fields)


def _field_definition_problems(
    fields: Sequence[CaseField | FormField],
    duplicate_code: ProblemCode,
    what: str,
    path: str,
    *,
    node_id: str | None = None,
    step_id: str | None = None,
) -> list[Problem]:

    if _definitions_look_fine(fields):
        return []
    problems: list[Problem] = []
    for index, name in _duplicates([f.name for f in fields]):
        problems.append(
            _problem(
                duplicate_code,
                f"{what[0].upper()}{what[1:]} declares field {name!r} twice.",
                path=f"{path}[{index}]",
                node_id=node_id,
                step_id=step_id,
            )
        )
    for index, definition in enumerate(fields):
        at = f"{path}[{index}]"
        if definition.type is FieldType.PICKLIST:
            if not definition.values:
                problems.append(
                    _problem(
                        ProblemCode.PICKLIST_WITHOUT_VALUES,
                        f"Picklist field {definition.name!r} of {what} has no values to pick from.",
                        path=at,
                        node_id=node_id,
                        step_id=step_id,
                    )
                )
            for _, value in _duplicates(definition.values):
                problems.append(
                    _problem(
                        ProblemCode.DUPLICATE_PICKLIST_VALUE,
                        f"Picklist field {definition.name!r} of {what} lists {value!r} twice.",
                        severity="warning",
                        path=at,
                        node_id=node_id,
                        step_id=step_id,
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
                    node_id=node_id,
                    step_id=step_id,
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
    for index, k, stage, step in _index(workflow, graph).catalog.interactive:
        if not _definitions_look_fine(step.form):
            problems += _field_definition_problems(
                step.form,
                ProblemCode.DUPLICATE_FORM_FIELD,
                f"the form of step {step.id!r}",
                f"nodes[{index}].steps[{k}].form",
                node_id=stage.id,
                step_id=step.id,
            )
    return problems


_TEXTUAL = frozenset({FieldType.STRING, FieldType.PICKLIST})


def _compatible(declared: FieldType, referenced: FieldType | None) -> bool:
    return (
        referenced is None
        or referenced is declared
        or (declared in _TEXTUAL and referenced in _TEXTUAL)
    )


def _input_problems(item: StepInput, catalog: _Catalog) -> list[tuple[ProblemCode, str, Severity]]:
    found: list[tuple[ProblemCode, str, Severity]] = []
    value, ref, type_ = item.value, item.ref, item.type
    if value is not None:
        if ref is not None:
            found.append((ProblemCode.INPUT_VALUE_AND_REF, "has both a value and a ref", "error"))
        if not _fits(value, _BARE[type_]):
            found.append(
                (
                    ProblemCode.BAD_INPUT_VALUE,
                    f"is a {type_} input but its value is {value!r}",
                    "error",
                )
            )
    elif ref is None:
        found.append(
            (ProblemCode.INPUT_WITHOUT_VALUE, "has neither a value nor a ref to a field", "error")
        )
    if ref is not None:
        info, why, severity = catalog.resolve(ref)
        if info is None:
            found.append(
                (ProblemCode.UNKNOWN_REF, f"refers to unknown field {ref!r}: {why}", severity)
            )
        elif not _compatible(type_, info.type):
            found.append(
                (
                    ProblemCode.INPUT_REF_TYPE_MISMATCH,
                    f"is a {type_} input but {ref!r} is a {info.type} field",
                    "warning",
                )
            )
    return found


def check_step_inputs(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A background step's input has a literal value of its type or a ref to a known field.

    Not both, and not neither. A ref to a field of another type is a warning (text and
    picklist values mix freely).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=1)
    >>> step = next(s for s in wf.nodes[1].steps if s.kind == "background")
    >>> step.inputs["template"].type = FieldType.NUMBER
    >>> [(p.code.value, p.path) for p in check_step_inputs(wf, workflow_graph(wf))]
    [('bad_input_value', 'nodes[1].steps[0].inputs.template')]
    """
    catalog = _index(workflow, graph).catalog
    problems: list[Problem] = []
    for index, k, stage, step in catalog.background:
        for name, item in step.inputs.items():
            for code, reason, severity in _input_problems(item, catalog):
                problems.append(
                    _problem(
                        code,
                        f"Input {name!r} of step {step.id!r} {reason}.",
                        severity=severity,
                        node_id=stage.id,
                        step_id=step.id,
                        path=f"nodes[{index}].steps[{k}].inputs.{name}",
                    )
                )
    return problems


def check_actions(workflow: Workflow, graph: nx.DiGraph, actions: Collection[str]) -> list[Problem]:
    """Background steps name actions that exist (given the names the runtime knows).

    ``graphs`` cannot know which actions are registered, so this rule runs only when
    the caller passes their names to :func:`validate`.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=1)
    >>> [(p.code.value, p.step_id) for p in check_actions(wf, workflow_graph(wf), {"notify"})]
    [('unknown_action', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, k, stage, step in _index(workflow, graph).catalog.background:
        if step.action not in actions:
            problems.append(
                _problem(
                    ProblemCode.UNKNOWN_ACTION,
                    f"Step {step.id!r} runs action {step.action!r}, which is not installed; "
                    f"known actions: {', '.join(sorted(actions)) or 'none'}.",
                    node_id=stage.id,
                    step_id=step.id,
                    path=f"nodes[{index}].steps[{k}].action",
                )
            )
    return problems


# ----------------------------------------------------------------------- all rules


def check_escalations(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Escalation rules: unique ids, stages that exist, actions that say what to do, and
    conditions over known fields (as every other condition).

    >>> from graphs.generate import generate_workflow
    >>> from graphs.model import EscalationRule
    >>> wf = generate_workflow(3)
    >>> wf.escalations = [EscalationRule.model_validate({"id": "e", "condition": {"rules": [
    ...     {"kind": "rule", "field": "sla.state", "op": "eq", "value": "breached"}]},
    ...     "actions": [{"kind": "goto_stage", "node_id": "nowhere"}]})]
    >>> [(p.code.value, p.path) for p in check_escalations(wf, workflow_graph(wf))]
    [('unknown_escalation_stage', 'escalations[0].actions[0].node_id')]
    """
    if not workflow.escalations:
        return []
    index = _index(workflow, graph)
    stages = {stage.id for _, stage in index.stages}
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, rule in enumerate(workflow.escalations):
        where = f"escalations[{k}]"
        if rule.id in seen:
            problems.append(
                _problem(
                    ProblemCode.DUPLICATE_ESCALATION_ID,
                    f"Two escalation rules have the id {rule.id!r}.",
                    path=f"{where}.id",
                )
            )
        seen.add(rule.id)
        for j, stage_id in enumerate(rule.stages):
            if stage_id not in stages:
                problems.append(
                    _problem(
                        ProblemCode.UNKNOWN_ESCALATION_STAGE,
                        f"Escalation rule {rule.id!r} is limited to {stage_id!r}, "
                        "which is not a stage of this workflow.",
                        path=f"{where}.stages[{j}]",
                    )
                )
        for j, action in enumerate(rule.actions):
            at = f"{where}.actions[{j}]"
            kind = action.kind.value
            if kind == "goto_stage" and action.node_id not in stages:
                problems.append(
                    _problem(
                        ProblemCode.UNKNOWN_ESCALATION_STAGE,
                        f"Escalation rule {rule.id!r} jumps to {action.node_id!r}, "
                        "which is not a stage of this workflow.",
                        path=f"{at}.node_id",
                    )
                )
            elif kind == "reassign" and not action.queue and not action.skills:
                problems.append(
                    _problem(
                        ProblemCode.BAD_ESCALATION_ACTION,
                        f"Escalation rule {rule.id!r} reassigns without naming a queue or skills.",
                        path=at,
                    )
                )
            elif kind == "notify" and not (action.to or "").strip():
                problems.append(
                    _problem(
                        ProblemCode.BAD_ESCALATION_ACTION,
                        f"Escalation rule {rule.id!r} notifies nobody: set 'to'.",
                        path=f"{at}.to",
                    )
                )
        for item, path in _walk(rule.condition, f"{where}.condition"):
            if isinstance(item, Group):
                continue
            for code, reason, severity in _rule_problems(item, index.catalog):
                problems.append(
                    _problem(
                        code,
                        f"A rule in escalation rule {rule.id!r} {reason}.",
                        severity=severity,
                        path=path,
                    )
                )
    return problems


RULES: tuple[Check, ...] = (
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
    check_salesforce_trigger,
    check_conditions,
    check_escalations,
)
"""Every rule, in the order :func:`validate` runs them."""


def validate(workflow: Workflow, *, actions: Collection[str] | None = None) -> list[Problem]:
    """Every problem in ``workflow``, errors and warnings; ``[]`` when it is valid.

    Problems come in rule order (:data:`RULES`), and within a rule in a fixed order, so
    the same workflow always gives the same list. Pass ``actions``, the names of the
    installed actions, to also check that every background step names one of them.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(5)
    >>> wf.nodes[1].steps = []
    >>> [f"{p.code}: {p.message}" for p in validate(wf)]
    ["stage_without_steps: Stage 'stage_1' has no steps; add at least one."]
    """
    with _collector_paused():
        graph = workflow_graph(workflow)
        problems: list[Problem] = []
        for rule in RULES:
            problems.extend(rule(workflow, graph))
        if actions is not None:
            problems.extend(check_actions(workflow, graph, actions))
    return problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector, if it runs, for the duration.

    Validation keeps tens of thousands of small lookup objects alive at once; on a
    large workflow that sets off full collections, each walking every object of the
    workflow model too, and they took two thirds of the time on 10,000 nodes. Nothing
    here forms reference cycles, and whatever other threads leave meanwhile is
    collected once the collector runs again.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
