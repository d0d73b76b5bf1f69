"""Benchmark: what SQLite alone costs for the rows a (b) case must keep, against (b)'s budget.

``engine.py``'s target (b) asks Baton end to end on SQLite, every transition committed,
to run at least 5x SpiffWorkflow serialising its state after every step (d). This
measures the floor under (b): the writes alone, with no Baton code at all.

1. It runs (b) itself, untimed, on a sample of the benchmark's cases and reads back
   what a case leaves in the store: rows per case and bytes per row for every table
   (event log, inputs kept for replay, case changes, outbox, step executions, timers,
   work items and their assignments) and the run's state snapshot.
2. It replays those rows with the standard library's ``sqlite3`` (the pragmas of
   ``runtime/store/dialects/sqlite.py``, WAL) in a schema built for the fewest b-trees:
   ``WITHOUT ROWID`` tables keyed by (owner, number), one index per queue, one commit per transition
   (Baton commits today about 29 times a case; an outside call's claim, needed so
   two workers never call it both, is left out, which flatters the floor):

   - ``floor_required``: every record (b) keeps, as many rows and as many bytes;
   - ``floor_log_only``: only the run's snapshot and its event log, below what the
     runtime must keep (no outbox, timers, executions, work items, case history).

3. In the same run it times (d), (b) (64 cases side by side with group commit, as
   ``engine.py`` runs it) and (e) on the same cases, so the floor is read against the
   budget 5x gives, ``(d) / 5`` per case, and the JSON line carries issue 21's two
   targets on CPU time: ``ratio_baton_sqlite_over_spiff_sqlite_cpu`` (target >= 3) and
   ``ratio_baton_sqlite_cpu_over_floor_required_cpu`` (target <= 2).

Usage::

    .venv/bin/python benchmarks/store_floor.py --cases 200

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.engine import (
    SQLITE_PRAGMAS,
    BatonSqliteDriver,
    Figure,
    Scenario,
    SpiffDriver,
    load_support_case,
    row_bytes_sql,
    scenarios,
    sqlite_figure,
    timed,
)
from benchmarks.engine_spiff import spiff_sqlite_figure

#: Each table a run writes, with the column that names its owner (run or case).
OWNERS: dict[str, str] = {
    "run_event": "run_id",
    "run_input": "run_id",
    "case_change": "case_id",
    "outbox": "run_id",
    "step_execution": "run_id",
    "timer": "run_id",
    "work_item": "run_id",
    "assignment": "run_id",
}

#: The leanest schema that still answers the runtime's reads: logs keyed by (owner, n),
#: one index for each queue a worker or an agent polls, the run found by its case.
LEAN_SCHEMA = """
CREATE TABLE cases (id TEXT PRIMARY KEY, fields TEXT, version INT, updated_at TEXT)
    WITHOUT ROWID;
CREATE TABLE case_change (case_id TEXT, n INT, body TEXT, PRIMARY KEY (case_id, n))
    WITHOUT ROWID;
CREATE TABLE run (id TEXT PRIMARY KEY, case_id TEXT, status TEXT, node_id TEXT,
    state TEXT, seq INT, updated_at TEXT) WITHOUT ROWID;
CREATE INDEX run_case ON run (case_id);
CREATE INDEX run_listing ON run (status, node_id);
CREATE TABLE run_event (run_id TEXT, n INT, body TEXT, PRIMARY KEY (run_id, n))
    WITHOUT ROWID;
CREATE TABLE run_input (run_id TEXT, n INT, body TEXT, PRIMARY KEY (run_id, n))
    WITHOUT ROWID;
CREATE TABLE step_execution (run_id TEXT, n INT, body TEXT, PRIMARY KEY (run_id, n))
    WITHOUT ROWID;
CREATE TABLE assignment (run_id TEXT, n INT, body TEXT, PRIMARY KEY (run_id, n))
    WITHOUT ROWID;
CREATE TABLE outbox (id INTEGER PRIMARY KEY, run_id TEXT, status TEXT, available_at TEXT,
    body TEXT);
CREATE INDEX outbox_due ON outbox (status, available_at);
CREATE TABLE timer (run_id TEXT, n INT, status TEXT, due_at TEXT, body TEXT,
    PRIMARY KEY (run_id, n)) WITHOUT ROWID;
CREATE INDEX timer_due ON timer (status, due_at);
CREATE TABLE work_item (run_id TEXT, n INT, status TEXT, assignee TEXT, body TEXT,
    PRIMARY KEY (run_id, n)) WITHOUT ROWID;
