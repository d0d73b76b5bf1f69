"""Baton -> BPMN -> Baton gives back the same workflow; the BPMN is drawn as Baton lays it out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from graphs.interop import InteropFormat, export_workflow, import_document
from graphs.interop.bpmn import export_bpmn, import_bpmn
from graphs.interop.safe_xml import parse_xml
from graphs.io import dump_workflow, load_workflow
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    Edge,
    EdgeKind,
    EndNode,
    StageNode,
    StartNode,
    Workflow,
)

from ..strategies import valid_workflows

EXAMPLES = sorted((Path(__file__).parents[3] / "graphs" / "examples").glob("*.json"))
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"


def example(path: Path) -> Workflow:
    return load_workflow(path)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_shipped_example_comes_back_the_same(path: Path) -> None:
    workflow = example(path)
    result = import_document(export_workflow(workflow, InteropFormat.BPMN))
    assert result.format is InteropFormat.BPMN
    assert dump_workflow(result.workflow) == dump_workflow(workflow)
    assert result.report == () and result.problems == ()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_workflows(max_nodes=30))
def test_random_valid_workflows_come_back_the_same(workflow: Workflow) -> None:
    back, report = import_bpmn(export_bpmn(workflow).encode())
    assert dump_workflow(back) == dump_workflow(workflow)
    assert report == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_node_is_drawn_where_baton_placed_it(path: Path) -> None:
    workflow = example(path)
    root = parse_xml(export_bpmn(workflow).encode())
    planes = {p.get("bpmnElement"): p for p in root.iter(f"{DI}BPMNPlane")}
    top = planes[workflow.id]
    bounds = {s.get("bpmnElement"): s.find(f"{DC}Bounds") for s in top.iter(f"{DI}BPMNShape")}
    for node in workflow.nodes:
        drawn = bounds[node.id]
        assert drawn is not None
        assert (float(drawn.get("x", "")), float(drawn.get("y", ""))) == (
            node.position.x,
            node.position.y,
        )
    edges = {e.get("bpmnElement") for e in top.iter(f"{DI}BPMNEdge")}
    assert edges == {edge.id for edge in workflow.edges}
    stages = {n.id for n in workflow.nodes if isinstance(n, StageNode)}
    assert stages <= set(planes)  # each stage's steps on its own drill-down plane


def _schema() -> Any:
    """The OMG schemas (BPMN 2.0 with BPMNDI), as SpiffWorkflow ships them for its validator."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator  # type: ignore[import-untyped]

    return BpmnValidator().validator


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_shipped_example_exports_valid_bpmn_2_0(path: Path) -> None:
    schema = _schema()
    assert schema.validate(etree.fromstring(export_bpmn(example(path)).encode())), (
        schema.error_log.last_error)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_workflows(max_nodes=30))
def test_random_workflows_export_valid_bpmn_2_0(workflow: Workflow) -> None:
    schema = _schema()
    assert schema.validate(etree.fromstring(export_bpmn(workflow).encode())), (
        schema.error_log.last_error)


def test_what_a_modeller_edits_wins_over_the_baton_data() -> None:
    workflow = example(EXAMPLES[0])
    stage = next(n for n in workflow.nodes if isinstance(n, StageNode))
    text = export_bpmn(workflow)
    shape = f'bpmnElement="{stage.id}" isExpanded="false"><dc:Bounds x="'
    moved = text.replace(shape, shape.replace('x="', 'x="1'), 1)
    renamed = moved.replace(f'name="{stage.name}"', 'name="Renamed in the modeller"', 1)
    back, _ = import_bpmn(renamed.encode())
    again = next(n for n in back.nodes if n.id == stage.id)
    assert again.name == "Renamed in the modeller"
    assert again.position.x != stage.position.x


def test_without_baton_extensions_the_structure_still_comes_back() -> None:
    # What another tool keeps of an exported file: plain BPMN, read by the general mapping.
    workflow = example(next(p for p in EXAMPLES if p.stem == "support-case"))
    plain = re.sub(
        r"<bpmn:extensionElements>.*?</bpmn:extensionElements>",
        "",
        export_bpmn(workflow),
        flags=re.S,
    )
    back, report = import_bpmn(plain.encode())
    assert [(n.id, n.kind) for n in back.nodes] == [(n.id, n.kind) for n in workflow.nodes]
    assert {(e.source, e.target) for e in back.edges} == {
        (e.source, e.target) for e in workflow.edges
    }
    for node in workflow.nodes:
        if isinstance(node, StageNode):
            again = next(n for n in back.nodes if n.id == node.id)
            assert isinstance(again, StageNode)
            assert sorted(s.id for s in again.steps) == sorted(
                f"{node.id}__{s.id}" for s in node.steps
            )
    decision = next(n for n in back.nodes if isinstance(n, DecisionNode) and n.id == "priority")
    rules = [
        (r.field, r.op.value, r.value)
        for o in decision.outcomes
        if o.condition
        for g in o.condition.rules
        for r in getattr(g, "rules", [g])
    ]
    assert ("case.priority", "eq", "urgent") in rules
    assert any(e.kind is EdgeKind.GOTO for e in back.edges)
    assert all(
        item.kind.value == "needs_action"
        for item in report
        if item.element_type == "bpmn:scriptTask"
    )


def test_baton_ids_that_collide_in_bpmn_still_give_a_valid_document_and_come_back() -> None:
    # Baton scopes ids per kind (nodes, steps, edges); a BPMN document has one id space.
    workflow = Workflow(
        id="start_di", name="Colliding ids",
        nodes=[StartNode(id="start"),
               StageNode(id="start_di_2", steps=[BackgroundStep(id="start", action="notify")]),
               StageNode(id="s__start"), EndNode(id="start_di_definitions")],
        edges=[Edge(id="start", source="start", target="start_di_2"),
               Edge(id="start_di", source="start_di_2", target="s__start"),
               Edge(id="s__start__flow", source="s__start", target="start_di_definitions")])
    document = export_bpmn(workflow)
    assert _schema().validate(etree.fromstring(document.encode()))
    back, report = import_bpmn(document.encode())
    assert dump_workflow(back) == dump_workflow(workflow) and report == []
