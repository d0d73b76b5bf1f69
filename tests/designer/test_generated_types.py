"""The canvas's generated TypeScript matches the Python models it is generated from.

frontend/schema holds the dumps of ``baton schema`` and ``baton openapi``, and
frontend/src/generated the TypeScript made from them; both are committed, so a change
to a pydantic model that is not carried over (``make types``) fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from designer.cli import cli
from designer.cli.contract_cmds import openapi_of_fresh_app
from graphs.schema import workflow_json_schema

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
STALE = "is stale: run `make types` and commit the result"


def _dumped(name: str) -> object:
    return json.loads((FRONTEND / "schema" / name).read_text(encoding="utf-8"))


def test_the_workflow_schema_dump_is_current() -> None:
    dumped = _dumped("workflow.schema.json")
    assert dumped == workflow_json_schema(), f"workflow.schema.json {STALE}"


def test_the_openapi_dump_is_current() -> None:
    assert _dumped("openapi.json") == openapi_of_fresh_app(), f"openapi.json {STALE}"


def test_baton_openapi_prints_the_document_make_types_dumps() -> None:
    printed = CliRunner().invoke(cli, ["openapi"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == _dumped("openapi.json")


def test_the_generated_typescript_is_current(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (FRONTEND / "node_modules" / "openapi-typescript").is_dir():
        pytest.skip("the frontend's packages are not installed (make install)")
    done = subprocess.run(
        [node, "scripts/generate-types.mjs", "--out", str(tmp_path)],
        cwd=FRONTEND, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for made in sorted(tmp_path.glob("*.ts")):
        committed = FRONTEND / "src" / "generated" / made.name
        assert committed.read_text(encoding="utf-8") == made.read_text(encoding="utf-8"), (
            f"frontend/src/generated/{made.name} {STALE}"
        )
    assert sorted(path.name for path in tmp_path.glob("*.ts")) == ["api.ts", "workflow.ts"]


def test_the_canvas_model_reads_its_vocabulary_from_the_generated_types() -> None:
    # The hand-written model names the generated types; it no longer spells out literals.
    model = (FRONTEND / "src" / "model" / "types.ts").read_text(encoding="utf-8")
    assert 'from "../generated/workflow"' in model
    assert '"round_robin"' not in model and '"date-time"' not in model


def test_the_api_types_name_the_workflow_types_instead_of_declaring_them_again() -> None:
    # The API document holds the workflow document's models twice (pydantic's request and
    # response forms); the generated API types refer to workflow.ts, their one owner.
    api = (FRONTEND / "src" / "generated" / "api.ts").read_text(encoding="utf-8")
    assert 'import type * as Doc from "./workflow";' in api
    assert '"Workflow-Input": Doc.components["schemas"]["Workflow"];' in api
    assert '"FormField-Output": Required<Doc.components["schemas"]["FormField"]>;' in api
    assert '"FormField-Output": {' not in api
