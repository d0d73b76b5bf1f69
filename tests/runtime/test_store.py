"""The store on SQLite and PostgreSQL: migrations, round-trips and the constraints we rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from runtime_flows import T0
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from runtime.db import make_engine, session_scope
from runtime.store import metadata, migrate
from runtime.store.tables import CaseRow, OutboxRow, RunEventRow, RunRow


def test_migrations_build_exactly_the_tables_of_the_models(db: Engine) -> None:
    with db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() is not None
    assert set(metadata.tables) <= set(inspect(db).get_table_names())
    migrate(db)  # at head already: a second upgrade is a no-op


def test_migrations_work_on_an_empty_sqlite_file(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def _case(case_id: str = "c1") -> CaseRow:
    return CaseRow(id=case_id, fields={"a": [1, {"b": None}]}, created_at=T0, updated_at=T0)


def _run(run_id: str = "r1", case_id: str = "c1") -> RunRow:
    return RunRow(
        id=run_id, workflow_id="w", version=1, case_id=case_id, status="running",
        state={"seq": 0}, started_at=T0, updated_at=T0,
    )  # fmt: skip


def test_json_and_times_round_trip_as_aware_utc(db: Engine) -> None:
    elsewhere = datetime(2026, 1, 5, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    with session_scope(db) as s:
        case = _case()
        case.created_at = elsewhere
        s.add(case)
    with session_scope(db) as s:
        row = s.get(CaseRow, "c1")
        assert row is not None
        assert row.fields == {"a": [1, {"b": None}]}
        assert row.created_at == T0 and row.created_at.tzinfo is not None
        assert row.created_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(db: Engine) -> None:
    with pytest.raises(Exception, match="timezone"), session_scope(db) as s:
        case = _case()
        case.updated_at = datetime(2026, 1, 1)
        s.add(case)


def test_a_log_sequence_number_is_unique_per_run(db: Engine) -> None:
    with session_scope(db) as s:
        s.add(_case())
        s.flush()
        s.add(_run())
        s.flush()
        s.add(RunEventRow(run_id="r1", seq=1, at=T0, actor="x", kind="k", data={}))
    with pytest.raises(IntegrityError), session_scope(db) as s:
        s.add(RunEventRow(run_id="r1", seq=1, at=T0, actor="y", kind="k", data={}))
    with session_scope(db) as s:
        s.add(RunEventRow(run_id="r1", seq=2, at=T0, actor="y", kind="k", data={}))


def test_an_outbox_idempotency_key_is_unique(db: Engine) -> None:
    def entry() -> OutboxRow:
        return OutboxRow(
            run_id="r1", kind="run_step", effect={}, idempotency_key="r1:s:1",
            available_at=T0, created_at=T0,
        )  # fmt: skip

    with session_scope(db) as s:
        s.add(entry())
    with pytest.raises(IntegrityError), session_scope(db) as s:
        s.add(entry())


def test_an_external_record_maps_to_one_case(db: Engine) -> None:
    with session_scope(db) as s:
        first = _case("c1")
        first.source, first.external_id = "salesforce", "500X"
        s.add(first)
    with pytest.raises(IntegrityError), session_scope(db) as s:
        second = _case("c2")
        second.source, second.external_id = "salesforce", "500X"
        s.add(second)
    with session_scope(db) as s:  # cases made in Baton have no external id, and many exist
        s.add(_case("c3"))
        s.add(_case("c4"))
    assert T0.tzinfo is UTC
