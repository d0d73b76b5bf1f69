"""Properties: random valid workflows survive Baton -> Salesforce -> Baton, and a damaged
orchestration file gives a workflow or a located format error, never anything else."""

from __future__ import annotations

import contextlib
import html
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphs.errors import WorkflowFormatError
from graphs.examples import load_example
from graphs.interop.salesforce import export_orchestration, import_orchestration
from graphs.model import Workflow

from ..strategies import valid_workflows

_EXPORTED = export_orchestration(load_example("access-request"))
_ELEMENTS = list(re.finditer(r"<(\w+)>[^<]*</\1>", _EXPORTED))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_workflows(max_nodes=25))
def test_random_valid_workflows_round_trip(workflow: Workflow) -> None:
    back, report = import_orchestration(export_orchestration(workflow).encode())
    assert back == workflow
    assert report == []


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(_ELEMENTS) - 1),
            st.sampled_from(
                [
                    "",
                    "x",
                    "0",
                    "-1",
                    "1.5",
                    "true",
                    "{",
                    "[1]",
                    '{"id": 5}',
                    "1 AND (2 OR",
                    "((((1))))",
                    "NOT 2",
                    "Completed",
                    "$Record.",
                    "a.Status",
                    "end",
                    "start",
                    "Outputs.x",
                    '{"kind": "rule"}',
                ]
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_damaged_file_gives_a_workflow_or_a_format_error(edits: list[tuple[int, str]]) -> None:
    text = _EXPORTED
    for index, value in sorted(edits, reverse=True):
        element = _ELEMENTS[index]
        start, end = element.span()
        replaced = f"<{element.group(1)}>{_escape(value)}</{element.group(1)}>"
        text = text[:start] + replaced + text[end:]
    with contextlib.suppress(WorkflowFormatError):
        import_orchestration(text.encode())


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_DATA = re.compile(r"<stringValue>(\{.*?\})</stringValue>")
_PAYLOADS = list(_DATA.finditer(_EXPORTED))


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_damaged_baton_data_gives_a_workflow_or_a_format_error(data: st.DataObject) -> None:
    match = _PAYLOADS[data.draw(st.integers(0, len(_PAYLOADS) - 1))]
    payload = json.loads(html.unescape(match.group(1)))
    path = data.draw(st.sampled_from(_paths(payload)))
    replacement = data.draw(_JSON)
    if not path:
        payload = replacement
    else:
        holder = payload
        for step in path[:-1]:
            holder = holder[step]  # type: ignore[index]
        holder[path[-1]] = replacement  # type: ignore[index]
    text = json.dumps(payload)
    damaged = (
        _EXPORTED[: match.start(1)] + html.escape(text, quote=False) + _EXPORTED[match.end(1) :]
    )
    with contextlib.suppress(WorkflowFormatError):
        import_orchestration(damaged.encode())


def test_a_start_id_that_is_not_text_falls_back_to_start() -> None:
    # Found by the property above: kept data whose start id was a list crashed the walk.
    for match in _PAYLOADS:
        payload = json.loads(html.unescape(match.group(1)))
        if isinstance(payload, dict) and isinstance(payload.get("start"), dict):
            payload["start"]["id"] = []
            break
    else:
        raise AssertionError("the export keeps no start node")
    text = html.escape(json.dumps(payload), quote=False)
    damaged = _EXPORTED[: match.start(1)] + text + _EXPORTED[match.end(1) :]
    workflow, _ = import_orchestration(damaged.encode())
    assert workflow.nodes[0].kind == "start" and workflow.nodes[0].id == "start"
