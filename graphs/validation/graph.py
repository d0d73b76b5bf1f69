"""The workflow as a graph, the lookup tables every rule shares, and a problem's wording.

Every rule is ``check_*(workflow, graph)``; :func:`workflow_graph` builds the graph once
and hangs an :class:`Index` on it, so the rules read the models once between them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import networkx as nx

from graphs.model import DecisionNode, EdgeKind, EndNode, StageNode, StartNode, Workflow
from graphs.problems import Problem, ProblemCode, Severity
from graphs.validation.catalog import Catalog

AnyNode = StartNode | StageNode | DecisionNode | EndNode
Check = Callable[[Workflow, Any], list[Problem]]
"""A rule: ``(workflow, graph) -> problems``."""
Finding = tuple[ProblemCode, str, Severity]
"""What a part of a rule found: a code, the reason as a phrase, and how serious it is."""


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
    index = Index.of(workflow)
    graph = nx.DiGraph(index=index)
    graph.add_nodes_from(index.kind)
    graph.add_edges_from(index.pairs)
    return graph


_EDGE_COLUMNS = attrgetter("id", "source", "target", "kind", "outcome")


@dataclass(frozen=True, slots=True)
class Index:
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
    catalog: Catalog

    @staticmethod
    def of(workflow: Workflow) -> Index:
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
        return Index(
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
            catalog=Catalog.of(workflow, stages),
        )


def index_of(workflow: Workflow, graph: nx.DiGraph) -> Index:
    """The graph's lookup tables, or fresh ones if the graph was built by other means."""
    index = graph.graph.get("index")
    if isinstance(index, Index) and index.workflow is workflow:
        return index
    return Index.of(workflow)


def problem(
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


def duplicates(ids: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Index and id of every repeat of an id seen before.

    >>> list(duplicates(["a", "b", "a", "a"]))
    [(2, 'a'), (3, 'a')]
    """
    if len(set(ids)) == len(ids):
        return
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            yield index, item
        seen.add(item)


def worded(
    findings: Iterable[Finding],
    subject: str,
    *,
    path: str,
    node_id: str | None = None,
    step_id: str | None = None,
) -> list[Problem]:
    """A problem per finding, each saying ``subject`` and then its reason.

    >>> [p.message for p in worded([(ProblemCode.NO_END, "is odd", "error")], "X", path="p")]
    ['X is odd.']
    """
    return [
        problem(
            code,
            f"{subject} {reason}.",
            severity=severity,
            node_id=node_id,
            step_id=step_id,
            path=path,
        )
        for code, reason, severity in findings
    ]
