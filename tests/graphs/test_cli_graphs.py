"""The ``baton validate``, ``baton schema`` and ``baton examples`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from designer.cli import cli
from graphs.examples import example_paths, example_text

EXAMPLES = [str(path) for path in example_paths().values()]


def run(*args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    # Exit codes come from the command, never from an exception escaping it.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def support_case() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(example_text("support-case"))
    return document


@pytest.fixture
def dangling(tmp_path: Path) -> str:
    document = support_case()
    document["edges"][0]["target"] = "nowhere"
    return write(tmp_path, "dangling.json", document)


@pytest.fixture
def warnings_only(tmp_path: Path) -> str:
    document = support_case()
    routing = next(node for node in document["nodes"] if node["id"] == "routing")
    del routing["owner"]
    routing["steps"][0]["assignment"] = {}
    return write(tmp_path, "unassigned.json", document)


def test_validate_passes_the_shipped_examples() -> None:
    result = run("validate", *EXAMPLES)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    # Checked against the installed actions: no errors. support-case's conditions read
    # fields that only come from outside (sentiment, account tier), which the data flow
    # says as warnings.
    assert [line for line in lines if ": error " in line] == []
    assert all(line.endswith(": ok") or ": warning [field_never_written]" in line
               for line in lines[:-1])  # fmt: skip
    assert lines[-1].startswith("3 files checked, 0 invalid: 0 errors, ")


def test_validate_locates_graph_problems_and_fails(dangling: str) -> None:
    result = run("validate", dangling, EXAMPLES[0])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith(f"{dangling}: error [dangling_edge] edge start--intake (edges[0]): ")
        and "nowhere" in line
        for line in lines
    ), result.output
    assert f"{EXAMPLES[0]}: ok" in lines
    assert lines[-1].startswith("2 files checked, 1 invalid: ")


def test_warnings_alone_pass_unless_strict(warnings_only: str) -> None:
    relaxed = run("validate", warnings_only)
    assert relaxed.exit_code == 0
    assert f"{warnings_only}: warning [unassigned_step] node routing, step accept_case" in (
        relaxed.output
    )
    assert relaxed.output.splitlines()[-1].endswith(" 0 errors, 5 warnings")  # 4 data flow
    assert run("validate", "--strict", warnings_only).exit_code == 1


def test_validate_reports_malformed_json_by_line_and_column(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", '{"id": "w",\n  "name": "W",\n  "nodes": [,]}')
    result = run("validate", bad)
    assert result.exit_code == 1
    assert f"{bad}: error [malformed_json] line 3, column 13: Expecting value" in result.output


def test_validate_reports_model_errors_by_path(tmp_path: Path) -> None:
    document = support_case()
    document["nodes"][1]["steps"][0]["kind"] = "robot"
    document["nodes"][1]["sla"]["target_minutes"] = "two hours"
    bad = write(tmp_path, "bad.json", document)
    result = run("validate", bad)
    assert result.exit_code == 1
    assert (
        f"{bad}: error [invalid_workflow] nodes[1].steps[0].kind "
        "(node 'intake', step 'record_context'): unknown kind 'robot'"
    ) in result.output
    assert "nodes[1].sla.target_minutes (node 'intake'): expected a number" in result.output
    assert result.output.splitlines()[-1] == "1 file checked, 1 invalid: 2 errors, 0 warnings"


def test_validate_says_when_a_file_is_not_a_workflow_or_missing(tmp_path: Path) -> None:
    listing = write(tmp_path, "list.json", "[1, 2, 3]")
    missing = str(tmp_path / "missing.json")
    result = run("validate", listing, missing)
    assert result.exit_code == 1
    assert f"{listing}: error [not_a_workflow] expected a JSON object" in result.output
    assert f"{missing}: error [unreadable_document] cannot read" in result.output


def test_validate_reads_standard_input() -> None:
    assert run("validate", "-", stdin=example_text("access-request")).exit_code == 0
    assert run("validate", "-", stdin="{").exit_code == 1


def test_validate_needs_a_file() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument 'FILE...'" in result.output


def test_validate_json_output(dangling: str, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", '{"id": ')
    result = run("validate", "--json", EXAMPLES[0], dangling, bad)
    assert result.exit_code == 1
    ok, invalid, unreadable = json.loads(result.output)
    assert ok == {"file": EXAMPLES[0], "valid": True, "errors": 0, "warnings": 0, "problems": []}
    assert invalid["valid"] is False and invalid["errors"] >= 1
    problem = next(p for p in invalid["problems"] if p["code"] == "dangling_edge")
    assert problem["severity"] == "error"
    assert problem["edge_id"] == "start--intake"
    assert problem["path"] == "edges[0]"
    assert unreadable["valid"] is False
    assert unreadable["error"]["error"] == "malformed_json"
    assert unreadable["error"]["issues"][0] == {
        "message": "Expecting value",
        "line": 1,
        "column": 8,
    }


def test_validate_json_output_succeeds_for_valid_files() -> None:
    result = run("validate", "--json", *EXAMPLES)
    assert result.exit_code == 0
    assert [entry["valid"] for entry in json.loads(result.output)] == [True, True, True]


def test_schema_prints_the_json_schema() -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Baton workflow"
    assert schema["required"] == ["id", "name"]
    assert "kind" in schema["$defs"]["StageNode"]["required"]
    assert schema["properties"]["nodes"]["items"]["discriminator"]["propertyName"] == "kind"


def test_examples_lists_every_example_with_its_status() -> None:
    result = run("examples")
    assert result.exit_code == 0
    header, *rows = result.output.splitlines()
    assert header.split() == ["name", "title", "nodes", "stages", "steps", "edges", "status"]
    assert [row.split()[0] for row in rows] == [
        "access-request",
        "insurance-claim",
        "support-case",
    ]
    assert all(row.endswith(("valid", "warnings")) for row in rows)


def test_examples_as_json_and_one_example_printed() -> None:
    listed = json.loads(run("examples", "--json").output)
    support = next(row for row in listed if row["name"] == "support-case")
    assert support["status"] == "4 warnings" and support["stages"] == 7
    printed = run("examples", "support-case")
    assert printed.exit_code == 0
    assert printed.output == example_text("support-case")


def test_examples_refuses_an_unknown_name() -> None:
    result = CliRunner().invoke(cli, ["examples", "payroll"])
    assert result.exit_code == 2
    assert "no example called 'payroll'" in result.output
