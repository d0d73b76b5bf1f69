"""``baton migrate``: the impact with --dry-run, the move, and refusals naming what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from runtime_flows import T0, install_workflow

from designer.cli import cli
from runtime import services
from runtime.db import make_engine, session_scope
from runtime.store import migrate


def flow(stage: str) -> dict[str, Any]:
    return {
        "id": "wf", "name": "wf",
        "nodes": [{"id": "start", "kind": "start"},
                  {"id": stage, "kind": "stage", "steps": [{"id": "t", "kind": "interactive"}]},
                  {"id": "end", "kind": "end"}],
        "edges": [{"id": "e1", "source": "start", "target": stage},
                  {"id": "e2", "source": stage, "target": "end"}],
    }  # fmt: skip


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'baton.db'}"
    monkeypatch.setenv("BATON_DATABASE_URL", url)
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as s:
        install_workflow(s, flow("s"), version=1)
        for n in range(2):
            case = services.create_case(s, fields={"n": n}, actor="t", now=T0)
            services.start_run(s, workflow_id="wf", case_id=case.id, actor="t", now=T0)
    with session_scope(engine) as s:
        install_workflow(s, flow("s2"), version=2)
    engine.dispose()
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["migrate", "wf", "--from", "1", "--to", "2", *args])


def test_dry_run_prints_the_impact_and_moves_nothing(database: str) -> None:
    without = run("--dry-run")
    assert without.exit_code == 0, without.output
    assert "2 unfinished run(s), 0 can move, 2 cannot" in without.output
    assert "node_gone" in without.output
    mapped = run("--dry-run", "--map", "s=s2", "--json")
    impact = json.loads(mapped.output)
    assert (impact["movable"], impact["target_nodes"]) == (2, {"s2": 2})
    assert run("--dry-run", "--map", "s=s2").output.count("can move") == 1


def test_the_move_and_its_second_run_finding_nothing(database: str) -> None:
    moved = run("--map", "s=s2", "--reason", "renamed", "--json")
    assert moved.exit_code == 0, moved.output
    out = json.loads(moved.output)
    assert (out["status"], out["moved"], out["unmapped"], out["started_by"]) == (
        "done", 2, 0, "baton:cli",
    )  # fmt: skip
    again = run("--map", "s=s2", "--reason", "renamed")
    assert "0 run(s) moved to v2" in again.output


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--map", "s"], 2, "'s' is not OLD=NEW"),
        (["--map", "s=s2"], 2, "a move needs --reason"),
        (["--map", "x=s2", "--dry-run"], 1, "'x' is no node or step of version 1"),
        (["--dry-run", "--to", "1"], 1, "both 1"),
    ],
)
def test_refusals_name_what_is_wrong(database: str, args: list[str], code: int, said: str) -> None:
    result = run(*args)
    assert result.exit_code == code
    assert said in result.output
