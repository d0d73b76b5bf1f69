"""The workflow generator: exact size, deterministic, realistic shape, laid out left to right."""

from __future__ import annotations

import pytest

from graphs.generate import generate_workflow
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    EdgeKind,
    EndNode,
    InteractiveStep,
    StageNode,
)
from graphs.validation import validate


@pytest.mark.parametrize("n_nodes", [2, 3, 7, 100, 500])
def test_it_builds_a_valid_workflow_of_exactly_the_size_asked(n_nodes: int) -> None:
    workflow = generate_workflow(n_nodes, seed=n_nodes)
    assert len(workflow.nodes) == n_nodes
    assert validate(workflow) == []


def test_the_same_seed_gives_the_same_workflow_and_another_seed_another() -> None:
    assert generate_workflow(200, seed=5) == generate_workflow(200, seed=5)
    assert generate_workflow(200, seed=5) != generate_workflow(200, seed=6)


def test_it_refuses_fewer_than_two_nodes() -> None:
    with pytest.raises(ValueError, match="at least 2 nodes"):
        generate_workflow(1)


def test_a_large_workflow_has_every_feature_a_real_one_has() -> None:
    workflow = generate_workflow(500, seed=0)
    stages = [n for n in workflow.nodes if isinstance(n, StageNode)]
    decisions = [n for n in workflow.nodes if isinstance(n, DecisionNode)]
    steps = [s for stage in stages for s in stage.steps]
    assert {len(stage.steps) for stage in stages} == {1, 2, 3, 4}
    assert any(isinstance(s, InteractiveStep) and s.form for s in steps)
    assert any(isinstance(s, BackgroundStep) and s.inputs for s in steps)
    assert any(s.after for s in steps)
    assert {len(d.outcomes) for d in decisions} == {2, 3}
    assert all(d.default_outcome is not None for d in decisions)
    assert sum(isinstance(n, EndNode) for n in workflow.nodes) > 3
    goto_sources = {e.source for e in workflow.edges if e.kind is EdgeKind.GOTO}
    assert goto_sources & {d.id for d in decisions} and goto_sources & {s.id for s in stages}
    fields = {
        rule.field.split(".")[0]
        for d in decisions
        for outcome in d.outcomes
        if outcome.condition
        for rule in outcome.condition.rules
        if rule.kind == "rule"
    }
    assert fields == {"case", "step", "sla", "counter"}
    assert workflow.case_schema and workflow.trigger.kind == "record"


def test_nodes_are_laid_out_left_to_right() -> None:
    workflow = generate_workflow(300, seed=2)
    x = {node.id: node.position.x for node in workflow.nodes}
    for edge in workflow.edges:
        if edge.kind is EdgeKind.GOTO:
            assert x[edge.target] < x[edge.source], edge
        else:
            assert x[edge.target] > x[edge.source], edge
    positions = [(n.position.x, n.position.y) for n in workflow.nodes]
    assert len(set(positions)) == len(positions), "two nodes on the same spot"
