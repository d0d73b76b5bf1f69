"""The store never holds case data Baton cannot read back, on SQLite and PostgreSQL.

Refused writes change nothing; cases stored before the limits still read back in every
list, and the repair (the 0006 migration, ``baton cases repair``) stores them readably.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pydantic_core
import pytest
from runtime_flows import T0, review_flow
from sqlalchemy import text
from sqlalchemy.engine import Engine

from graphs.case_limits import CUT_NOTE, MAX_DEPTH, MAX_FIELDS, clamped, value_problem
from runtime import services
from runtime.actions import Action, ActionError, ActionResult, run_action
from runtime.db import session_scope
from runtime.errors import CaseDataRefused
from runtime.services import exports, monitor
from runtime.services.metrics import compute_metrics
from runtime.store.case_repair import ACTOR, repair_cases
from runtime.store.readable_json import MAX_READ_DEPTH, removed_note
from tests.action_contexts import action_context


def nested(depth: int, leaf: Any = "leaf") -> Any:
    value: Any = leaf
    for _ in range(depth):
        value = [value]
    return value


def start(db: Engine, install: Any) -> tuple[str, str]:
    install(review_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields={"subject": "Refund"}, actor="ada", now=T0)
        run = services.start_run(s, workflow_id="review", case_id=case.id, actor="ada", now=T0)
        return case.id, run.id


def counts(db: Engine) -> tuple[int, int]:
    with db.connect() as conn:
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
        changes = conn.execute(text("SELECT count(*) FROM case_change")).scalar_one()
        return int(cases), int(changes)


def test_refused_case_data_writes_nothing(db: Engine, install: Any) -> None:
    case_id, _ = start(db, install)
    before = counts(db)
    for fields, limit in (
        ({"subject": "nul \x00"}, "control_character"),
        ({"deep": nested(MAX_DEPTH + 1)}, "max_depth"),
        ({"amount": float("inf")}, "finite_number"),
        ({"x" * 101: 1}, "field_name_length"),
    ):
        with pytest.raises(CaseDataRefused) as refused, session_scope(db) as s:
            services.create_case(s, fields=fields, actor="ada")
        assert refused.value.limit == limit
        with pytest.raises(CaseDataRefused) as refused, session_scope(db) as s:
            services.update_case(s, case_id=case_id, changes=fields, actor="ada")
        assert refused.value.to_dict()["limit"] == limit
    assert counts(db) == before
    with session_scope(db) as s:
        assert services.get_case(s, case_id=case_id).version == 1


class _Writes(Action):
    """Hands back whatever case changes and outputs the test gives it."""

    name = "writes"
    description = "Writes."
    Input = Output = None  # type: ignore[assignment]

    def __init__(self, updates: dict[str, Any], outputs: dict[str, Any]) -> None:
        from pydantic import BaseModel, ConfigDict

        class Free(BaseModel):
            model_config = ConfigDict(extra="allow")

        type(self).Input = type(self).Output = Free
        self.result = ActionResult(outputs=outputs, case_updates=updates)

    def run(self, inputs: Any, ctx: Any) -> ActionResult:
        return self.result


def test_an_action_that_would_store_too_much_fails_its_step_for_good() -> None:
    ctx = action_context()
    for updates, outputs, words in (
        ({"note": "bell \x07"}, {}, "case data"),
        ({}, {"body": nested(MAX_DEPTH + 1)}, "output 'body'"),
    ):
        with pytest.raises(ActionError) as failed:
            run_action(_Writes(updates, outputs), {}, ctx)
        assert failed.value.retryable is False and words in str(failed.value)
    fine = run_action(_Writes({"note": "ok"}, {"body": nested(MAX_DEPTH)}), {}, ctx)
    assert fine.case_updates == {"note": "ok"}


def _store_raw(db: Engine, sql: str, **params: Any) -> None:
    # As an earlier version stored them: JSON text past the limits, written as it came.
    cast = "CAST(:{} AS json)" if db.dialect.name == "postgresql" else ":{}"
    with db.begin() as conn:
        conn.execute(text(sql.format(*(cast.format(name) for name in params if name != "id"))),
                     {k: json.dumps(v) if k != "id" else v for k, v in params.items()})  # fmt: skip
    services.clear_caches()


def _every_reader(db: Engine, case_id: str, run_id: str) -> dict[str, Any]:
    with session_scope(db) as s:
        fields = dict(services.get_case(s, case_id=case_id).fields)
        page = monitor.search_runs(s, filters=monitor.CaseFilter(), limit=50).items
        titles = [row.title for row in monitor.summarize_runs(s, runs=page)]
        assert titles == ["Refund"]
        for fmt in ("json", "csv"):
            assert "".join(exports.export_run_log(s, run_id=run_id, fmt=fmt))
            assert "".join(exports.export_workflow_logs(s, workflow_id="review", fmt=fmt))
        compute_metrics(s, start=T0 - timedelta(days=1), end=T0 + timedelta(days=1))
        for change in services.list_case_changes(s, case_id=case_id):
            pydantic_core.to_json([change.old, change.new])
        # Whatever reads back, an answer can be written from it.
        pydantic_core.to_json(fields)
        return fields


def test_a_case_stored_before_the_limits_reads_back_and_is_repaired(
    db: Engine, install: Any
) -> None:
    case_id, run_id = start(db, install)
    deep = nested(300)
    old = {"subject": "Refund", "deep": deep, "nul": "a\x00b", "ok": [1, 2]}
    with db.connect() as conn:
        state = json.loads(
            conn.execute(text("SELECT CAST(state AS TEXT) FROM run WHERE id = :id"),
                         {"id": run_id}).scalar_one()
        )  # fmt: skip
    state["case"] = old
    _store_raw(db, "UPDATE cases SET fields = {} WHERE id = :id", fields=old, id=case_id)
    _store_raw(db, "UPDATE run SET state = {} WHERE id = :id", state=state, id=run_id)
    _store_raw(
        db, "UPDATE case_change SET new = {} WHERE case_id = :id AND field = 'subject'",
        new=deep, id=case_id,
    )  # fmt: skip

    # Read the tolerant way: cut off where the fast decoder could not go on.
    read = _every_reader(db, case_id, run_id)
    assert read["nul"] == "a\x00b" and read["ok"] == [1, 2]
    assert read["deep"] == nested(MAX_READ_DEPTH - 1, removed_note(MAX_READ_DEPTH))

    with db.begin() as conn:
        found = repair_cases(conn, dry_run=True)
    assert [(r.case_id, r.fields) for r in found] == [
        (case_id, {"deep": "max_depth", "nul": "control_character"})
    ]
    assert _every_reader(db, case_id, run_id) == read  # a dry run changes nothing
    with db.begin() as conn:
        repair_cases(conn)
    services.clear_caches()

    repaired = _every_reader(db, case_id, run_id)
    assert repaired["deep"] == nested(MAX_DEPTH, CUT_NOTE) == clamped(deep)
    assert repaired["nul"] == "a\ufffdb" and repaired["ok"] == [1, 2]
    assert all(value_problem(name, value) is None for name, value in repaired.items())
    with db.connect() as conn:
        for sql in ("SELECT CAST(fields AS TEXT) FROM cases WHERE id = :id",
                    "SELECT CAST(state AS TEXT) FROM run WHERE case_id = :id",
                    "SELECT CAST(new AS TEXT) FROM case_change WHERE case_id = :id"):  # fmt: skip
            for (raw,) in conn.execute(text(sql), {"id": case_id}):
                pydantic_core.from_json(raw)  # the fast decoder reads every row again
    with session_scope(db) as s:
        case = services.get_case(s, case_id=case_id)
        assert case.version == 2 and case.updated_by == ACTOR
        history = services.list_case_changes(s, case_id=case_id)
        assert sorted(c.field for c in history if c.actor == ACTOR) == ["deep", "nul"]
        assert services.get_run(s, run_id=run_id).state["case"] == repaired
        # The repaired case takes changes again, and its run goes on.
        services.update_case(s, case_id=case_id, changes={"note": "after"}, actor="ada")
    with db.begin() as conn:
        assert [r for r in repair_cases(conn) if r.repaired] == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_lone_surrogate_stored_before_the_limits_is_read_and_repaired(
    db: Engine, install: Any
) -> None:
    # PostgreSQL refuses such JSON itself: only SQLite could hold it.
    case_id, run_id = start(db, install)
    with db.begin() as conn:
        conn.execute(
            text("UPDATE cases SET fields = :f WHERE id = :id"),
            {"f": '{"subject": "Refund", "note": "\\ud800x"}', "id": case_id},
        )
    assert _every_reader(db, case_id, run_id)["note"] == "\ufffdx"
    with db.begin() as conn:
        found = repair_cases(conn)
    assert [(r.fields, r.unreadable) for r in found] == [({}, True)]
    with db.connect() as conn:
        raw = conn.execute(text("SELECT fields FROM cases WHERE id = :id"), {"id": case_id})
        assert pydantic_core.from_json(raw.scalar_one())["note"] == "\ufffdx"


def test_a_case_past_the_counts_from_before_can_still_change_but_not_grow(
    db: Engine, install: Any
) -> None:
    case_id, _ = start(db, install)
    many = {"subject": "Refund", **{f"f{i}": i for i in range(MAX_FIELDS + 5)}}
    _store_raw(db, "UPDATE cases SET fields = {} WHERE id = :id", fields=many, id=case_id)
    with db.begin() as conn:
        (found,) = repair_cases(conn)
    assert (found.case_id, found.repaired, found.left) == (case_id, False, ["max_fields"])
    with session_scope(db) as s:
        services.update_case(s, case_id=case_id, changes={"f0": "changed"}, actor="ada")
    with pytest.raises(CaseDataRefused) as refused, session_scope(db) as s:
        services.update_case(s, case_id=case_id, changes={"new": 1}, actor="ada")
    assert refused.value.limit == "max_fields"
