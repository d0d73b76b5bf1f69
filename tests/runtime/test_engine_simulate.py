"""The in-memory simulator and ``baton simulate`` on the shipped support-case workflow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from engine_helpers import bg, linear, rule, stage, ui

from designer.cli import cli
from graphs.examples import load_example
from runtime.engine import compile_workflow, identity_of, replay
from runtime.engine.definition import CompiledWorkflow
from runtime.engine.simulate import simulate
from runtime.engine.types import RunStatus

CASE = {
    "subject": "Portal login fails",
    "priority": "normal",
    "account_tier": "standard",
    "contact_email": "ann@example.com",
    "created_at": "2026-01-05T09:00:00Z",
}


@pytest.fixture(scope="module")
def support() -> CompiledWorkflow:
    return compile_workflow(load_example("support-case"))


def test_a_normal_case_takes_the_standard_path_to_resolution(support: CompiledWorkflow) -> None:
    result = simulate(
        support,
        CASE,
        outputs={
            "request_missing_fields": {"contact_email": "ann@example.com", "product": "api"},
            "work_case": {"resolution_code": "fixed"},
        },
    )
    assert result.state.status is RunStatus.COMPLETED and result.state.resolution == "resolved"
    assert result.path == [
        "start", "intake", "is_valid", "triage", "priority", "routing", "execution",
        "is_resolved", "resolution", "resolved",
    ]  # fmt: skip
    assert [d["outcome"] for d in result.decisions] == ["genuine", "standard", "resolved"]
    assert result.state.case["resolution_code"] == "fixed", "set_fields wrote the case"
    assert replay(support, identity_of(result.state), result.events) == result.state


def test_an_urgent_case_is_expedited_and_rework_loops_once(support: CompiledWorkflow) -> None:
    result = simulate(
        support,
        {**CASE, "priority": "urgent"},
        outputs={
            "work_case": [{"resolution_code": "needs_more_work"}, {"resolution_code": "fixed"}]
        },
    )
    assert "expedite" in result.path
    assert result.path.count("execution") == 2
    rework = result.decisions[2]
    assert rework["outcome"] == "rework" and "needs_more_work" in rework["reason"]


def test_failures_in_the_outputs_drive_retries_and_incidents() -> None:
    d = compile_workflow(linear(stage("work", bg("call", retry={"max_attempts": 2}))))
    retried = simulate(d, {}, outputs={"call": [{"$fail": "HTTP 503"}, {"ok": True}]})
    assert retried.state.status is RunStatus.COMPLETED
    assert retried.state.step_outputs["call"] == {"ok": True}
    failed = simulate(d, {}, outputs={"call": {"$fail": "HTTP 503"}})
    assert failed.state.status is RunStatus.INCIDENT
    assert failed.stopped.startswith("incident step_failed")


def test_delays_let_sla_timers_fire_and_updates_arrive_on_time() -> None:
    d = compile_workflow(
        linear(stage("work", ui("review"), sla={"target_minutes": 60, "warning_minutes": 30}))
    )
    late = simulate(d, {}, outputs={"review": {"$after_minutes": 90}})
    kinds = [e.kind for e in late.log]
    assert kinds.index("sla.at_risk") < kinds.index("sla.breached") < kinds.index("step.completed")
    waiting = compile_workflow(
        linear(
            stage(
                "work",
                bg("a"),
                entry_condition=rule("case.ok", "eq", True),
            )
        )
    )
    never = simulate(waiting, {"ok": False})
    assert never.state.status is RunStatus.RUNNING and "nothing left" in never.stopped
    opened = simulate(waiting, {"ok": False}, updates=[(45, {"ok": True})])
    assert opened.state.status is RunStatus.COMPLETED
    assert opened.state.finished_at is not None
    assert (opened.state.finished_at - opened.state.started_at).total_seconds() == 45 * 60  # type: ignore[operator]


def _files(tmp_path: Path, **docs: object) -> dict[str, str]:
    paths = {}
    for name, doc in docs.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths[name] = str(path)
    return paths


def test_baton_simulate_prints_the_path_and_the_reasons(tmp_path: Path) -> None:
    workflow = Path(__file__).resolve().parents[2] / "graphs" / "examples" / "support-case.json"
    f = _files(
        tmp_path,
        case={**CASE, "priority": "urgent"},
        outputs={"work_case": {"resolution_code": "fixed"}},
    )
    result = CliRunner().invoke(
        cli, ["simulate", str(workflow), "--case", f["case"], "--outputs", f["outputs"]]
    )
    assert result.exit_code == 0, result.output
    assert (
        "decision: Urgent (urgent) because case.priority eq 'urgent' (saw 'urgent')"
        in result.output
    )
    assert "path: start -> intake -> is_valid -> triage -> priority -> expedite" in result.output
    assert "stopped: completed at resolved (resolved)" in result.output

    as_json = CliRunner().invoke(
        cli, ["simulate", str(workflow), "--case", f["case"], "--outputs", f["outputs"], "--json"]
    )
    data = json.loads(as_json.output)
    assert data["status"] == "completed" and data["path"][-1] == "resolved"
    assert [d["outcome"] for d in data["decisions"]] == ["genuine", "urgent", "resolved"]


def test_baton_simulate_names_bad_input(tmp_path: Path) -> None:
    workflow = Path(__file__).resolve().parents[2] / "graphs" / "examples" / "support-case.json"
    f = _files(tmp_path, case=["not", "an", "object"], outputs={"work_case": 3})
    bad_case = CliRunner().invoke(cli, ["simulate", str(workflow), "--case", f["case"]])
    assert bad_case.exit_code == 1 and "must hold a JSON object" in bad_case.output
    (tmp_path / "ok.json").write_text("{}", encoding="utf-8")
    bad_outputs = CliRunner().invoke(
        cli,
        ["simulate", str(workflow), "--case", str(tmp_path / "ok.json"), "--outputs", f["outputs"]],
    )
    assert "outputs for step 'work_case'" in bad_outputs.output
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    broken = CliRunner().invoke(
        cli, ["simulate", str(workflow), "--case", str(tmp_path / "broken.json")]
    )
    assert broken.exit_code == 1 and "is not JSON" in broken.output
    missing = CliRunner().invoke(
        cli, ["simulate", str(tmp_path / "nope.json"), "--case", f["case"]]
    )
    assert missing.exit_code == 1 and "nope.json" in missing.output


def test_baton_simulate_refuses_an_invalid_workflow(tmp_path: Path) -> None:
    wf = linear(stage("work", ui("review")))
    doc = wf.model_dump(mode="json")
    doc["edges"] = doc["edges"][:1]  # the stage leads nowhere and the end is unreachable
    f = _files(tmp_path, wf=doc, case={})
    result = CliRunner().invoke(cli, ["simulate", f["wf"], "--case", f["case"]])
    assert result.exit_code == 1 and "the workflow is not valid" in result.output