CREATE INDEX work_item_queue ON work_item (status, assignee);
"""


@dataclass(frozen=True, slots=True)
class WriteSet:
    """What one (b) case leaves in the store, on average."""

    transitions: float
    state_bytes: int
    case_bytes: int
    rows: dict[str, float]  #: rows per case, by table
    row_bytes: dict[str, int]  #: bytes per row, by table (every column, as stored)


def measure_write_set(sample: list[Scenario], directory: Path) -> WriteSet:
    """Run ``sample`` through (b), untimed, and read back what the cases stored."""
    driver = BatonSqliteDriver(load_support_case(), directory)
    for scenario in sample:
        driver.run(scenario)
    driver.engine.dispose()
    db = sqlite3.connect(driver.path)
    try:
        runs = db.execute("SELECT count(*), avg(length(state)) FROM run").fetchone()
        count = runs[0]
        rows: dict[str, float] = {}
        row_bytes: dict[str, int] = {}
        for table in OWNERS:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            size = row_bytes_sql(columns)
            n, average = db.execute(f"SELECT count(*), avg({size}) FROM {table}").fetchone()
            rows[table] = n / count
            row_bytes[table] = round(average or 0)
        case_bytes = db.execute("SELECT avg(length(fields)) FROM cases").fetchone()[0]
    finally:
        db.close()
    return WriteSet(
        transitions=rows["run_input"],
        state_bytes=round(runs[1]),
        case_bytes=round(case_bytes),
        rows=rows,
        row_bytes=row_bytes,
    )


def spread(total: float, slots: int, number: int) -> Iterator[int]:
    """How many of ``total`` rows per case each of ``slots`` transitions writes.

    Case ``number`` writes ``floor((number + 1) * total) - floor(number * total)`` rows,
    so consecutive cases average ``total`` exactly, fractions included.
    """
    whole = math.floor((number + 1) * total) - math.floor(number * total)
    for slot in range(slots):
        yield (whole * (slot + 1)) // slots - (whole * slot) // slots


class FloorReplay:
    """Replays a :class:`WriteSet` with ``sqlite3``: one commit per transition."""

    def __init__(self, path: Path, write_set: WriteSet, *, log_only: bool) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            self.db.execute(pragma)
        self.db.executescript(LEAN_SCHEMA)
        self.ws = write_set
        self.log_only = log_only
        self.state = "s" * write_set.state_bytes
        self.case_fields = "f" * write_set.case_bytes
        self.bodies = {table: "b" * size for table, size in write_set.row_bytes.items()}

    def run(self, scenario: Scenario) -> int:
        """Write one case's rows; return its transitions (one commit each)."""
        db, ws = self.db, self.ws
        number = scenario.number
        run_id = os.urandom(16).hex()
        case_id = f"case-{number}-{run_id[:8]}"
        slots = round(ws.transitions)
        plan = {table: list(spread(per_case, slots, number)) for table, per_case in ws.rows.items()}
        counters = dict.fromkeys(plan, 0)
        outbox_open: int | None = None
        timers_open: list[int] = []
        items_open: list[int] = []
        at = "2026-03-02T09:00:00.000000"
        for slot in range(slots):
            db.execute("BEGIN IMMEDIATE")
            if slot == 0:
                db.execute("INSERT INTO cases VALUES (?, ?, 1, ?)", (case_id, self.case_fields, at))
                db.execute(
                    "INSERT INTO run VALUES (?, ?, 'running', 'n0', ?, 0, ?)",
                    (run_id, case_id, self.state, at),
                )
            db.execute(
                "UPDATE run SET state = ?, seq = ?, node_id = ?, updated_at = ? WHERE id = ?",
                (self.state, counters["run_event"], f"n{slot // 2}", at, run_id),
            )
            for table in (
                ("run_event",)
                if self.log_only
                else ("run_event", "run_input", "step_execution", "assignment")
            ):
                for _ in range(plan[table][slot]):
                    counters[table] += 1
                    db.execute(
                        f"INSERT INTO {table} VALUES (?, ?, ?)",
                        (run_id, counters[table], self.bodies[table]),
                    )
            if not self.log_only:
                if plan["case_change"][slot]:
                    db.execute(
                        "UPDATE cases SET fields = ?, version = version + 1, updated_at = ? "
                        "WHERE id = ?",
                        (self.case_fields, at, case_id),
                    )
                for _ in range(plan["case_change"][slot]):
                    counters["case_change"] += 1
                    db.execute(
                        "INSERT INTO case_change VALUES (?, ?, ?)",
                        (case_id, counters["case_change"], self.bodies["case_change"]),
                    )
                # Each outbox entry is done by the transition after the one that wrote it;
                # each timer and work item is closed three transitions after it opened.
                if outbox_open is not None:
                    db.execute("UPDATE outbox SET status = 'done' WHERE id = ?", (outbox_open,))
                    outbox_open = None
                for _ in range(plan["outbox"][slot]):
                    outbox_open = db.execute(
                        "INSERT INTO outbox (run_id, status, available_at, body) "
                        "VALUES (?, 'pending', ?, ?)",
                        (run_id, at, self.bodies["outbox"]),
                    ).lastrowid
                for table, opened in (("timer", timers_open), ("work_item", items_open)):
                    while opened and opened[0] <= slot - 3:
                        n = opened.pop(0)
                        db.execute(
                            f"UPDATE {table} SET status = 'closed' WHERE run_id = ? AND n = ?",
                            (run_id, n),
                        )
                    for _ in range(plan[table][slot]):
                        counters[table] += 1
                        opened.append(counters[table])
                        db.execute(
                            f"INSERT INTO {table} VALUES (?, ?, 'open', ?, ?)",
                            (run_id, counters[table], at, self.bodies[table]),
                        )
            db.execute("COMMIT")
        return slots

    def close(self) -> None:
        self.db.close()


