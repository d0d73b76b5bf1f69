"""A group's deferred appends: seen by every read of their table, committed, or dropped."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_flows import T0
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from runtime import services
from runtime.db import session_scope
from runtime.store import statements as sql
from runtime.store import write_buffer
from runtime.store.tables import CaseChangeRow


def _case(db: Engine) -> str:
    with session_scope(db) as s:
        return services.create_case(s, fields={}, actor="ada", now=T0).id


def _change(case_id: str, seq: int, field: str = "note") -> dict[str, Any]:
    return {"case_id": case_id, "seq": seq, "at": T0, "actor": "ada", "field": field,
            "old": None, "new": seq}  # fmt: skip


def _seqs(s: Session, case_id: str) -> list[int]:
    found = select(CaseChangeRow).where(CaseChangeRow.case_id == case_id)
    rows = s.exec(found.order_by(col(CaseChangeRow.id))).all()
    return [row.seq for row in rows]


def test_deferred_rows_are_read_back_in_their_transaction_and_committed_in_order(
    db: Engine,
) -> None:
    case_id = _case(db)
    with session_scope(db) as s, write_buffer.deferring(s):
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 10)])
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 11)])
        # A read on the driver sees them (written before it runs) ...
        assert s.info.get(sql.PENDING_WRITES)
        sql.read_all(s, select(CaseChangeRow.seq).where(CaseChangeRow.case_id == case_id), {})  # type: ignore[call-overload]
        assert not s.info.get(sql.PENDING_WRITES)
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 12)])
        # ... and so does an ORM query.
        assert _seqs(s, case_id) == [10, 11, 12]
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 13)])
    with session_scope(db) as s:
        assert _seqs(s, case_id) == [10, 11, 12, 13]


def test_deferred_rows_of_a_failed_transaction_are_never_written(db: Engine) -> None:
    case_id = _case(db)
    with pytest.raises(RuntimeError), session_scope(db) as s, write_buffer.deferring(s):
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 20)])
        raise RuntimeError("the group failed")
    with session_scope(db) as s:
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, [_change(case_id, 21)])
    with session_scope(db) as s:
        assert _seqs(s, case_id) == [21]


def test_a_bad_deferred_row_fails_the_commit(db: Engine) -> None:
    case_id = _case(db)
    twice = [_change(case_id, 30), _change(case_id, 30)]
    with (
        pytest.raises(Exception, match=r"(?i)unique|duplicate"),
        session_scope(db) as s,
        write_buffer.deferring(s),
    ):
        write_buffer.defer(s, sql.INSERT_CASE_CHANGES, twice)
    with session_scope(db) as s:
        assert _seqs(s, case_id) == []
