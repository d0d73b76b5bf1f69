"""Decisions: a default, distinct outcomes, one edge per outcome, conditions that matter."""

from __future__ import annotations

import networkx as nx

from graphs.model import DecisionNode, EdgeKind, Outcome, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import index_of, problem, workflow_graph  # noqa: F401 (doctests)


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
    for index, decision in index_of(workflow, graph).decisions:
        if decision.default_outcome is None:
            problems.append(
                problem(
                    ProblemCode.DECISION_WITHOUT_DEFAULT,
                    f"Decision {decision.id!r} has no default outcome; add one for when no "
                    "outcome's condition holds.",
                    node_id=decision.id,
                    path=f"nodes[{index}]",
                )
            )
        if not decision.outcomes:
            problems.append(
                problem(
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
    for index, decision in index_of(workflow, graph).decisions:
        ids: set[str] = set()
        labels: set[str] = set()
        for k, outcome in _numbered_outcomes(decision):
            if outcome.id in ids:
                problems.append(
                    problem(
                        ProblemCode.DUPLICATE_OUTCOME_ID,
                        f"Decision {decision.id!r} has two outcomes with id {outcome.id!r}.",
                        node_id=decision.id,
                        path=_outcome_path(index, k),
                    )
                )
            label = outcome.label.strip().casefold()
            if label in labels:
                problems.append(
                    problem(
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
    index = index_of(workflow, graph)
    problems: list[Problem] = []
    for node_index, decision in index.decisions:
        numbered = _numbered_outcomes(decision)
        carried: dict[str, list[str]] = {outcome.id: [] for _, outcome in numbered}
        for i in index.out.get(decision.id, ()):
            edge_id, outcome_id = index.edge_ids[i], index.outcomes[i]
            if index.edge_kinds[i] is EdgeKind.NEXT or outcome_id is None:
                problems.append(
                    problem(
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
                    problem(
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
                    problem(
                        ProblemCode.OUTCOME_WITHOUT_EDGE,
                        f"Outcome {outcome.label!r} of decision {decision.id!r} has no edge; "
                        "draw where it leads.",
                        node_id=decision.id,
                        path=_outcome_path(node_index, k),
                    )
                )
            for extra in edge_ids[1:]:
                problems.append(
                    problem(
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
    index = index_of(workflow, graph)
    kinds = index.kind
    problems: list[Problem] = []
    for i, (kind, outcome) in enumerate(zip(index.edge_kinds, index.outcomes, strict=True)):
        if kind is not EdgeKind.OUTCOME and outcome is None:
            continue
        source = index.sources[i]
        if kinds.get(source, "decision") == "decision":
            continue
        problems.append(
            problem(
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
    for index, decision in index_of(workflow, graph).decisions:
        for k, outcome in enumerate(decision.outcomes):
            if outcome.condition is None:
                problems.append(
                    problem(
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
                problem(
                    ProblemCode.DEFAULT_CONDITION_IGNORED,
                    f"The default outcome of decision {decision.id!r} has a condition, which "
                    "is never evaluated: the default is taken when no other outcome holds.",
                    severity="warning",
                    node_id=decision.id,
                    path=f"nodes[{index}].default_outcome.condition",
                )
            )
    return problems