def ms_per_case(figure: Figure) -> tuple[float, float]:
    return figure.seconds * 1000 / figure.cases, figure.cpu_seconds * 1000 / figure.cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases per measurement")
    parser.add_argument(
        "--sample", type=int, default=80, help="(b) cases run first to learn the write set"
    )
    args = parser.parse_args(argv)
    if min(args.cases, args.sample) < 8:
        parser.error("--cases and --sample must be at least 8 so every kind of case occurs")
    logging.disable(logging.INFO)

    workflow = load_support_case()
    cases = scenarios(args.cases)
    spiff = SpiffDriver(workflow)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="baton-floor-") as directory:
        root = Path(directory)
        ws = measure_write_set(scenarios(args.sample), root / "sample")
        replays: dict[str, Callable[[Scenario], int]] = {}
        for name, log_only in (("floor_required", False), ("floor_log_only", True)):
            replay = FloorReplay(root / f"{name}.db", ws, log_only=log_only)
            for warm in scenarios(8):
                replay.run(warm)
            replays[name] = replay.run
        # Peers in one run, taking turns, so a burst of load lands on all of them alike.
        figures.append(timed("spiff_serialized", cases, lambda c: spiff.run(c, serialize=True)[0]))
        figures.append(timed("floor_required", cases, replays["floor_required"]))
        figures.append(sqlite_figure(workflow, cases)[0])
        figures.append(timed("floor_log_only", cases, replays["floor_log_only"]))
        figures.append(spiff_sqlite_figure(spiff, cases, root / "spiff.db"))

    by_name = {figure.name: figure for figure in figures}
    d_wall, d_cpu = ms_per_case(by_name["spiff_serialized"])
    budget_wall, budget_cpu = d_wall / 5, d_cpu / 5
    print(
        f"{'measurement':<18}{'cases':>7}{'wall ms/case':>14}{'cpu ms/case':>13}"
        f"{'of 5x budget (wall, cpu)':>27}"
    )
    for figure in figures:
        wall, cpu = ms_per_case(figure)
        print(
            f"{figure.name:<18}{figure.cases:>7}{wall:>14.2f}{cpu:>13.2f}"
            f"{wall / budget_wall:>15.0%}{cpu / budget_cpu:>11.0%}"
        )
    print(
        f"write set of a (b) case (mean of {args.sample}): {ws.transitions:.2f} transitions, "
        f"state snapshot {ws.state_bytes} B, rows per case (bytes per row): "
        + ", ".join(f"{t} {n:.2f} ({ws.row_bytes[t]})" for t, n in ws.rows.items())
    )
    summary: dict[str, float | int] = {"cases": args.cases, "sample": args.sample}
    for figure in figures:
        wall, cpu = ms_per_case(figure)
        summary[f"{figure.name}_ms_per_case"] = round(wall, 3)
        summary[f"{figure.name}_cpu_ms_per_case"] = round(cpu, 3)
    summary["budget_5x_ms_per_case"] = round(budget_wall, 3)
    summary["budget_5x_cpu_ms_per_case"] = round(budget_cpu, 3)
    for name in ("floor_required", "floor_log_only", "baton_sqlite", "spiff_sqlite"):
        wall, cpu = ms_per_case(by_name[name])
        summary[f"{name}_share_of_budget"] = round(wall / budget_wall, 2)
        summary[f"{name}_share_of_budget_cpu"] = round(cpu / budget_cpu, 2)
    # The two targets for (b): >= 3x (e) and <= 2x the floor, both on CPU time.
    b_cpu = ms_per_case(by_name["baton_sqlite"])[1]
    summary["ratio_baton_sqlite_over_spiff_sqlite_cpu"] = round(
        ms_per_case(by_name["spiff_sqlite"])[1] / b_cpu, 2
    )
    summary["ratio_baton_sqlite_cpu_over_floor_required_cpu"] = round(
        b_cpu / ms_per_case(by_name["floor_required"])[1], 2
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
