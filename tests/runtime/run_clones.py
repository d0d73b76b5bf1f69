"""Many runs fast: template runs cloned row for row under fresh ids, optionally later.

A template run (driven through the real store) is read once with its case and the rows
kept per run; each clone is the same rows with the run's and the case's ids swapped for
fresh ones, and, when ``shift`` says so, every time moved by the same amount: the
columns' datetimes and the ISO times inside JSON values and text (case fields, state
snapshots, logged data), so a clone is the template's story told later. Each value is cut
once per template at the ids and times it holds; a clone only joins the pieces.

Used by the migration tests and ``benchmarks/versions.py`` (runs to move, and recorded
cases for a what-if).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from runtime.db import session_scope
from runtime.store.tables import CaseRow, RunRow

__all__ = ["Keep", "clone_runs"]

#: Whether a row of a table is cloned (the model and the row read).
Keep = Callable[[Any, dict[str, Any]], bool]

#: An ISO time as Baton writes it inside JSON (``...T...``, maybe fractional, maybe a zone).
_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?"


def _shifted(text: str, by: timedelta) -> str:
    moved = (datetime.fromisoformat(text) + by).isoformat()
    if text.endswith("Z"):
        moved = moved.removesuffix("+00:00") + "Z"
    return moved


class _Piece:
    """One value of a template row: as is, a datetime, or text cut at ids and times."""

    __slots__ = ("cuts", "json", "value")

    def __init__(self, value: Any, pattern: re.Pattern[str] | None) -> None:
        self.value = value
        self.json = isinstance(value, dict | list)
        self.cuts: list[str] | None = None
        text = json.dumps(value) if self.json else value
        if pattern is not None and isinstance(text, str):
            cuts = pattern.split(text)  # the pattern's one group: even cuts are literal
            if len(cuts) > 1:
                self.cuts = cuts

    def render(self, swaps: dict[str, str], by: timedelta | None, times: dict[str, str]) -> Any:
        if isinstance(self.value, datetime):
            return self.value if by is None else self.value + by
        if self.cuts is None:
            return self.value
        out = []
        for n, cut in enumerate(self.cuts):
            if n % 2 == 0:
                out.append(cut)
            elif cut in swaps:
                out.append(swaps[cut])
            else:  # a time
                if cut not in times:
                    times[cut] = cut if by is None else _shifted(cut, by)
                out.append(times[cut])
        text = "".join(out)
        return json.loads(text) if self.json else text


def _read(
    conn: Connection, run_id: str, tables: Sequence[Any], keep: Keep | None
) -> tuple[str, dict[Any, list[dict[str, Any]]]]:
    query = select(col(RunRow.case_id)).where(col(RunRow.id) == run_id)
    case_id: str = conn.execute(query).scalar_one()
    case_table = CaseRow.__table__  # type: ignore[attr-defined]
    rows: dict[Any, list[dict[str, Any]]] = {
        CaseRow: [
            dict(r._mapping)
            for r in conn.execute(select(case_table).where(case_table.c.id == case_id))
        ]
    }
    for model in tables:
        table = model.__table__
        column = table.c.id if model is RunRow else table.c.run_id
        found = [dict(r._mapping) for r in conn.execute(select(table).where(column == run_id))]
        rows[model] = [row for row in found if keep is None or keep(model, row)]
    return case_id, rows


def clone_runs(
    engine: Engine,
    run_ids: Sequence[str],
    copies: int,
    *,
    tables: Sequence[Any],
    keep: Keep | None = None,
    shift: Callable[[int, int], timedelta] | None = None,
) -> list[str]:
    """``copies`` clones of each run and its case, with their rows in ``tables`` (the run
    table and tables keyed by ``run_id``; rows other than runs and cases number
    themselves) that ``keep`` keeps; the clones' run ids. ``shift(template, copy)``: how
    much later the copy's times are (by the template's and the copy's index)."""
    made: list[str] = []
    with session_scope(engine) as s:
        conn = s.connection()
        for index, run_id in enumerate(run_ids):
            case_id, rows = _read(conn, run_id, tables, keep)
            ids = sorted({run_id, case_id}, key=len, reverse=True)
            alternatives = [re.escape(i) for i in ids] + ([_ISO] if shift is not None else [])
            pattern = re.compile(f"({'|'.join(alternatives)})")
            pieces = {
                model: [
                    {k: _Piece(v, pattern) for k, v in row.items()
                     if model in (RunRow, CaseRow) or k != "id"}  # the others number themselves
                    for row in found
                ]
                for model, found in rows.items()
            }  # fmt: skip
            batches: dict[Any, list[dict[str, Any]]] = {model: [] for model in rows}
            for copy in range(copies):
                new_run, new_case = uuid.uuid4().hex, uuid.uuid4().hex
                swaps = {run_id: new_run, case_id: new_case}
                by = None if shift is None else shift(index, copy)
                times: dict[str, str] = {}
                for model, templates in pieces.items():
                    batches[model].extend(
                        {k: piece.render(swaps, by, times) for k, piece in row.items()}
                        for row in templates
                    )
                made.append(new_run)
            for model in (CaseRow, *tables):  # parents first
                if batches[model]:
                    conn.execute(insert(model.__table__), batches[model])
    return made
