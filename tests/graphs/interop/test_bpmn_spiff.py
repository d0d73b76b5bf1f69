"""Every shipped example, exported to BPMN, runs on SpiffWorkflow along Baton's path.

For cases chosen to take every decision outcome and every loop of the example, the same
case runs on Baton's engine (``runtime.engine.simulate``) and on SpiffWorkflow (the
exported model, with the same step outputs and form answers): both must enter the same
nodes in the same order, run the same steps (but those a stage's exit condition cancels
in Baton, which BPMN does not model), and leave the case with the same fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.specs.defaults import ScriptTask
from SpiffWorkflow.util.task import TaskState

from graphs.dataflow import answer_case_fields
from graphs.interop.bpmn.scripts import case_var, step_var
from graphs.interop.bpmn.writer import workflow_to_bpmn
from graphs.io import load_workflow
from graphs.model import BackgroundStep, StageNode, Workflow
from runtime.engine.definition import compile_workflow
from runtime.engine.simulate import simulate

EXAMPLES = Path(__file__).parents[3] / "graphs" / "examples"
Answers = Mapping[str, Mapping[str, Any] | Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Case:
    """A case record and what people and actions answer, per step (a list: per visit)."""

    name: str
    record: dict[str, Any]
    answers: Answers = field(default_factory=dict)


def _answer(answers: Answers, step_id: str, visit: int) -> Mapping[str, Any]:
    given = answers.get(step_id, {})
    if isinstance(given, Mapping):
        return given
    return given[min(visit, len(given) - 1)] if given else {}


def run_on_spiff(workflow: Workflow, case: Case) -> tuple[list[str], Counter[str], dict[str, Any]]:
    """The nodes entered, the steps run and the final case, on SpiffWorkflow."""
    background = {
        s.id: s
        for n in workflow.nodes
        if isinstance(n, StageNode)
        for s in n.steps
        if isinstance(s, BackgroundStep) and s.action != "wait"
    }
    # Script tasks carry the outputs of a background step's first run: the cases below
    # vary only people's answers and waits between visits, which the driver gives.
    outputs = {step_id: _answer(case.answers, step_id, 0) for step_id in background}
    parser = BpmnParser()
    parser.add_bpmn_str(workflow_to_bpmn(workflow, outputs=outputs).encode())
    spec = parser.get_spec(workflow.id)
    run = BpmnWorkflow(spec, parser.get_subprocess_specs(workflow.id))
    nodes = {n.id for n in workflow.nodes}
    known = {s.id for n in workflow.nodes if isinstance(n, StageNode) for s in n.steps}
    path: list[str] = []
    steps: Counter[str] = Counter()
    data = {case_var(f.name): None for f in workflow.case_schema}
    data.update({case_var(k): v for k, v in case.record.items()})
    data.update(
        {step_var(s.id): {} for n in workflow.nodes if isinstance(n, StageNode) for s in n.steps}
    )
    for task in run.get_tasks(state=TaskState.READY):
        task.data.update(data)

    def completed(task: Any) -> None:
        name = task.task_spec.name
        if isinstance(task.task_spec, ScriptTask) and name.split("__", 1)[1] in known:
            steps[name.split("__", 1)[1]] += 1
        elif name in nodes and task.workflow is run:
            path.append(name)

    run.do_engine_steps(did_complete_task=completed)
    while not run.is_completed():
        ready = run.get_tasks(state=TaskState.READY, manual=True)
        assert ready, f"SpiffWorkflow is stuck in {case.name}"
        for task in ready:
            step_id = task.task_spec.name.split("__", 1)[1]
            answer = _answer(case.answers, step_id, steps[step_id])
            steps[step_id] += 1
            given = {k: v for k, v in answer.items() if k[0] != "$"}
            task.data[step_var(step_id)] = given
            # A form's answers write the case fields they map to, as completing the item
            # does in Baton; then what the driver says changed on the case meanwhile.
            mapped = answer_case_fields(workflow, step_id, given)
            task.data.update({case_var(k): v for k, v in mapped.items()})
            task.data.update({case_var(k): v for k, v in answer.get("$case", {}).items()})
            task.run()
        run.do_engine_steps(did_complete_task=completed)
    final = run.last_task.data if run.last_task is not None else {}
    record = {f.name: final.get(case_var(f.name)) for f in workflow.case_schema}
    return path, steps, record


def run_on_baton(
    workflow: Workflow, case: Case
) -> tuple[list[str], Counter[str], dict[str, Any], Counter[str]]:
    """The nodes entered, the steps run, the final case and the steps an exit cancelled."""
    result = simulate(compile_workflow(workflow), case.record, outputs=case.answers)
    assert result.state.status.value == "completed", result.describe()
    steps: Counter[str] = Counter(
        entry.step_id for entry in result.log if entry.kind == "step.completed" and entry.step_id
    )
    cancelled: Counter[str] = Counter(
        entry.step_id for entry in result.log if entry.kind == "step.cancelled" and entry.step_id
    )
    record = {f.name: result.state.case.get(f.name) for f in workflow.case_schema}
    return result.path, steps, record, cancelled


SUPPORT = {
    "subject": "Export broken",
    "priority": "normal",
    "product": "billing",
    "contact_email": "c@example.com",
    "account_tier": "standard",
    "customer_sentiment": "neutral",
    "created_at": "2026-01-05T09:00:00+00:00",
}
CLAIM = {
    "claim_number": "C-1",
    "policy_number": "P-1",
    "claimant_email": "c@example.com",
    "loss_type": "auto",
    "incident_date": "2026-01-01T00:00:00+00:00",
    "claimed_amount": 5000,
}
ACCESS = {
    "requester_email": "r@example.com",
    "requester_name": "Robin",
    "employment_type": "employee",
    "resource": "wiki",
    "access_level": "read",
    "justification": "Needed for the project",
}
FIXED = {"resolution_code": "fixed", "resolution_summary": "done", "customer_contacted": True}
YES = {"approved": True, "comment": "ok"}

CASES: dict[str, list[Case]] = {
    "support-case": [
        Case("spam", SUPPORT, {"record_context": {"$case": {"status": "spam"}}}),
        Case("urgent and resolved", {**SUPPORT, "priority": "urgent"}, {"work_case": FIXED}),
        Case(
            "rework loop", SUPPORT, {"work_case": [{"resolution_code": "needs_more_work"}, FIXED]}
        ),
        Case(
            "escalated",
            SUPPORT,
            {
                "work_case": FIXED,
                "record_work": {"$case": {"escalated": True}},
                "tier2_resolution": {"resolution_code": "fixed"},
            },
        ),
        Case(
            "missing details",
            {**SUPPORT, "contact_email": None},
            {
                "request_missing_fields": {"contact_email": "x@example.com", "product": "api"},
                "work_case": FIXED,
            },
        ),
    ],
    "insurance-claim": [
        Case(
            "documents loop, paid",
            CLAIM,
            {
                "verify_documents": [{"documents_complete": False}, {"documents_complete": True}],
                "adjuster_assessment": {
                    "coverage_confirmed": True,
                    "fraud_suspected": False,
                    "assessed_amount": 4000,
                },
                "approve_settlement": {"approved": True, "approved_amount": 4000},
            },
        ),
        Case(
            "not covered",
            CLAIM,
            {
                "verify_documents": {"documents_complete": True},
                "adjuster_assessment": {"coverage_confirmed": False, "fraud_suspected": False},
            },
        ),
        Case(
            "adjuster declines",
            CLAIM,
            {
                "verify_documents": {"documents_complete": True},
                "adjuster_assessment": {"coverage_confirmed": True, "fraud_suspected": False},
                "approve_settlement": {"approved": False, "approved_amount": 0},
            },
        ),
        Case(
            "manager approves",
            CLAIM,
            {
                "verify_documents": {"documents_complete": True},
                "adjuster_assessment": {"coverage_confirmed": True, "fraud_suspected": False},
                "approve_settlement": {"approved": True, "approved_amount": 20000},
                "manager_review": {"approved": True},
            },
        ),
        Case(
            "manager declines",
            {**CLAIM, "incident_date": None},
            {
                "capture_loss_details": {
                    "incident_date": "2026-01-02T00:00:00+00:00",
                    "loss_type": "travel",
                    "claimed_amount": 30000,
                },
                "verify_documents": {"documents_complete": True},
                "adjuster_assessment": {"coverage_confirmed": True, "fraud_suspected": False},
                "approve_settlement": {"approved": True, "approved_amount": 20000},
                "manager_review": {"approved": False},
            },
        ),
    ],
    "access-request": [
        Case(
            "not eligible, final", {**ACCESS, "employment_type": "vendor", "access_level": "admin"}
        ),
        Case("approved", ACCESS, {"manager_approval": YES, "owner_approval": YES}),
        Case(
            "declined, appealed, approved",
            ACCESS,
            {
                "manager_approval": [{"approved": False}, YES],
                "owner_approval": YES,
                "notify_rejection": {"$case": {"status": "appealed"}},
            },
        ),
        Case(
            "security risk",
            {**ACCESS, "access_level": "admin", "justification": ""},
            {
                "complete_justification": {"justification": "Admin for the migration"},
                "manager_approval": YES,
                "owner_approval": YES,
                "security_review": {"cleared": False},
            },
        ),
    ],
}
PARAMS = [(name, case) for name, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("example", "case"), PARAMS, ids=[f"{n}: {c.name}" for n, c in PARAMS])
def test_spiffworkflow_takes_the_path_baton_takes(example: str, case: Case) -> None:
    workflow = load_workflow(EXAMPLES / f"{example}.json")
    baton_path, baton_steps, baton_case, cancelled = run_on_baton(workflow, case)
    spiff_path, spiff_steps, spiff_case = run_on_spiff(workflow, case)
    assert spiff_path == baton_path
    assert spiff_case == baton_case
    # A stage's exit condition lives in Baton's extension only: on SpiffWorkflow the
    # steps Baton cancels when it holds run to their end (on the same path).
    assert baton_steps <= spiff_steps
    assert spiff_steps - baton_steps <= cancelled


@pytest.mark.parametrize("example", sorted(CASES))
def test_the_cases_take_every_outcome_and_every_loop(example: str) -> None:
    workflow = load_workflow(EXAMPLES / f"{example}.json")
    taken: set[str] = set()
    for case in CASES[example]:
        taken.update(simulate(compile_workflow(workflow), case.record, outputs=case.answers).edges)
    assert taken == {edge.id for edge in workflow.edges}


def test_the_benchmark_model_is_what_the_writer_writes_today() -> None:
    from benchmarks.engine import background_outputs

    bench = Path(__file__).parents[3] / "benchmarks"
    workflow = load_workflow(EXAMPLES / "support-case.json")
    written = workflow_to_bpmn(workflow, outputs=background_outputs(workflow))
    assert (bench / "support_case.bpmn").read_text() == written, (
        "regenerate it: .venv/bin/python benchmarks/interop.py --write-support-case"
    )


def test_a_plain_export_runs_on_spiffworkflow_up_to_its_wait_timer() -> None:
    # export_bpmn as a user downloads it: no canned outputs, a wait step is a real timer.
    from graphs.interop.bpmn import export_bpmn

    workflow = load_workflow(EXAMPLES / "support-case.json")
    parser = BpmnParser()
    parser.add_bpmn_str(export_bpmn(workflow).encode())
    run = BpmnWorkflow(parser.get_spec(workflow.id), parser.get_subprocess_specs(workflow.id))
    data = {case_var(f.name): None for f in workflow.case_schema}
    data.update({case_var(k): v for k, v in {**SUPPORT, "priority": "urgent"}.items()})
    data.update({step_var(s.id): {} for n in workflow.nodes if isinstance(n, StageNode)
                 for s in n.steps})
    for task in run.get_tasks(state=TaskState.READY):
        task.data.update(data)
    run.do_engine_steps()
    while ready := run.get_tasks(state=TaskState.READY, manual=True):
        for task in ready:
            if task.task_spec.name.endswith("__work_case"):
                task.data[step_var("work_case")] = FIXED
            task.run()
        run.do_engine_steps()
    [waiting] = [t for t in run.get_tasks(state=TaskState.WAITING)
                 if t.task_spec.name.endswith("__reopen_window")]
    assert waiting.task_spec.event_definition.expression == "'PT4320M'"  # 3 days
    assert not run.is_completed()
