"""Each row of the BPMN import table (graphs/interop/README.md), on a small hand-made process."""

from __future__ import annotations

import pytest

from graphs.conditions import Rule
from graphs.interop import ImportResult, ReportKind, import_document
from graphs.model import (
    BackgroundStep,
    DecisionNode,
    EdgeKind,
    EndNode,
    EscalationActionKind,
    InteractiveStep,
    StageNode,
    Step,
)

HEAD = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC">'
)


def flows(*pairs: str) -> str:
    """``"a>b"`` pairs as sequence flows with ids ``a_b``."""
    out = []
    for pair in pairs:
        source, target = pair.split(">")
        out.append(f'<sequenceFlow id="{source}_{target}" sourceRef="{source}" '
                   f'targetRef="{target}"/>')
    return "".join(out)


def load(body: str, extra: str = "") -> ImportResult:
    return import_document(f'{HEAD}<process id="p" name="P">{body}</process>{extra}'
                           "</definitions>".encode())


def stages(result: ImportResult) -> list[StageNode]:
    return [n for n in result.workflow.nodes if isinstance(n, StageNode)]


def step(result: ImportResult, step_id: str) -> Step:
    return next(s for n in stages(result) for s in n.steps if s.id == step_id)


def kinds(result: ImportResult) -> dict[str, ReportKind]:
    return {item.element_id: item.kind for item in result.report}


