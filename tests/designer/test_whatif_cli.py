"""``baton whatif``: a draft tested on recorded cases from a terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from whatif_cases import SUPPORT, install_support, record_support_cases

from designer.cli import cli
from runtime.db import make_engine
from runtime.store import migrate


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'baton.db'}"
    monkeypatch.setenv("BATON_DATABASE_URL", url)
    engine = make_engine(url)
    migrate(engine)
    install_support(engine)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    record_support_cases(engine, tmp_path, count=4, start=start)
    engine.dispose()
    return url


def _draft_file(tmp_path: Path, *, urgent_only: bool) -> str:
    document = SUPPORT.model_dump(mode="json")
    if urgent_only:
        priority = next(n for n in document["nodes"] if n["id"] == "priority")
        urgent = priority["outcomes"][0]["condition"]
        urgent["rules"] = urgent["rules"][:1]
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["whatif", *args])


def test_the_figures_side_by_side_and_as_json(database: str, tmp_path: Path) -> None:
    draft = _draft_file(tmp_path, urgent_only=True)
    shown = run(draft, "--workflow", "support-case")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert "4 recorded case(s)" in lines[0]
    urgent = next(line for line in lines if line.strip().startswith("priority--urgent"))
    assert urgent.split() == ["priority--urgent", "50%", "-", "*"]
    assert "changes: changed_nodes priority" in shown.output
    assert "case-0 (path_changed): after 'priority'" in shown.output

    as_json = run(draft, "--workflow", "support-case", "--days", "30", "--json")
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    assert (body["cases"], body["draft"]["path_changed"]) == (4, 2)

    cases = tmp_path / "cases.txt"
    cases.write_text("case-1\ncase-3\n", encoding="utf-8")
    chosen = run(draft, "--workflow", "support-case", "--cases", str(cases), "--json")
    assert json.loads(chosen.output)["cases"] == 2


def test_refusals_say_what_is_wrong(database: str, tmp_path: Path) -> None:
    draft = _draft_file(tmp_path, urgent_only=False)
    unknown = run(draft, "--workflow", "nope")
    assert unknown.exit_code == 1 and "There is no workflow with id 'nope'" in unknown.output
    both = run(draft, "--workflow", "support-case", "--days", "3", "--cases", draft)
    assert both.exit_code == 2 and "either --days or --cases" in both.output
    cases = tmp_path / "cases.json"
    cases.write_text('["case-9"]', encoding="utf-8")
    missing = run(draft, "--workflow", "support-case", "--cases", str(cases))
    assert missing.exit_code == 1 and "'case-9'" in missing.output
    broken = json.loads(Path(draft).read_text(encoding="utf-8"))
    broken["edges"] = [e for e in broken["edges"] if e["id"] != "routing--execution"]
    Path(draft).write_text(json.dumps(broken), encoding="utf-8")
    invalid = run(draft, "--workflow", "support-case")
    assert invalid.exit_code == 1 and "the draft is not valid" in invalid.output
    assert "routing" in invalid.output
