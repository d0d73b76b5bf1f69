"""A worker's pool metrics without processes: the directory, the sum of its files, the dead.

The files are written by the client library itself, as a pool process with a given pid
would (its multiprocess value class, told which pid it is); the scale-out test
(``tests/scale/test_pool_metrics.py``) does the same with a real worker and its pool.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import Histogram, values
from prometheus_client.parser import text_string_to_metric_families

from runtime.observability import pool_dir
from runtime.observability.metrics import exposition
from runtime.observability.pool_dir import ENV, prepare
from runtime.observability.pool_metrics import sweep_dead

NO_SUCH_PID = 99_999_999  # above any pid_max


def _observe_as(
    pid: int, directory: Path, monkeypatch: pytest.MonkeyPatch, seconds: list[float]
) -> None:
    """Step latencies of ``http_request`` steps, as pool process ``pid`` records them."""
    monkeypatch.setenv(ENV, str(directory))
    as_pid = values.MultiProcessValue(process_identifier=lambda: pid)  # type: ignore[no-untyped-call]
    monkeypatch.setattr(values, "ValueClass", as_pid)
    histogram = Histogram(
        "baton_step_duration_seconds", "step latency", ["action", "outcome"],
        buckets=(0.1, 1.0), registry=None,
    )  # fmt: skip
    for value in seconds:
        histogram.labels(action="http_request", outcome="succeeded").observe(value)
    as_pid.close_all_files()
    monkeypatch.delenv(ENV)


def _steps(text: str) -> dict[str, float]:
    """The ``http_request`` step histogram's samples, by name and ``le``."""
    return {
        sample.name.removeprefix("baton_step_duration_seconds") + sample.labels.get("le", ""):
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("baton_step_duration_seconds")
        and sample.labels.get("action") == "http_request"
    }  # fmt: skip


def test_a_worker_probe_sums_the_step_latencies_of_every_pool_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _observe_as(101, tmp_path, monkeypatch, [0.05, 0.5])
    _observe_as(102, tmp_path, monkeypatch, [2.0])

    text = exposition(pool=tmp_path).decode()

    assert _steps(text) == {
        "_count": 3.0, "_sum": 2.55, "_bucket0.1": 1.0, "_bucket1.0": 2.0, "_bucket+Inf": 3.0,
    }  # fmt: skip
    assert text.count("# TYPE baton_step_duration_seconds histogram") == 1
    assert "process_cpu_seconds_total" in text  # the scraped process's own figures stay


def test_a_file_cut_short_by_a_kill_is_skipped_and_the_rest_still_summed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _observe_as(101, tmp_path, monkeypatch, [0.05, 0.5])
    (tmp_path / "histogram_103.db").write_bytes(b"")  # killed between creating and sizing it
    (tmp_path / "histogram_104.db").write_bytes(b"\xff" * 64)

    assert _steps(exposition(pool=tmp_path).decode())["_count"] == 2.0


def test_the_live_gauges_of_a_process_that_is_gone_are_dropped_at_a_scrape(
    tmp_path: Path,
) -> None:
    gone = tmp_path / f"gauge_livesum_{NO_SUCH_PID}.db"
    mine = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    kept = tmp_path / f"histogram_{NO_SUCH_PID}.db"  # its steps were done: they stay counted
    for name in (gone, mine, kept):
        name.write_bytes(b"")

    assert sweep_dead(tmp_path) == [NO_SUCH_PID]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, kept.name])


def test_an_operators_directory_is_used_and_emptied_of_an_earlier_runs_files(
    tmp_path: Path,
) -> None:
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "histogram_7.db").write_bytes(b"stale")
    (given / "README").write_text("not the library's")
    environ = {ENV: str(given)}

    pool = prepare(environ)

    assert (pool.path, pool.made_here) == (given, False)
    assert sorted(p.name for p in given.iterdir()) == ["README"]


def test_without_a_directory_given_a_private_empty_one_is_made_for_the_pool(
    tmp_path: Path,
) -> None:
    environ: dict[str, str] = {}

    pool = prepare(environ)
    try:
        assert pool.made_here and pool.path.is_dir() and list(pool.path.iterdir()) == []
        assert environ[ENV] == str(pool.path)  # what the pool processes will inherit
    finally:
        pool.path.rmdir()


def test_a_pool_process_started_afresh_leaves_its_parents_directory_alone(
    tmp_path: Path,
) -> None:
    (tmp_path / "histogram_7.db").write_bytes(b"a sibling's steps")
    environ = {ENV: str(tmp_path), "BATON_PROMETHEUS_DIR_OWNER": str(NO_SUCH_PID)}

    assert prepare(environ).path == tmp_path
    assert (tmp_path / "histogram_7.db").exists()


def test_prepared_after_the_library_was_imported_values_still_go_to_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    monkeypatch.setenv("BATON_PROMETHEUS_DIR_OWNER", str(os.getpid()))
    monkeypatch.setattr(values, "ValueClass", values.MutexValue)  # chosen before the variable

    prepare()

    assert values.ValueClass._multiprocess
    assert pool_dir.directory() == tmp_path