def test_a_chain_and_a_parallel_block_make_one_stage_with_after() -> None:
    result = load(
        '<startEvent id="s"/><userTask id="a"/><parallelGateway id="split"/>'
        '<userTask id="b"/><serviceTask id="c"/><parallelGateway id="join"/>'
        '<userTask id="d"/><endEvent id="e"/>'
        + flows("s>a", "a>split", "split>b", "split>c", "b>join", "c>join", "join>d", "d>e"))
    [stage] = stages(result)
    assert [(s.id, s.after) for s in stage.steps] == [
        ("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])]
    assert [(e.source, e.target) for e in result.workflow.edges] == [("s", "a"), ("a", "e")]
    assert kinds(result) == {"c": ReportKind.NEEDS_ACTION}


def test_an_exclusive_gateway_is_a_decision_with_translated_conditions_and_default() -> None:
    result = load(
        '<startEvent id="s"/><exclusiveGateway id="g" default="low"/>'
        '<userTask id="big" camunda:candidateGroups="seniors"/>'
        '<userTask id="small" camunda:assignee="sam"/><endEvent id="e"/>'
        '<sequenceFlow id="s_g" sourceRef="s" targetRef="g"/>'
        '<sequenceFlow id="high" name="Large" sourceRef="g" targetRef="big">'
        "<conditionExpression>= amount &gt; 1000 and region = \"EU\"</conditionExpression>"
        "</sequenceFlow>"
        '<sequenceFlow id="low" sourceRef="g" targetRef="small"/>'
        + flows("big>e", "small>e"))
    decision = next(n for n in result.workflow.nodes if isinstance(n, DecisionNode))
    [outcome] = decision.outcomes
    assert outcome.label == "Large" and outcome.condition is not None
    assert [(r.field, r.op.value, r.value) for r in outcome.condition.rules
            if isinstance(r, Rule)] == [("case.amount", "gt", 1000), ("case.region", "eq", "EU")]
    assert decision.default_outcome is not None and decision.default_outcome.id == "low"
    assert {f.name: f.type.value for f in result.workflow.case_schema} == {
        "amount": "number", "region": "string"}
    assert result.problems == ()


def test_a_condition_that_is_not_simple_is_kept_as_text_and_never_taken() -> None:
    result = load(
        '<startEvent id="s"/><exclusiveGateway id="g" default="no"/><task id="t"/>'
        '<endEvent id="e"/><sequenceFlow id="s_g" sourceRef="s" targetRef="g"/>'
        '<sequenceFlow id="yes" sourceRef="g" targetRef="t">'
        "<conditionExpression>${orders.stream().count() &gt; 2}</conditionExpression>"
        '</sequenceFlow><sequenceFlow id="no" sourceRef="g" targetRef="e"/>' + flows("t>e"))
    decision = next(n for n in result.workflow.nodes if isinstance(n, DecisionNode))
    kept = decision.outcomes[0].condition
    assert kept is not None and kept.match == "any" and not kept.rules
    assert "orders.stream()" in decision.description
    assert kinds(result)["yes"] is ReportKind.KEPT_AS_TEXT


def test_a_flow_back_is_a_goto_and_the_task_it_enters_starts_a_stage() -> None:
    result = load(
        '<laneSet><lane id="l" name="Writers"><flowNodeRef>draft</flowNodeRef>'
        "<flowNodeRef>review</flowNodeRef></lane></laneSet>"
        '<startEvent id="s"/><userTask id="draft"/><userTask id="review"/>'
        '<exclusiveGateway id="ok" default="ok_e"/><endEvent id="e"/>'
        + flows("s>draft", "draft>review", "review>ok", "ok>e")
        + '<sequenceFlow id="again" sourceRef="ok" targetRef="draft">'
        "<conditionExpression>not approved</conditionExpression></sequenceFlow>")
    edge = next(e for e in result.workflow.edges if e.id == "again")
    assert edge.kind is EdgeKind.GOTO and edge.target == "draft"
    assert [n.id for n in stages(result)] == ["draft"]  # review follows draft in its stage
    assert result.problems == ()


def test_people_come_from_lanes_camunda_and_potential_owners() -> None:
    result = load(
        '<laneSet><lane id="l1" name="Claims Team"><flowNodeRef>a</flowNodeRef></lane></laneSet>'
        '<startEvent id="s"/><userTask id="a"/>'
        '<userTask id="b" camunda:assignee="kim" camunda:candidateGroups="sales,support"/>'
        '<userTask id="c"><potentialOwner><resourceAssignmentExpression><formalExpression>'
        "group(finance)</formalExpression></resourceAssignmentExpression></potentialOwner>"
        '</userTask><endEvent id="e"/>' + flows("s>a", "a>b", "b>c", "c>e"))
    a, b, c = (step(result, x) for x in "abc")
    assert isinstance(a, InteractiveStep) and a.assignment.queue == "claims_team"
    assert isinstance(b, InteractiveStep) and (b.assignment.queue, b.assignment.agent) == (
        "sales", "kim")
    assert isinstance(c, InteractiveStep) and c.assignment.queue == "finance"
    assert kinds(result) == {"b": ReportKind.APPROXIMATED}


def test_camunda_form_fields_become_the_steps_form() -> None:
    result = load(
        '<startEvent id="s"/><userTask id="u"><extensionElements><camunda:formData>'
        '<camunda:formField id="amount" label="Amount" type="long">'
        '<camunda:validation><camunda:constraint name="required"/></camunda:validation>'
        '</camunda:formField><camunda:formField id="kind" type="enum">'
        '<camunda:value id="car" name="Car"/><camunda:value id="home" name="Home"/>'
        "</camunda:formField></camunda:formData></extensionElements></userTask>"
        '<endEvent id="e"/>' + flows("s>u", "u>e"))
    form = step(result, "u").form  # type: ignore[union-attr]
    assert [(f.name, f.type.value, f.required, f.values) for f in form] == [
        ("amount", "number", True, []), ("kind", "picklist", False, ["car", "home"])]


def test_service_work_keeps_its_type_implementation_and_script() -> None:
    result = load(
        '<startEvent id="s"/><scriptTask id="calc" scriptFormat="python">'
        "<script>total = a + b</script></scriptTask>"
        '<callActivity id="call" calledElement="billing"/><endEvent id="e"/>'
        + flows("s>calc", "calc>call", "call>e"))
    calc, call = step(result, "calc"), step(result, "call")
    assert isinstance(calc, BackgroundStep) and calc.action == "bpmn.scriptTask"
    assert calc.inputs["script"].value == "total = a + b"
    assert isinstance(call, BackgroundStep) and call.inputs["calledElement"].value == "billing"
    assert kinds(result) == {"calc": ReportKind.NEEDS_ACTION,
                             "call": ReportKind.UNRESOLVED_REFERENCE}


def test_an_intermediate_timer_is_a_wait_step_of_its_duration() -> None:
    result = load(
        '<startEvent id="s"/><intermediateCatchEvent id="pause"><timerEventDefinition>'
        "<timeDuration>P1DT2H</timeDuration></timerEventDefinition></intermediateCatchEvent>"
        '<endEvent id="e"/>' + flows("s>pause", "pause>e"))
    wait = step(result, "pause")
    assert isinstance(wait, BackgroundStep) and wait.action == "wait"
    assert wait.inputs["duration_minutes"].value == 1560
    assert result.report == () and result.problems == ()


def test_an_interrupting_timer_on_a_user_task_is_an_sla_and_an_escalation() -> None:
    result = load(
        '<startEvent id="s"/><userTask id="work" camunda:candidateGroups="ops"/>'
        '<boundaryEvent id="late" attachedToRef="work"><timerEventDefinition><timeDuration>'
        "PT4H</timeDuration></timerEventDefinition></boundaryEvent>"
        '<userTask id="chase" camunda:candidateGroups="leads"/><endEvent id="e"/>'
        + flows("s>work", "work>e", "late>chase", "chase>e"))
    work = step(result, "work")
    assert isinstance(work, InteractiveStep) and work.sla is not None
    assert work.sla.target_minutes == 240
    [rule] = result.workflow.escalations
    assert rule.stages == ["work"]
    assert [(a.kind, a.node_id) for a in rule.actions] == [
        (EscalationActionKind.GOTO_STAGE, "chase")]
    assert kinds(result) == {"late": ReportKind.APPROXIMATED}


def test_a_subprocess_of_tasks_is_a_stage_and_one_with_decisions_is_flattened() -> None:
    simple = load(
        '<startEvent id="s"/><subProcess id="sub" name="Checks"><startEvent id="i"/>'
        '<task id="t1"/><task id="t2"/><endEvent id="o"/>' + flows("i>t1", "t1>t2", "t2>o")
        + '</subProcess><endEvent id="e"/>' + flows("s>sub", "sub>e"))
    [stage] = stages(simple)
    assert (stage.id, stage.name, [(s.id, s.after) for s in stage.steps]) == (
        "sub", "Checks", [("t1", []), ("t2", ["t1"])])
    flat = load(
        '<startEvent id="s"/><subProcess id="sub"><startEvent id="i"/>'
        '<exclusiveGateway id="g" default="g_b"/><task id="a"/><task id="b"/><endEvent id="o"/>'
        + flows("i>g", "g>b", "a>o", "b>o")
        + '<sequenceFlow id="g_a" sourceRef="g" targetRef="a"><conditionExpression>x</'
        "conditionExpression></sequenceFlow>"
        '</subProcess><endEvent id="e"/>' + flows("s>sub", "sub>e"))
    assert [n.kind for n in flat.workflow.nodes] == ["start", "decision", "stage", "stage", "end"]
    assert kinds(flat)["sub"] is ReportKind.APPROXIMATED
    assert flat.problems == ()


@pytest.mark.parametrize(("body", "element", "kind"), [
    ('<subProcess id="x" triggeredByEvent="true"><startEvent id="xs"><messageEventDefinition/>'
     "</startEvent></subProcess>", "x", ReportKind.NOT_IMPORTED),
    ('<inclusiveGateway id="x"/>', "x", ReportKind.APPROXIMATED),
    ('<intermediateCatchEvent id="x"><messageEventDefinition/></intermediateCatchEvent>', "x",
     ReportKind.NOT_IMPORTED),
    ('<textAnnotation id="x"><text>Note</text></textAnnotation>', "x", ReportKind.NOT_IMPORTED),
    ('<task id="x"><multiInstanceLoopCharacteristics/></task>', "x", ReportKind.APPROXIMATED),
    ('<task id="x" isForCompensation="true"/>', "x", ReportKind.NOT_IMPORTED),
])
def test_what_baton_cannot_hold_is_reported_by_id(body: str, element: str,
                                                  kind: ReportKind) -> None:
    result = load(f'<startEvent id="s"/>{body}<endEvent id="e"/>'
                  + (flows("s>x", "x>e") if "triggeredByEvent" not in body
                     and "Annotation" not in body and "Compensation" not in body
                     else flows("s>e")))
    assert kind in [i.kind for i in result.report if i.element_id == element]


def test_other_pools_and_message_flows_are_reported() -> None:
    result = import_document((
        f'{HEAD}<collaboration id="c"><participant id="a" processRef="p1"/>'
        '<participant id="b" processRef="p2"/><messageFlow id="m" sourceRef="t1" targetRef="s2"/>'
        '</collaboration><process id="p1" isExecutable="true"><startEvent id="s1"/>'
        '<sendTask id="t1"/><endEvent id="e1"/>' + flows("s1>t1", "t1>e1") + "</process>"
        '<process id="p2"><startEvent id="s2"/></process></definitions>').encode())
    assert result.workflow.id == "p1"
    assert kinds(result)["p2"] is ReportKind.NOT_IMPORTED
    assert kinds(result)["m"] is ReportKind.NOT_IMPORTED


def test_ends_keep_their_resolution_and_shapes_their_position() -> None:
    result = load(
        '<startEvent id="s"/><exclusiveGateway id="g" default="g_ok"/>'
        '<endEvent id="ok"/><endEvent id="stop"><terminateEventDefinition/></endEvent>'
        + flows("s>g", "g>ok")
        + '<sequenceFlow id="g_stop" sourceRef="g" targetRef="stop"><conditionExpression>'
        "cancelled</conditionExpression></sequenceFlow>",
        '<bpmndi:BPMNDiagram><bpmndi:BPMNPlane bpmnElement="p">'
        '<bpmndi:BPMNShape bpmnElement="s"><dc:Bounds x="100" y="80" width="36" height="36"/>'
        "</bpmndi:BPMNShape>"
        '<bpmndi:BPMNShape bpmnElement="g"><dc:Bounds x="250" y="95.5" width="50" height="50"/>'
        "</bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")
    ends = {n.id: n.resolution for n in result.workflow.nodes if isinstance(n, EndNode)}
    assert ends == {"ok": "resolved", "stop": "terminated"}
    # The drawing keeps its arrangement, from (0, 0) and spread for the canvas's wider nodes.
    where = {n.id: (n.position.x, n.position.y) for n in result.workflow.nodes}
    assert where["s"] == (0, 0) and where["g"] == (300, 31)
    assert where["ok"] == (0, 0)  # no shape: left to the canvas's auto-layout


def test_an_annotation_goes_into_the_description_of_what_it_annotates() -> None:
    result = load(
        '<startEvent id="s"/><userTask id="u" name="Review" camunda:assignee="kim"/>'
        '<exclusiveGateway id="g" default="g_e"/><endEvent id="e"/>'
        + flows("s>u", "u>g", "g>e")
        + '<sequenceFlow id="g_u" sourceRef="g" targetRef="u"><conditionExpression>redo'
        "</conditionExpression></sequenceFlow>"
        '<textAnnotation id="n1"><text>Four-eyes rule</text></textAnnotation>'
        '<association id="a1" sourceRef="u" targetRef="n1"/>'
        '<textAnnotation id="n2"><text>Loops at most twice</text></textAnnotation>'
        '<association id="a2" sourceRef="n2" targetRef="g"/>'
        '<textAnnotation id="n3"><text>Alone</text></textAnnotation>')
    descriptions = {n.id: n.description for n in result.workflow.nodes}
    assert descriptions["u"] == "Review: Four-eyes rule"
    assert descriptions["g"] == "Loops at most twice"
    assert [(i.element_id, i.kind) for i in result.report] == [("n3", ReportKind.NOT_IMPORTED)]
