"""Loading and dumping workflow documents: located errors for bad input, exact round trips."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphs.errors import (
    DocumentTooLarge,
    GraphError,
    MalformedJSONError,
    NotAWorkflowError,
    UnreadableDocumentError,
    UnsupportedSchemaVersion,
    WorkflowFormatError,
)
from graphs.generate import generate_workflow
from graphs.io import MAX_DOCUMENT_BYTES, dump_workflow, load_workflow, workflow_to_document
from graphs.model import Edge, EndNode, Position, StartNode, Workflow


def small_document() -> dict[str, Any]:
    """A valid three-node workflow as plain JSON data."""
    return {
        "id": "tiny",
        "name": "Tiny",
        "case_schema": [{"name": "amount", "type": "number"}],
        "nodes": [
            {"id": "start", "kind": "start", "position": {"x": 0, "y": 0}},
            {
                "id": "work",
                "kind": "stage",
                "owner": "team",
                "sla": {"target_minutes": 60},
                "steps": [
                    {"id": "tell", "kind": "background", "action": "notify",
                     "inputs": {"to": {"value": "a@example.com"}}},
                    {"id": "check", "kind": "interactive", "after": ["tell"],
                     "assignment": {"queue": "q"}},
                ],
            },
            {"id": "done", "kind": "end", "position": {"x": 640, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "done"},
        ],
    }  # fmt: skip


def format_error(source: Any, **kwargs: Any) -> WorkflowFormatError:
    with pytest.raises(WorkflowFormatError) as caught:
        load_workflow(source, **kwargs)
    return caught.value


def only_issue(error: WorkflowFormatError) -> tuple[str | None, str]:
    assert len(error.issues) == 1, error.issues
    return error.issues[0].path, error.issues[0].message


# ------------------------------------------------------------------------ good input


def test_loads_text_bytes_files_and_mappings_alike(tmp_path: Path) -> None:
    document = small_document()
    text = json.dumps(document)
    path = tmp_path / "tiny.json"
    path.write_text(text, encoding="utf-8")
    loaded = [load_workflow(text), load_workflow(text.encode()), load_workflow(path)]
    assert all(workflow == load_workflow(document) for workflow in loaded)
    assert loaded[0].node("work").position == Position()


def test_a_byte_order_mark_is_accepted() -> None:
    assert load_workflow(b"\xef\xbb\xbf" + json.dumps(small_document()).encode()).id == "tiny"


# ------------------------------------------------------------------- malformed JSON


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        # A missing comma is noticed where the next key starts.
        ('{\n  "id": "w",\n  "name": "W"\n  "nodes": []\n}', 4, 3),
        ('{\n  "id": "w",\n  "nodes": [1, 2,]\n}', 3, 18),  # trailing comma
        ('{"id": "w", "name": "unterminated}', 1, 21),
        ("", 1, 1),
    ],
)
def test_malformed_json_names_line_and_column(text: str, line: int, column: int) -> None:
    error = format_error(text)
    assert isinstance(error, MalformedJSONError)
    issue = error.issues[0]
    assert (issue.line, issue.column) == (line, column)
    assert f"line {line}, column {column}" in str(error)


def test_invalid_utf8_is_located() -> None:
    error = format_error(b'{"id": "w",\n "name": "caf\xe9"}')
    assert isinstance(error, MalformedJSONError)
    assert (error.issues[0].line, error.issues[0].column) == (2, 14)
    assert "not UTF-8" in str(error)


def test_duplicate_keys_are_refused_rather_than_silently_dropped() -> None:
    error = format_error('{"id": "w", "name": "A", "name": "B", "nodes": []}')
    assert isinstance(error, MalformedJSONError)
    assert "duplicate key 'name'" in str(error)


def test_nan_is_not_json() -> None:
    text = json.dumps(small_document()).replace('"x": 640', '"x": NaN')
    assert "NaN is not a JSON value" in str(format_error(text))


# ------------------------------------------------------------- shape of the model


def test_unknown_field_names_its_path_and_suggests_the_intended_one() -> None:
    document = small_document()
    document["nodes"][1]["steps"][1]["entry_conditon"] = None
    error = format_error(document)
    path, message = only_issue(error)
    assert path == "nodes[1].steps[1].entry_conditon"
    assert message == "unknown field (did you mean 'entry_condition'?)"
    assert error.issues[0].where == "node 'work', step 'check'"
    assert "nodes[1].steps[1].entry_conditon (node 'work', step 'check')" in str(error)


def test_wrong_type_names_path_expected_and_actual() -> None:
    document = small_document()
    document["nodes"][1]["sla"]["target_minutes"] = "60"
    path, message = only_issue(format_error(document))
    assert path == "nodes[1].sla.target_minutes"
    assert message == "expected a number, got the string '60'"


def test_wrong_enum_value_lists_the_allowed_ones() -> None:
    document = small_document()
    document["case_schema"][0]["type"] = "integer"
    path, message = only_issue(format_error(document))
    assert path == "case_schema[0].type"
    assert "'string', 'number', 'boolean', 'date-time' or 'picklist'" in message
    assert "got the string 'integer'" in message
    assert format_error(document).issues[0].where == "case field 'amount'"


@pytest.mark.parametrize(
    ("mutate", "expected_path"),
    [
        (lambda d: d["nodes"][2].pop("id"), "nodes[2].id"),
        (lambda d: d["nodes"][1]["steps"][0].pop("action"), "nodes[1].steps[0].action"),
        (lambda d: d["edges"][0].pop("target"), "edges[0].target"),
        (lambda d: d.pop("id"), "id"),
    ],
)
def test_missing_required_field_names_its_path(mutate: Any, expected_path: str) -> None:
    document = small_document()
    mutate(document)
    path, message = only_issue(format_error(document))
    assert (path, message) == (expected_path, "required field is missing")


def test_unknown_or_missing_kind_is_reported_on_the_kind_field() -> None:
    document = small_document()
    document["nodes"][1]["steps"][0]["kind"] = "robot"
    del document["nodes"][2]["kind"]
    error = format_error(document)
    assert [(issue.path, issue.message) for issue in error.issues] == [
        ("nodes[1].steps[0].kind", "unknown kind 'robot'; expected one of 'background', "
         "'interactive'"),
        ("nodes[2].kind", "required field is missing; it says what this element is: one of "
         "'start', 'stage', 'decision', 'end'"),
    ]  # fmt: skip


def test_errors_inside_conditions_skip_pydantic_union_tags_in_the_path() -> None:
    document = small_document()
    document["nodes"][1]["entry_condition"] = {
        "kind": "group",
        "rules": [{"kind": "group", "rules": [{"kind": "rule", "field": "case.amount"}]}],
    }
    path, message = only_issue(format_error(document))
    assert path == "nodes[1].entry_condition.rules[0].rules[0].op"
    assert message == "required field is missing"


def test_every_problem_is_reported_at_once() -> None:
    document = small_document()
    document["nodes"][1]["steps"][0]["timeout_seconds"] = "soon"
    document["edges"][1] = 5
    document["colour"] = "blue"
    error = format_error(document)
    assert {issue.path for issue in error.issues} == {
        "nodes[1].steps[0].timeout_seconds",
        "edges[1]",
        "colour",
    }
    assert "3 problems" in str(error)


def test_bad_identifiers_are_explained() -> None:
    document = small_document()
    document["nodes"][1]["id"] = "my stage"
    path, message = only_issue(format_error(document))
    assert path == "nodes[1].id"
    assert "'my stage' is not a valid id" in message


# ----------------------------------------------------------------- not a workflow


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1, 2]", "found a list"),
        ('"workflow"', "found the string 'workflow'"),
        ("42", "found the number 42"),
        ("null", "found null"),
        ('{"rows": [], "columns": 3}', "this one has the keys 'columns', 'rows'"),
        ("{}", "no keys at all"),
    ],
)
def test_json_that_is_not_a_workflow_says_so(text: str, said: str) -> None:
    error = format_error(text)
    assert isinstance(error, NotAWorkflowError)
    assert str(error).startswith("not a workflow: ")
    assert said in str(error)


# ----------------------------------------------------------------------- size limit


def test_oversized_text_is_refused_before_parsing() -> None:
    # Not even JSON: the size check must come first.
    error = format_error("x" * 2_000, max_bytes=1_000)
    assert isinstance(error, DocumentTooLarge)
    assert (error.size, error.limit) == (2_000, 1_000)
    assert "2,000 bytes; workflows may be at most 1,000 bytes" in str(error)


def test_size_counts_utf8_bytes_not_characters() -> None:
    document = small_document()
    document["description"] = "é" * 600  # 600 characters, 1,200 bytes
    text = json.dumps(document, ensure_ascii=False)
    assert len(text) < 1_600 < len(text.encode())
    assert isinstance(format_error(text, max_bytes=1_600), DocumentTooLarge)
    assert load_workflow(text, max_bytes=len(text.encode())).description == "é" * 600


def test_oversized_files_and_bytes_are_refused(tmp_path: Path) -> None:
    document = small_document()
    document["description"] = "x" * 5_000
    data = json.dumps(document).encode()
    path = tmp_path / "big.json"
    path.write_bytes(data)
    for source in (data, path):
        error = format_error(source, max_bytes=4_000)
        assert isinstance(error, DocumentTooLarge)
        assert (error.size, error.limit) == (len(data), 4_000)
    assert load_workflow(path, max_bytes=len(data)).description == "x" * 5_000


def test_the_default_limit_applies() -> None:
    # Whitespace is valid JSON padding, so only the limit can refuse this.
    padded = json.dumps(small_document()) + " " * MAX_DOCUMENT_BYTES
    error = format_error(padded.encode())
    assert isinstance(error, DocumentTooLarge) and error.limit == MAX_DOCUMENT_BYTES
    assert load_workflow(padded.encode(), max_bytes=len(padded)).id == "tiny"


# ------------------------------------------------------------------ other failures


@pytest.mark.parametrize("version", [99, -1, "1", True, 1.5])
def test_unsupported_schema_versions_are_refused(version: Any) -> None:
    document = small_document() | {"schema_version": version}
    error = format_error(document)
    assert isinstance(error, UnsupportedSchemaVersion)
    assert error.version == version
    assert error.issues[0].path == "schema_version"


def test_a_newer_schema_version_asks_for_a_newer_baton() -> None:
    error = format_error(small_document() | {"schema_version": 2})
    assert "newer than this Baton understands" in str(error)


def test_a_missing_file_is_a_located_format_error(tmp_path: Path) -> None:
    error = format_error(tmp_path / "nope.json")
    assert isinstance(error, UnreadableDocumentError)
    assert "nope.json" in str(error) and "No such file" in str(error)


def test_all_format_errors_share_the_package_base_and_serialise() -> None:
    error = format_error("[]")
    assert isinstance(error, GraphError) and isinstance(error, ValueError)
    assert error.to_dict() == {
        "error": "not_a_workflow",
        "message": "not a workflow",
        "issues": [{"message": "expected a JSON object describing a workflow, found a list"}],
    }


# ------------------------------------------------------------------------- dumping


def test_dump_is_canonical_whatever_the_input_spelled_out() -> None:
    sparse = load_workflow(small_document())
    verbose = small_document()
    verbose["nodes"][1]["steps"][0]["retry"] = {"max_attempts": 3}  # the default
    verbose["nodes"][1]["description"] = ""
    verbose["edges"][0]["kind"] = "next"
    assert dump_workflow(load_workflow(verbose)) == dump_workflow(sparse)


def test_dump_is_readable() -> None:
    text = dump_workflow(load_workflow(small_document()))
    assert text.endswith("}\n")
    document = json.loads(text)
    step = document["nodes"][1]["steps"][0]
    # Identity first; defaults left out; a discriminator is written even though defaulted.
    assert list(step)[:2] == ["id", "kind"]
    assert "retry" not in step and "after" not in step
    assert document["nodes"][2]["position"] == {"x": 640}
    assert '"x": 640\n' in text  # whole-number coordinates carry no ".0"
    assert document["schema_version"] == 1


def test_values_of_any_type_keep_their_json_type() -> None:
    document = small_document()
    document["nodes"][1]["steps"][0]["inputs"]["amount"] = {"type": "number", "value": 5.0}
    dumped = workflow_to_document(load_workflow(document))
    value = dumped["nodes"][1]["steps"][0]["inputs"]["amount"]["value"]
    assert value == 5.0 and isinstance(value, float)


coordinates = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=6))
def test_canvas_positions_round_trip_exactly(points: list[tuple[float, float]]) -> None:
    nodes: list[Any] = [StartNode(id="start", position=Position(x=points[0][0], y=points[0][1]))]
    nodes += [EndNode(id=f"end{i}", position=Position(x=x, y=y)) for i, (x, y) in enumerate(points)]
    edges = [Edge(id=f"e{i}", source="start", target=f"end{i}") for i in range(len(points))]
    workflow = Workflow(id="w", name="W", nodes=nodes, edges=edges)
    text = dump_workflow(workflow)
    again = load_workflow(text)
    assert again == workflow
    assert [(n.position.x, n.position.y) for n in again.nodes[1:]] == points
    assert dump_workflow(again) == text


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=2, max_value=60), st.integers(min_value=0, max_value=10_000))
def test_generated_workflows_round_trip(n_nodes: int, seed: int) -> None:
    workflow = generate_workflow(n_nodes, seed=seed)
    text = dump_workflow(workflow)
    assert load_workflow(text) == workflow
    assert dump_workflow(load_workflow(text)) == text


def test_loading_leaves_the_garbage_collector_as_it_found_it() -> None:
    # A pure package sets no process-wide state: loading, failing and dumping leave the
    # collector as they found it, on or off.
    load_workflow(small_document())
    format_error("[1]")
    format_error({"id": "w", "name": "W", "nodes": [5]})
    dump_workflow(load_workflow(small_document()))
    assert gc.isenabled()
    gc.disable()
    try:
        load_workflow(small_document())
        assert not gc.isenabled()
    finally:
        gc.enable()
