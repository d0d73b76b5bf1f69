"""``baton ai``: train from resolved cases, list versions, set a budget, read the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import col, update

from designer.cli import cli
from runtime import services
from runtime.db import make_engine, session_scope
from runtime.demo.ai_training import support_history
from runtime.store import migrate
from runtime.store.tables import RunRow
from tests.runtime.runtime_flows import T0, install_workflow

FLOW = {
    "id": "wf", "name": "wf",
    "nodes": [{"id": "start", "kind": "start"},
              {"id": "s", "kind": "stage", "steps": [{"id": "t", "kind": "interactive"}]},
              {"id": "end", "kind": "end"}],
    "edges": [{"id": "e1", "source": "start", "target": "s"},
              {"id": "e2", "source": "s", "target": "end"}],
}  # fmt: skip


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'baton.db'}"
    monkeypatch.setenv("BATON_DATABASE_URL", url)
    engine = make_engine(url)
    migrate(engine)
    texts, labels = support_history(40, seed=3, noise=0.0)
    with session_scope(engine) as s:
        install_workflow(s, FLOW)
        for text, label in zip(texts, labels, strict=True):
            case = services.create_case(
                s, fields={"subject": text, "category": label}, actor="t", now=T0
            )
            services.start_run(s, workflow_id="wf", case_id=case.id, actor="t", now=T0)
        s.exec(update(RunRow).where(col(RunRow.workflow_id) == "wf").values(status="completed"))
    engine.dispose()
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["ai", *args])


def test_train_list_budget_and_metrics(database: str) -> None:
    trained = run("train", "--workflow", "wf", "--field", "category", "--json")
    assert trained.exit_code == 0, trained.output
    figures = json.loads(trained.output)
    assert (figures["version"], figures["cases_used"], figures["held_out"]) == (1, 40, 8)
    assert "wf.category v1: 40 cases" in run("models", "--workflow", "wf").output
    budget = run("budget", "--workflow", "wf", "--calls", "100")
    assert json.loads(budget.output) == {"workflow_id": "wf", "max_calls": 100, "max_cost": None}
    assert json.loads(run("budget", "--workflow", "wf", "--lift").output)["max_calls"] is None
    assert run("metrics").output.strip() == "No AI calls yet."


def test_training_a_field_no_case_has_says_why(database: str) -> None:
    refused = run("train", "--workflow", "wf", "--field", "priority")
    assert refused.exit_code == 1
    assert "cannot train wf.priority: 0 labelled cases; at least 10 are needed" in refused.output
