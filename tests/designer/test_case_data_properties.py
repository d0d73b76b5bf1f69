"""Property: any case write the API accepts reads back from every endpoint that shows it.

Hypothesis sends case data of every shape (nesting, control characters, surrogates,
huge and non-finite numbers, odd names); each write is either refused with a 4xx or
stored, and what is stored comes back unchanged from the case, and the cases list,
the exports and the metrics all still answer.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_support import install

from designer.extensions import state

# Letters, digits, spaces and symbols, with surrogates and control characters mixed in.
_ANY_CHAR = st.characters(categories=["Cs", "Cc", "Lu", "Ll", "Nd", "Zs", "So"])
# Stands for a number past the float range, which json.dumps cannot write: see _send.
_HUGE = "\ue000huge"
_TEXT = st.one_of(st.text(max_size=12), st.text(_ANY_CHAR, max_size=12))
_NAMES = st.one_of(
    st.from_regex(r"[a-z_][a-z0-9_\-]{0,10}", fullmatch=True),
    st.text(_ANY_CHAR, min_size=1, max_size=12),
    st.just("n" * 120),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    _TEXT,
    st.just(_HUGE),
)


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"x": value}
    return value


_VALUES = st.one_of(
    st.recursive(
        _SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
        max_leaves=8,
    ),
    st.one_of(st.integers(min_value=28, max_value=40), st.sampled_from([200, 600])).map(_deep),
)
_FIELDS = st.dictionaries(_NAMES, _VALUES, max_size=4)


def _send(client: FlaskClient, method: str, url: str, body: dict[str, Any]) -> Any:
    # Sent as text, as any client could: surrogates and 1e400-style numbers included.
    text = json.dumps(body, allow_nan=True).replace(json.dumps(_HUGE), "1e400")
    return client.open(url, method=method, data=text, content_type="application/json")


def _reads_back(client: FlaskClient, case_id: str, expected: dict[str, Any]) -> None:
    detail = client.get(f"/api/cases/{case_id}")
    assert detail.status_code == 200
    assert detail.json["case"]["fields"] == expected
    run_id = detail.json["runs"][0]["id"]
    assert client.get("/api/runs").status_code == 200
    assert client.get(f"/api/runs?case_id={case_id}").status_code == 200
    assert client.get(f"/api/runs/{run_id}").status_code == 200
    for fmt in ("json", "csv"):
        assert client.get(f"/api/runs/{run_id}/export?format={fmt}").status_code == 200
    assert client.get("/api/runs/export?workflow_id=review-loop&format=csv").status_code == 200
    assert client.get("/api/metrics").status_code == 200
    assert client.get(f"/api/cases/{case_id}/changes").status_code == 200


def _outcome(response: Any) -> bool:
    """Whether the write was stored; a refusal must be a 4xx naming what is wrong."""
    if response.status_code in (200, 201):
        return True
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.json["error"]["message"]
    return False


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(created=_FIELDS, changed=_FIELDS)
def test_any_case_write_the_api_accepts_reads_back_everywhere(
    client: FlaskClient, app: Flask, created: dict[str, Any], changed: dict[str, Any]
) -> None:
    if client.get("/api/workflows/review-loop").status_code == 404:
        install(state(app).engine)
    fields = {"subject": "Property", **created}
    response = _send(client, "POST", "/api/cases", {"fields": fields})
    if not _outcome(response):
        return
    case_id = response.json["case"]["id"]
    # What goes in is what comes out, by value (1e2 and 100.0 are the same number).
    stored = json.loads(json.dumps(fields))
    _reads_back(client, case_id, stored)
    patch = _send(client, "PATCH", f"/api/cases/{case_id}", {"changes": changed})
    if _outcome(patch):
        stored = {**stored, **json.loads(json.dumps(changed))}
    _reads_back(client, case_id, stored)
