"""Finding case data stored before the limits of :mod:`graphs.case_limits`, and repairing it.

Earlier versions stored values nested hundreds of levels deep, lone surrogates, control
characters and numbers past the float range; some of those make a row unreadable for the
fast JSON decoder, which then failed every list that held the case. :func:`repair_cases`
finds every case whose stored fields break a limit or cannot be read fast, stores each
such field as :func:`graphs.case_limits.clamped` gives it (a new version of the case, one
history row per field, by ``baton:repair``), puts the repaired record into the case's
runs' snapshots, and rewrites its history rows readably.

It works on a plain connection with SQL of its own, so that the data migration
``0006_case_data_limits`` and ``baton cases repair`` run the very same code. Running it
twice repairs nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pydantic_core
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from graphs.case_limits import (
    MAX_FIELDS,
    MAX_RECORD_BYTES,
    clamped,
    name_problem,
    value_problem,
)
from runtime.store.readable_json import read_json

__all__ = ["ACTOR", "CaseRepair", "repair_cases"]

ACTOR = "baton:repair"

_cases = sa.table(
    "cases",
    sa.column("id", sa.String),
    sa.column("fields", sa.JSON),
    sa.column("version", sa.Integer),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("updated_by", sa.String),
)
_changes = sa.table(
    "case_change",
    sa.column("id", sa.Integer),
    sa.column("case_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("field", sa.String),
    sa.column("old", sa.JSON),
    sa.column("new", sa.JSON),
)
_runs = sa.table("run", sa.column("id", sa.String), sa.column("case_id", sa.String),
                 sa.column("state", sa.JSON))  # fmt: skip


@dataclass(slots=True)
class CaseRepair:
    """What was (or, on a dry run, would be) repaired in one case."""

    case_id: str
    fields: dict[str, str] = field(default_factory=dict)
    """Field name -> the limit its stored value broke (its value is stored clamped)."""
    unreadable: bool = False
    """Whether the fast decoder could not read the stored text (it is stored again)."""
    left: list[str] = field(default_factory=list)
    """Limits the record still breaks that a repair cannot mend (names, counts, size)."""

    @property
    def repaired(self) -> bool:
        """Whether the case is (or would be) stored again."""
        return bool(self.fields) or self.unreadable

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the command line."""
        return {"case_id": self.case_id, "fields": self.fields, "unreadable": self.unreadable,
                "left": self.left}  # fmt: skip


def repair_cases(
    conn: Connection, *, dry_run: bool = False, now: datetime | None = None
) -> list[CaseRepair]:
    """Repair every case whose stored fields break the limits; what was done, by case.

    Reads the stored text itself (``CAST(... AS TEXT)``), so a row that the fast decoder
    refuses is found even though :func:`~runtime.store.readable_json.read_json` would
    read it.
    """
    now = now or datetime.now(UTC)
    repairs = []
    for case_id, raw, version in _all_cases(conn):
        fields, readable = _decode(raw)
        repair = CaseRepair(case_id)
        fixed: dict[str, Any] = {}
        record = fields if isinstance(fields, Mapping) else {"fields": fields}
        for name, value in record.items():
            problem = value_problem(str(name), value)
            if problem is not None:
                fixed[name] = clamped(value)
                repair.fields[str(name)] = problem.limit
        repair.unreadable = not readable
        merged = {**record, **fixed}
        repair.left = _left(merged)
        if not fixed and readable:
            if repair.left:
                repairs.append(repair)
            continue
        repairs.append(repair)
        if not dry_run:
            _store(conn, case_id=case_id, version=version, record=merged,
                   fixed=fixed, now=now)  # fmt: skip
    return repairs


def _left(record: Mapping[str, Any]) -> list[str]:
    """The limits a record breaks that values made readable do not mend."""
    left = {p.limit for p in (name_problem(name) for name in record) if p is not None}
    if len(record) > MAX_FIELDS:
        left.add("max_fields")
    if len(pydantic_core.to_json(record)) > MAX_RECORD_BYTES:
        left.add("max_record_bytes")
    return sorted(left)


def _all_cases(conn: Connection, page: int = 500) -> Iterator[tuple[str, str | None, int]]:
    """Every case's id, stored text and version, a page at a time (in id order)."""
    after = ""
    text = sa.cast(_cases.c.fields, sa.Text)
    while True:
        rows = conn.execute(
            sa.select(_cases.c.id, text, _cases.c.version)
            .where(_cases.c.id > after)
            .order_by(_cases.c.id)
            .limit(page)
        ).all()
        for case_id, raw, version in rows:
            yield str(case_id), raw, int(version)
        if len(rows) < page:
            return
        after = str(rows[-1][0])


def _decode(raw: str | None) -> tuple[Any, bool]:
    """The stored value, and whether the fast decoder reads it as it is."""
    if raw is None:
        return {}, True
    try:
        return pydantic_core.from_json(raw), True
    except ValueError:
        return read_json(raw), False


def _store(
    conn: Connection,
    *,
    case_id: str,
    version: int,
    record: dict[str, Any],
    fixed: dict[str, Any],
    now: datetime,
) -> None:
    if not fixed:
        # Only the stored text was unreadable: the values stay as every read gave them.
        conn.execute(_cases.update().where(_cases.c.id == case_id).values(fields=record))
    else:
        conn.execute(
            _cases.update()
            .where(_cases.c.id == case_id)
            .values(fields=record, version=version + 1, updated_at=now, updated_by=ACTOR)
        )
        conn.execute(
            _changes.insert(),
            [
                {"case_id": case_id, "seq": version + 1, "at": now, "actor": ACTOR,
                 "field": name, "old": None, "new": value}
                for name, value in fixed.items()
            ],
        )  # fmt: skip
    # The history rows: each old and new value as the repaired record would hold it.
    history = conn.execute(
        sa.select(
            _changes.c.id, sa.cast(_changes.c.old, sa.Text), sa.cast(_changes.c.new, sa.Text)
        ).where(_changes.c.case_id == case_id, _changes.c.actor != ACTOR)
    ).all()
    for row_id, old, new in history:
        values = {}
        for column, raw in (("old", old), ("new", new)):
            value, readable = _decode(raw)
            repaired = clamped(value)
            if not readable or repaired != value:
                values[column] = repaired
        if values:
            conn.execute(_changes.update().where(_changes.c.id == row_id).values(**values))
    # Every run of the case holds a copy of the record (and the one before) in its state.
    runs = conn.execute(
        sa.select(_runs.c.id, sa.cast(_runs.c.state, sa.Text)).where(_runs.c.case_id == case_id)
    ).all()
    for run_id, raw in runs:
        state, _ = _decode(raw)
        if not isinstance(state, dict):
            continue
        if isinstance(state.get("case"), Mapping):
            state["case"] = record
        if isinstance(state.get("previous_case"), Mapping):
            state["previous_case"] = {k: clamped(v) for k, v in state["previous_case"].items()}
        conn.execute(_runs.update().where(_runs.c.id == run_id).values(state=state))
