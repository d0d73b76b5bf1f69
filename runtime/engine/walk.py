"""The walk: move the run's one token along the graph as far as it goes.

The token rests only at stages (and, once finished, at an end); starts and decisions
are passed through within the transition that reaches them. Decisions evaluate their
outcomes in order against the latest case; the first that holds wins, else the default,
and the log says which and why. A loop guard (visits per node) stops a run that would
loop for ever at an incident.
"""

from __future__ import annotations

from typing import Any

from graphs.model import Edge, EdgeKind, EndNode
from runtime.engine.definition import CompiledNode
from runtime.engine.lifecycle import RunEvent
from runtime.engine.stages import prepare_stage, settle_stage
from runtime.engine.types import IncidentCode, LogKind, RunStatus
from runtime.engine.working import WorkingRun

__all__ = ["advance", "enter"]


def advance(run: WorkingRun) -> None:
    """Move the token as far as it goes without waiting for anything."""
    while run.s.status is RunStatus.RUNNING:
        node = run.d.nodes[run.s.node_id or ""]
        if node.kind == "stage":
            if not settle_stage(run, node):
                return
            _follow(run, node, node.next_edge)
        elif node.kind == "decision":
            _decide(run, node)
        elif node.kind == "start":
            _follow(run, node, node.next_edge)
        else:
            _complete(run, node)
            return


def enter(run: WorkingRun, node_id: str, via: Edge | None = None) -> None:
    """Move the token to ``node_id`` (along ``via``), and prepare a stage's steps."""
    s = run.s
    node = run.d.nodes[node_id]
    visit = s.visits.get(node_id, 0) + 1
    # Replaced, not written in place: shared with the state the transition started
    # from, it is copied only by the transitions that enter a node.
    s.visits = {**s.visits, node_id: visit}
    s.node_id = node_id
    s.node_entered_at = run.now
    s.stage_open = False
    s.steps = {}
    run.entered += (node_id,)
    # One log line per move: the node entered and the edge that led there.
    run.note_data(
        LogKind.NODE_ENTERED,
        node_id,
        None,
        {
            "node_kind": node.kind,
            "visit": visit,
            "name": node.title,
            "edge_id": None if via is None else via.id,
            "from_node": None if via is None else via.source,
            "edge_kind": None if via is None else str(via.kind),
        },
    )
    if visit > run.d.max_visits:
        run.incident(
            IncidentCode.LOOP_GUARD,
            f"node {node.title!r} ({node_id}) was reached for the {visit}th time, more "
            f"than the workflow's limit of {run.d.max_visits} visits per node "
            "(max_visits_per_node); the run stopped instead of looping for ever",
            node_id=node_id,
        )
        return
    if node.kind == "stage":
        prepare_stage(run, node, visit)


def _follow(run: WorkingRun, node: CompiledNode, edge: Edge | None) -> None:
    if edge is None:
        run.incident(
            IncidentCode.NO_EDGE,
            f"node {node.title!r} ({node.id}) has no edge to leave by",
            node_id=node.id,
        )
        return
    if edge.kind is EdgeKind.GOTO:
        run.s.loops += 1
    enter(run, edge.target, edge)


def _complete(run: WorkingRun, node: CompiledNode) -> None:
    spec = node.spec
    assert isinstance(spec, EndNode)
    run.move_run(RunEvent.COMPLETE)
    run.s.resolution = spec.resolution
    run.s.finished_at = run.now
    run.note_data(
        LogKind.RUN_COMPLETED,
        node.id,
        None,
        {"resolution": spec.resolution, "reason": f"reached end {node.title!r}"},
    )


def _decide(run: WorkingRun, node: CompiledNode) -> None:
    facts = run.facts()
    chosen = None
    checked: list[dict[str, Any]] = []
    explained: list[dict[str, Any]] = []
    for co in node.outcomes:
        if co.condition is None:
            chosen = co
            break
        held, explained = co.condition.judge(facts)
        if held:
            chosen = co
            break
        checked.append(
            {
                "outcome": co.outcome.id,
                "why_not": co.condition.summarize(explained, False),
                "rules": explained,
            }
        )
    if chosen is None:
        chosen = node.default
    if chosen is None:
        run.incident(
            IncidentCode.NO_OUTCOME,
            f"no outcome of decision {node.title!r} ({node.id}) held and it has no default outcome",
            node_id=node.id,
        )
        return
    rules: list[dict[str, Any]] = []
    if chosen.is_default:
        reason = "no outcome held, so the default: " + (
            "; ".join(f"{c['outcome']}: {c['why_not']}" for c in checked) or "none to check"
        )
    elif chosen.condition is None:
        reason = f"outcome {chosen.outcome.label!r} has no condition"
    else:
        rules = explained  # the chosen outcome's, from the loop
        reason = chosen.condition.summarize(rules, True)
    run.note_data(
        LogKind.DECISION_TAKEN,
        node.id,
        None,
        {
            "outcome": chosen.outcome.id,
            "label": chosen.outcome.label,
            "default": chosen.is_default,
            "reason": reason,
            "rules": rules,
            "not_taken": checked,
        },
    )
    if chosen.edge is None:
        run.incident(
            IncidentCode.NO_EDGE,
            f"outcome {chosen.outcome.id!r} of decision {node.title!r} ({node.id}) has no edge",
            node_id=node.id,
        )
        return
    _follow(run, node, chosen.edge)
