"""Real BPMN files written by others import as their expected reports say, and never crash.

Every ``corpus/bpmn/**/NAME.bpmn`` (sources and licences in ``corpus/bpmn/LICENSES.md``)
has a ``NAME.expected.json``: the node and step counts of the workflow, every reported
element (id, type, kind) and the validation problems by code, or the error a broken file
gets. After a deliberate change to the mapping, rewrite them with
``PYTHONPATH=. .venv/bin/python tests/graphs/interop/test_bpmn_corpus.py`` and review the
diff.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graphs.errors import WorkflowFormatError
from graphs.interop import ImportResult, ReportKind, import_document
from graphs.model import DecisionNode, InteractiveStep, StageNode

CORPUS = Path(__file__).parent / "corpus" / "bpmn"
FILES = sorted(CORPUS.rglob("*.bpmn"))


def summary(path: Path) -> dict[str, Any]:
    """What importing ``path`` gives, in the shape of an expected file."""
    try:
        result = import_document(path.read_bytes())
    except WorkflowFormatError as exc:
        return {"error": exc.code, "message": str(exc)}
    workflow = result.workflow
    stages = [n for n in workflow.nodes if isinstance(n, StageNode)]
    return {
        "nodes": dict(sorted(Counter(n.kind for n in workflow.nodes).items())),
        "steps": sum(len(stage.steps) for stage in stages),
        "edges": len(workflow.edges),
        "report": [f"{i.element_id} {i.element_type} {i.kind.value}" for i in result.report],
        "problems": dict(sorted(Counter(p.code.value for p in result.problems).items())),
    }


def expected_path(path: Path) -> Path:
    return path.with_suffix(".expected.json")


def imported(name: str) -> ImportResult:
    return import_document((CORPUS / name).read_bytes())


def test_the_corpus_is_large_and_licensed() -> None:
    licences = (CORPUS / "LICENSES.md").read_text()
    assert len(FILES) >= 40
    for path in FILES:
        assert f"`{path.relative_to(CORPUS).as_posix()}`" in licences, path.name


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CORPUS).as_posix() for p in FILES])
def test_each_file_imports_as_expected(path: Path) -> None:
    expected = json.loads(expected_path(path).read_text())
    assert summary(path) == expected


def test_every_element_that_does_not_map_is_reported_with_a_reason() -> None:
    for path in FILES:
        try:
            result = import_document(path.read_bytes())
        except WorkflowFormatError:
            continue
        for item in result.report:
            assert item.element_id and item.element_type and len(item.reason) > 20, item


def test_lanes_become_queues_and_camunda_form_fields_become_the_form() -> None:
    result = imported("spiffworkflow/lanes.bpmn")
    steps = {s.id: s for n in result.workflow.nodes if isinstance(n, StageNode) for s in n.steps}
    request = steps["Activity_A1"]
    assert isinstance(request, InteractiveStep)
    assert request.assignment.queue == "a"
    assert [f.name for f in request.form] == ["NewBPMNFeautre"]
    assert steps["Activity_1uksrqx"].after == ["Implement_Feature"]


def test_juel_conditions_translate_and_the_default_is_found() -> None:
    result = imported("camunda-bpm-examples/invokeRestService.bpmn")
    decision = next(n for n in result.workflow.nodes if isinstance(n, DecisionNode))
    rules = [(r.field, r.op.value, r.value)
             for o in decision.outcomes if o.condition for r in o.condition.rules]
    assert rules == [("case.isHoliday", "eq", True)]
    assert decision.default_outcome is not None


def test_a_service_task_keeps_its_implementation_and_needs_an_action() -> None:
    result = imported("camunda-bpm-examples/TwitterDemoProcess.bpmn")
    step = next(s for n in result.workflow.nodes if isinstance(n, StageNode) for s in n.steps
                if s.id == "service_task_publish_on_twitter")
    assert step.kind == "background" and step.action == "bpmn.serviceTask"
    assert step.inputs["bpmn_type"].value == "serviceTask"
    assert step.inputs["delegateExpression"].value == "#{tweetAdapter}"
    kinds = {i.element_id: i.kind for i in result.report}
    assert kinds["service_task_publish_on_twitter"] is ReportKind.NEEDS_ACTION


def test_a_document_of_seventeen_pools_imports_one_and_reports_the_others() -> None:
    result = imported("bpmn-js/complex.bpmn")
    left_out = [i for i in result.report if i.element_type == "bpmn:process"]
    assert left_out and all(i.kind is ReportKind.NOT_IMPORTED for i in left_out)
    assert result.workflow.nodes


def test_broken_files_of_the_corpus_say_why() -> None:
    assert summary(CORPUS / "bpmn-js" / "events.bpmn")["error"] == "malformed_xml"
    assert "line 131" in summary(CORPUS / "bpmn-js" / "events.bpmn")["message"]
    assert summary(CORPUS / "bpmn-js" / "conditional-flow.bpmn")["error"] == "nothing_to_import"


if __name__ == "__main__":
    for corpus_file in FILES:
        text = json.dumps(summary(corpus_file), indent=1) + "\n"
        expected_path(corpus_file).write_text(text)
        print(f"wrote {expected_path(corpus_file).relative_to(CORPUS)}", file=sys.stderr)
