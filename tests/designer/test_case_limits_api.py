"""Case data the store could not give back is refused at the API, naming the field and limit.

Each test is one defect of issue 17 as a user met it: a 500 that committed anyway and
broke every list, a 500 for a bad character, a number silently stored as null, a
truncated body read as malformed, and no limits at all on sizes and counts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from live_support import install, review_loop
from sqlalchemy import text

from designer.cli import cli
from designer.extensions import state
from graphs.case_limits import (
    MAX_DEPTH,
    MAX_FIELD_NAME_LENGTH,
    MAX_FIELDS,
    MAX_VALUE_BYTES,
    clamped,
)
from graphs.conditions import MAX_GROUP_DEPTH
from runtime.services import clear_caches


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture
def wf(app: Flask) -> str:
    return install(state(app).engine)


def new_case(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/cases", json={"fields": {"subject": "Printer", **fields}})
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def refusal(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.json["error"]  # type: ignore[no-any-return]


def every_list_answers(client: FlaskClient, case_id: str, run_id: str) -> None:
    assert client.get(f"/api/cases/{case_id}").status_code == 200
    assert client.get("/api/runs").status_code == 200
    assert client.get(f"/api/runs/{run_id}").status_code == 200
    assert client.get(f"/api/runs/{run_id}/export?format=json").status_code == 200
    assert client.get(f"/api/runs/{run_id}/export?format=csv").status_code == 200
    assert client.get("/api/runs/export?workflow_id=review-loop&format=json").status_code == 200
    assert client.get("/api/metrics").status_code == 200


def test_a_change_nested_200_deep_is_refused_and_nothing_is_stored(
    client: FlaskClient, wf: str
) -> None:
    created = new_case(client)
    case_id, run_id = created["case"]["id"], created["runs"][0]["id"]
    error = refusal(client.patch(f"/api/cases/{case_id}", json={"changes": {"deep": nested(200)}}))
    assert error["code"] == "case_data_refused"
    assert error["details"] == {"field": "deep", "limit": "max_depth", "allowed": MAX_DEPTH}
    assert "deep" in error["message"] and "32 levels" in error["message"]
    case = client.get(f"/api/cases/{case_id}").json["case"]
    assert case["version"] == 1 and "deep" not in case["fields"]
    every_list_answers(client, case_id, run_id)
    # The deepest value allowed is stored and read back by every list.
    kept = client.patch(f"/api/cases/{case_id}", json={"changes": {"deep": nested(MAX_DEPTH)}})
    assert kept.status_code == 200 and kept.json["case"]["fields"]["deep"] == nested(MAX_DEPTH)
    every_list_answers(client, case_id, run_id)


def test_a_new_case_nested_500_deep_is_refused(client: FlaskClient, wf: str) -> None:
    error = refusal(client.post("/api/cases", json={"fields": {"deep": nested(500)}}))
    assert error["details"]["field"] == "deep" and error["details"]["limit"] == "max_depth"
    assert client.get("/api/runs").json["items"] == []


def test_a_lone_surrogate_is_refused_naming_the_field(client: FlaskClient, wf: str) -> None:
    body = '{"fields": {"subject": "\\ud800x"}}'
    error = refusal(client.post("/api/cases", data=body, content_type="application/json"))
    assert error["details"] == {"path": "fields.subject", "reason": "lone surrogate"}
    # In any body, in keys too: no string that cannot be encoded gets past reading it.
    for body in ('{"fields": {"x\\udc00": 1}}', '{"workflow_id": "\\ud800", "case_id": "c"}'):
        url = "/api/runs" if "workflow_id" in body else "/api/cases"
        error = refusal(client.post(url, data=body, content_type="application/json"))
        assert error["details"]["reason"] == "lone surrogate"
    # A proper pair written as escapes is a character like any other.
    pair = '{"fields": {"subject": "\\ud83d\\ude00"}}'
    ok = client.post("/api/cases", data=pair, content_type="application/json")
    assert ok.status_code == 201 and ok.json["case"]["fields"]["subject"] == "\U0001f600"


def test_a_number_past_the_float_range_is_refused_not_stored_as_null(
    client: FlaskClient, wf: str
) -> None:
    body = '{"fields": {"subject": "x", "amount": 1e400}}'
    error = refusal(client.post("/api/cases", data=body, content_type="application/json"))
    assert error["details"]["field"] == "amount"
    assert error["details"]["limit"] == "finite_number"
    assert client.get("/api/runs").json["items"] == []


def test_an_import_nested_10000_deep_is_refused(client: FlaskClient) -> None:
    for body in ("[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000):
        error = refusal(
            client.post("/api/workflows/import", data=body, content_type="application/json")
        )
        assert "nested too deeply" in error["message"]


def test_a_chunked_body_over_the_limit_is_413(client: FlaskClient, app: Flask) -> None:
    limit = 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = limit
    body = b'{"fields": {"subject": "' + b"a" * (limit + 10) + b'"}}'
    # What a WSGI server hands on for a chunked request: no length, a stream it ends.
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    response = client.post(
        "/api/cases", input_stream=io.BytesIO(body), content_type="application/json",
        environ_overrides=chunked,
    )  # fmt: skip
    assert refusal(response, 413)["code"] == "payload_too_large"
    small = client.post(
        "/api/cases", input_stream=io.BytesIO(b'{"fields": {"subject": "ok"}}'),
        content_type="application/json", environ_overrides=chunked,
    )  # fmt: skip
    assert small.status_code == 201
    big_import = client.post(
        "/api/workflows/import", input_stream=io.BytesIO(b'{"id": "' + b"a" * limit + b'"}'),
        content_type="application/json", environ_overrides=chunked,
    )  # fmt: skip
    assert big_import.status_code == 413


@pytest.mark.parametrize(
    ("fields", "field", "limit"),
    [
        ({"note": "x" * 10_000_000}, "note", "max_value_bytes"),
        ({"note": ["x" * 1000] * (MAX_VALUE_BYTES // 1000)}, "note", "max_value_bytes"),
        ({f"f{i}": i for i in range(10_000)}, None, "max_fields"),
        ({"n" * 10_000: 1}, "n" * 37 + "...", "field_name_length"),
        ({"note": "nul \x00 inside"}, "note", "control_character"),
        ({"note": "bell \x07"}, "note", "control_character"),
        ({"note": {"inner": ["escape \x1b[31m"]}}, "note", "control_character"),
        ({"note": {"key\x00": 1}}, "note", "control_character"),
        ({"note": 2**64}, "note", "max_integer"),
    ],
    ids=["10MB", "many-items", "10000-fields", "long-name", "nul", "bell", "nested-esc",
         "nul-key", "huge-int"],
)  # fmt: skip
def test_sizes_counts_names_and_characters_are_limited(
    client: FlaskClient, wf: str, fields: dict[str, Any], field: str | None, limit: str
) -> None:
    error = refusal(client.post("/api/cases", json={"fields": {"subject": "x", **fields}}))
    assert error["details"]["field"] == field and error["details"]["limit"] == limit
    case_id = new_case(client)["case"]["id"]
    changed = client.patch(f"/api/cases/{case_id}", json={"changes": fields})
    assert refusal(changed)["details"]["limit"] == limit
    assert client.get(f"/api/cases/{case_id}").json["case"]["version"] == 1


def test_what_the_limits_allow_is_stored_as_sent(client: FlaskClient, wf: str) -> None:
    fields = {
        "note": "tab\there, lines\r\nand ünïcödé 🎉",
        "n" * MAX_FIELD_NAME_LENGTH: 1,
        "amount": 1.5e308,
        "count": -(2**63) + 1,
        "blob": "x" * (MAX_VALUE_BYTES - 100),
    }
    case = new_case(client, **fields)["case"]
    assert {name: case["fields"][name] for name in fields} == fields
    many = {f"f{i}": i for i in range(MAX_FIELDS - 1)}
    assert client.post("/api/cases", json={"fields": {"subject": "x", **many}}).status_code == 201
    # The record counts the fields it has: one more through a change is refused.
    case_id = client.post("/api/cases", json={"fields": {"subject": "x", **many}}).json["case"][
        "id"
    ]
    error = refusal(client.patch(f"/api/cases/{case_id}", json={"changes": {"one": 1, "two": 2}}))
    assert error["details"]["limit"] == "max_fields"


def test_a_form_value_over_the_limits_is_refused_by_field(client: FlaskClient, app: Flask) -> None:
    document = review_loop("commented")
    document["nodes"][1]["steps"][0]["form"].append({"name": "comment", "type": "string"})
    install(state(app).engine, document)
    body = {"fields": {"subject": "x"}, "workflow_id": "commented"}
    run_id = client.post("/api/cases", json=body).json["runs"][0]["id"]
    key = client.get(f"/api/work-items?run_id={run_id}").json["items"][0]["key"]
    for comment, limit in (("x\x00y", "U+0000"), ("x" * 10_000_000, "262,144")):
        bad = client.post(
            f"/api/work-items/{key}/complete",
            json={"data": {"verdict": "approve", "comment": comment}},
        )
        field_errors = refusal(bad, 422)["details"]["field_errors"]
        assert field_errors.keys() == {"comment"} and limit in field_errors["comment"]
    assert client.get(f"/api/work-items/{key}").json["status"] == "open"
    done = client.post(
        f"/api/work-items/{key}/complete",
        json={"data": {"verdict": "approve", "comment": "fine\tand tidy"}},
    )
    assert done.status_code == 200


def test_a_case_stored_before_the_limits_keeps_every_list_answering_until_repaired(
    client: FlaskClient, app: Flask, wf: str, tmp_path: Path
) -> None:
    created = client.post("/api/cases", json={"fields": {"subject": "Old"}, "workflow_id": wf})
    case_id, run_id = created.json["case"]["id"], created.json["runs"][0]["id"]
    engine = state(app).engine
    # What PATCH stored before the limits (and then answered 500 for, everywhere).
    old = json.dumps({"subject": "Old", "deep": nested(250), "note": "\ud800x"})
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET fields = :f WHERE id = :id"), {"f": old, "id": case_id})
        state_text = conn.execute(text("SELECT state FROM run WHERE id = :id"), {"id": run_id})
        run_state = json.loads(state_text.scalar_one())
        run_state["case"] = json.loads(old)
        conn.execute(
            text("UPDATE run SET state = :s WHERE id = :id"),
            {"s": json.dumps(run_state), "id": run_id},
        )
    clear_caches()
    every_list_answers(client, case_id, run_id)
    assert client.get("/api/runs").json["items"][0]["title"] == "Old"
    assert client.get(f"/api/cases/{case_id}").json["case"]["fields"]["note"] == "\ufffdx"

    # Any change reads the tolerant way too, and may set the broken field right.
    cleared = client.patch(f"/api/cases/{case_id}", json={"changes": {"note": None}})
    assert cleared.status_code == 200 and cleared.json["case"]["fields"]["note"] is None

    url = engine.url.render_as_string(hide_password=False)
    env = {"DATABASE_URL": url, "BATON_INSTANCE_PATH": str(tmp_path), "BATON_REDIS_URL": ""}
    dry = CliRunner().invoke(cli, ["cases", "repair", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    lines = [json.loads(line) for line in dry.output.splitlines()]
    assert lines[0]["case_id"] == case_id and lines[0]["fields"] == {"deep": "max_depth"}
    assert lines[-1] == {"repaired": 1, "left_breaking_limits": 0, "dry_run": True}
    done = CliRunner().invoke(cli, ["cases", "repair"], env=env)
    assert done.exit_code == 0 and json.loads(done.output.splitlines()[-1])["repaired"] == 1
    clear_caches()
    case = client.get(f"/api/cases/{case_id}").json["case"]
    assert case["version"] == 3 and case["fields"]["deep"] == clamped(nested(250))
    every_list_answers(client, case_id, run_id)
    again = CliRunner().invoke(cli, ["cases", "repair"], env=env)
    assert json.loads(again.output.splitlines()[-1])["repaired"] == 0


def test_a_workflow_whose_step_would_write_past_the_limits_is_refused(
    client: FlaskClient, tiny: dict[str, Any]
) -> None:
    for value, words in ((nested(MAX_DEPTH + 1), "32 levels"), ("a\x00b", "U+0000")):
        tiny["nodes"][1]["steps"][0]["inputs"]["subject"]["value"] = value
        for response in (
            client.post("/api/workflows/import", data=json.dumps(tiny),
                        content_type="application/json"),
            client.post("/api/workflows", json={"workflow": tiny}),
        ):  # fmt: skip
            error = refusal(response)
            assert "nodes[1].steps[0].inputs.subject.value" in json.dumps(error)
            assert words in json.dumps(error)


def _groups(depth: int) -> dict[str, Any]:
    group: dict[str, Any] = {
        "kind": "group",
        "rules": [{"kind": "rule", "field": "case.subject", "op": "eq", "value": "x"}],
    }
    for _ in range(depth - 1):
        group = {"kind": "group", "rules": [group]}
    return group


def test_a_condition_nested_too_deeply_to_store_is_refused(
    client: FlaskClient, tiny: dict[str, Any]
) -> None:
    # 130 groups answered 500 while the workflow was written; a value 250 deep too.
    deep_value = {"kind": "group", "rules": [
        {"kind": "rule", "field": "case.subject", "op": "eq", "value": nested(250)}]}  # fmt: skip
    for condition, words in (
        (_groups(MAX_GROUP_DEPTH + 1), f"nested more than {MAX_GROUP_DEPTH} deep"),
        (_groups(130), "nested"),
        (deep_value, "32 levels"),
    ):
        tiny["nodes"][1]["entry_condition"] = condition
        created = client.post("/api/workflows", json={"workflow": tiny})
        assert words in refusal(created)["message"] + json.dumps(created.json)
        imported = client.post(
            "/api/workflows/import", data=json.dumps(tiny), content_type="application/json"
        )
        assert refusal(imported)["code"] in ("invalid_workflow", "malformed_json")
    tiny["nodes"][1]["entry_condition"] = _groups(MAX_GROUP_DEPTH)
    assert client.post("/api/workflows", json={"workflow": tiny}).status_code == 201
    assert client.get(f"/api/workflows/{tiny['id']}").status_code == 200
