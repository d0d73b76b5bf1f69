"""The store floor replays what (b) stores, row for row, or its figure means nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.engine import scenarios
from benchmarks.store_floor import FloorReplay, measure_write_set, spread


def test_spread_keeps_fractional_averages_over_consecutive_cases() -> None:
    per_case = [sum(spread(2.25, 16, number)) for number in range(8)]
    assert sum(per_case) == 18  # 8 cases x 2.25
    assert sorted(set(per_case)) == [2, 3]
    assert all(n in (0, 1) for n in spread(11.75, 16, 3))  # never more than one a slot


@pytest.mark.parametrize("log_only", [False, True])
def test_replay_writes_the_rows_b_stored(tmp_path: Path, log_only: bool) -> None:
    sample = scenarios(8)
    write_set = measure_write_set(sample, tmp_path / "sample")
    # 17 on average for these 8 cases (14 to 20 a case, as engine.py says): one more since
    # support-case's triage gained the review step of its AI classification.
    assert write_set.transitions == pytest.approx(17.0)
    assert write_set.rows["run_event"] > write_set.transitions  # a log row at least each

    replay = FloorReplay(tmp_path / "floor.db", write_set, log_only=log_only)
    commits = sum(replay.run(case) for case in sample)
    replay.close()

    db = sqlite3.connect(tmp_path / "floor.db")
    stored = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in write_set.rows
    }
    assert commits == round(write_set.transitions * len(sample))
    for table, per_case in write_set.rows.items():
        expected = 0 if log_only and table != "run_event" else round(per_case * len(sample))
        assert stored[table] == expected, table
    assert db.execute("SELECT min(length(state)) FROM run").fetchone()[0] == (write_set.state_bytes)
