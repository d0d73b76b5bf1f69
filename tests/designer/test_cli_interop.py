"""``baton import`` and ``baton export``: what they write, and their exit codes (0 imported,
1 nothing to import, 2 unreadable input), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from designer.cli import cli
from graphs.examples import example_paths, load_example
from graphs.interop.salesforce import export_orchestration
from graphs.io import load_workflow

CORPUS = Path(__file__).parents[1] / "graphs" / "interop" / "corpus" / "salesforce"
ORCHESTRATION = str(CORPUS / "Purchase_Approval_Orchestration.flow-meta.xml")
SUPPORT_CASE = str(example_paths()["support-case"])


def run(*args: str, stdin: bytes | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_an_orchestration_imports_with_its_report_on_standard_error() -> None:
    result = run("import", ORCHESTRATION)
    assert result.exit_code == 0
    workflow = load_workflow(result.stdout.encode())
    assert workflow.id == "purchase-approval"
    assert "Place_Order (needs action)" in result.stderr
    assert (
        "imported from salesforce as 'purchase-approval': 11 reported element(s)" in result.stderr
    )


def test_json_is_one_object_with_workflow_report_and_problems(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run("import", ORCHESTRATION, "--json", "-o", str(out))
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert {"workflow", "report", "problems"} <= set(document)
    assert document["format"] == "salesforce"
    item = next(i for i in document["report"] if i["element_id"] == "Place_Order")
    assert item == {
        "element_id": "Place_Order",
        "element_type": "stageSteps (stepMuleSoft)",
        "kind": "needs_action",
        "reason": item["reason"],
        "baton_id": "Order/Place_Order",
    }
    assert [p["code"] for p in document["problems"]] == ["unassigned_step"]


def test_the_format_is_detected_or_forced(tmp_path: Path) -> None:
    xml = tmp_path / "support.flow-meta.xml"
    xml.write_text(export_orchestration(load_example("support-case")))
    assert json.loads(run("import", str(xml), "--json").stdout)["format"] == "salesforce"
    forced = run("import", str(xml), "--format", "baton")
    assert forced.exit_code == 2
    assert "malformed_json" in forced.stderr


def test_a_document_of_another_kind_exits_1_saying_what_it_is() -> None:
    result = run("import", str(CORPUS / "Case_Screen_Flow.flow-meta.xml"))
    assert result.exit_code == 1
    assert "a screen flow (processType Flow)" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"<Flow>\n  <label>x</labl>\n</Flow>", "line 2, column 13"),
        (b'<!DOCTYPE Flow [<!ENTITY x "y">]><Flow>&x;</Flow>', "unsafe_xml"),
        (b'{"id": "w", ', "malformed_json"),
    ],
)
def test_unreadable_input_exits_2_with_a_located_message(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    result = run("import", str(path))
    assert result.exit_code == 2
    assert says in result.stderr


def test_a_missing_file_exits_2() -> None:
    result = run("import", "no-such-file.bpmn")
    assert result.exit_code == 2
    assert "no-such-file.bpmn" in result.stderr


def test_standard_input_is_read_for_a_dash() -> None:
    result = run("import", "-", stdin=Path(ORCHESTRATION).read_bytes())
    assert result.exit_code == 0
    assert load_workflow(result.stdout.encode()).name == "Purchase Approval"


def test_export_writes_an_orchestration_that_imports_back(tmp_path: Path) -> None:
    out = tmp_path / "support.flow-meta.xml"
    result = run("export", SUPPORT_CASE, "--format", "salesforce", "-o", str(out))
    assert result.exit_code == 0
    back = run("import", str(out))
    assert back.exit_code == 0
    assert load_workflow(back.stdout.encode()) == load_example("support-case")


def test_export_of_an_invalid_workflow_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "w"}')
    result = run("export", str(path), "--format", "salesforce")
    assert result.exit_code == 2
    assert "name" in result.stderr


def test_export_needs_a_format() -> None:
    result = run("export", SUPPORT_CASE)
    assert result.exit_code == 2
    assert "--format" in result.output
