"""Form answers and background outputs reach the case (issue 15, part 2): in the same
transaction as the step's completion, in the case history with the actor; the timeline's
log event carries the submitted values, but not those of sensitive case fields."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from runtime_flows import T0, lookup_with
from runtime_flows import tutorial_flow as tutorial
from sqlalchemy.engine import Engine

from runtime import services
from runtime.actions.base import Action, ActionContext, ActionResult
from runtime.db import session_scope
from runtime.engine.types import RunState
from runtime.executor import Worker
from runtime.settings import Settings


def _start(db: Engine, workflow_id: str = "tutorial") -> tuple[str, str]:
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Login"}, actor="sam", now=T0)
        run = services.start_run(s, workflow_id=workflow_id, case_id=case.id, actor="sam", now=T0)
        return case.id, run.id


def _open_item(db: Engine, run_id: str) -> str:
    with session_scope(db) as s:
        [item] = services.list_work_items(s, run_id=run_id)
        return item.key


def _complete(db: Engine, run_id: str, data: dict[str, Any]) -> None:
    key = _open_item(db, run_id)
    with session_scope(db) as s:
        services.complete_work_item(s, key=key, data=data, actor="ada", now=T0)


def test_a_ticked_form_field_resolves_the_case_and_the_run_ends(db: Engine, install: Any) -> None:
    install(tutorial())
    case_id, run_id = _start(db)
    _complete(db, run_id, {"resolved": True, "card": "4111", "note": "rebooted"})
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.node_id) == ("completed", "end")  # no second visit
        case = services.get_case(s, case_id=case_id)
        assert case.fields == {"subject": "Login", "resolved": True, "card": "4111"}
        changes = services.list_case_changes(s, case_id=case_id)
        assert sorted((c.field, c.new, c.actor) for c in changes if c.actor == "ada") == [
            ("card", "4111", "ada"), ("resolved", True, "ada"),
        ]  # fmt: skip
        log = services.read_log(s, run_id=run_id)
        done = next(e for e in log if e.kind == "step.completed" and e.step_id == "work")
        # The timeline shows what was submitted, but not a sensitive field's value.
        assert done.data["outputs"] == {"resolved": True, "note": "rebooted"}
        assert any(e.kind == "case.updated" and e.step_id == "work" for e in log)
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)


def test_a_form_field_kept_out_of_the_case_leaves_it_alone(db: Engine, install: Any) -> None:
    install(tutorial(to_case=False))
    case_id, run_id = _start(db)
    _complete(db, run_id, {"resolved": True})
    with session_scope(db) as s:
        assert "resolved" not in services.get_case(s, case_id=case_id).fields
        run = services.get_run(s, run_id=run_id)
        assert (run.status, run.node_id) == ("running", "agent_work")  # looped back


def test_an_explicit_mapping_writes_the_named_case_field(db: Engine, install: Any) -> None:
    document = tutorial()
    document["nodes"][1]["steps"][0]["form"][0] = {
        "name": "done", "type": "boolean", "case_field": "resolved",
    }  # fmt: skip
    install(document)
    case_id, run_id = _start(db)
    _complete(db, run_id, {"done": True})
    with session_scope(db) as s:
        assert services.get_case(s, case_id=case_id).fields["resolved"] is True
        assert services.get_run(s, run_id=run_id).status == "completed"


class _In(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Out(BaseModel):
    category: str
    score: float


class Classify(Action):
    name = "classify"
    Input = _In
    Output = _Out

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        return ActionResult(outputs={"category": "billing", "score": 0.9})


def test_a_background_output_mapped_to_a_case_field_writes_it(db: Engine, install: Any) -> None:
    install({
        "id": "auto", "name": "Auto",
        "case_schema": [{"name": "subject"}, {"name": "category"},
                        {"name": "score", "type": "number"}],
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "triage", "kind": "stage", "steps": [
                {"id": "classify", "kind": "background", "action": "classify",
                 "outputs_to_case": {"category": "category"}}]},
            {"id": "end", "kind": "end"},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "triage"},
                  {"id": "e2", "source": "triage", "target": "end"}],
    })  # fmt: skip
    case_id, run_id = _start(db, "auto")
    worker = Worker(Settings(worker_threads=1), db, get_action=lookup_with(Classify()))
    worker.drain(now=T0)
    with session_scope(db) as s:
        assert services.get_run(s, run_id=run_id).status == "completed"
        case = services.get_case(s, case_id=case_id)
        # Only the mapped output: 'score' shares a case field's name but is not mapped.
        assert case.fields == {"subject": "Login", "category": "billing"}
        changes = services.list_case_changes(s, case_id=case_id)
        assert [(c.field, c.actor) for c in changes if c.field == "category"] == [
            ("category", "step:classify")
        ]


def test_a_what_if_simulation_writes_answers_and_outputs_as_a_run_does() -> None:
    from graphs.model import Workflow
    from runtime.engine import compile_workflow
    from runtime.engine.simulate import simulate

    definition = compile_workflow(Workflow.model_validate(tutorial()))
    # First attempt not resolved, the second resolved: one loop, then the end.
    result = simulate(
        definition,
        {"subject": "Login"},
        outputs={"work": [{"resolved": False}, {"resolved": True}]},
    )
    assert result.path == ["start", "agent_work", "is_resolved", "agent_work", "is_resolved", "end"]
    assert result.state.case["resolved"] is True
