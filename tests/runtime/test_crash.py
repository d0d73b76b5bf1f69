"""Crash safety: SIGKILL the runtime at random moments while 200+ cases run, then check.

What must hold afterwards:

- every run finished, and its log is numbered 1..seq with no gap (duplicates are
  impossible by the unique (run, seq) key) and replays to its stored state;
- database effects (a step's ``case_updates``) happened exactly once;
- the outside side effect (a line appended to a file) ran once per step attempt, except
  where the executor *knowingly* delivered a call again because a worker died during it:
  delivery to outside systems is at least once, keyed. Such keys must show
  ``deliveries > 1`` in their execution row, so a double never goes unnoticed; the test
  reports how many there were.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.engine.types import RunState
from runtime.store.tables import CaseRow, ExecutionRow, RunRow

CASES = 220
KILLS = 6
SCRIPT = Path(__file__).resolve().parent / "crash_worker.py"


def _spawn(url: str, effects: Path, *, capture: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), url, str(effects), str(CASES)],
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _effects_done(effects: Path) -> int:
    return len(effects.read_text().split()) if effects.exists() else 0


def _wait_for_effects(effects: Path, target: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _effects_done(effects) < target and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    effects = tmp_path / "effects.log"
    seed = int(os.environ.get("BATON_CRASH_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    started = time.monotonic()
    progress = []
    for _ in range(KILLS):
        process = _spawn(url, effects, capture=True)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "STARTED", f"seed {seed}: no start"
        if not progress:
            time.sleep(rng.uniform(0.1, 1.2))  # mid-feed, or mid-step
        else:
            # A restart takes back the dead worker's claims at once and catches up fast:
            # a fixed pause could outlast the rest of the work. Kill it after a random
            # share of what is left, so every kill lands on work in flight.
            done = _effects_done(effects)
            _wait_for_effects(effects, done + rng.randint(1, max(1, (2 * CASES - done) // KILLS)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        progress.append(_effects_done(effects))
    # The kills must have hit work in flight, not only start-up or an idle process.
    assert sum(0 < done < 2 * CASES for done in progress) >= 2, f"seed {seed}: {progress}"
    final = _spawn(url, effects, capture=True)
    out, _ = final.communicate(timeout=50)
    assert final.returncode == 0 and "ALL DONE" in out, f"seed {seed}: final run did not finish"
    elapsed = time.monotonic() - started

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            cases = s.exec(select(CaseRow)).all()
            runs = s.exec(select(RunRow)).all()
            executions = {e.key: e for e in s.exec(select(ExecutionRow)).all()}
            assert len(cases) == CASES and len(runs) == CASES, f"seed {seed}"
            for run in runs:
                assert run.status == "completed", f"seed {seed}: run {run.id} is {run.status}"
                seqs = [e.seq for e in services.read_log(s, run_id=run.id, limit=10_000)]
                assert seqs == list(range(1, run.seq + 1)), f"seed {seed}: gap in {run.id}"
                assert services.replay_run(s, run_id=run.id) == RunState.model_validate(run.state)
            for case in cases:  # database effects: exactly once per step
                counts = {k: v for k, v in case.fields.items() if k.endswith("_count")}
                assert counts == {"s0_count": 1, "s1_count": 1}, f"seed {seed}: {case.id} {counts}"
    finally:
        engine.dispose()

    calls = Counter(effects.read_text().split())
    succeeded = {k for k, e in executions.items() if e.status == "succeeded"}
    assert succeeded <= set(calls), f"seed {seed}: a step completed without its side effect"
    doubled = {key: n for key, n in calls.items() if n > 1}
    for key, n in doubled.items():  # only knowing redeliveries after a crash mid-call
        assert executions[key].deliveries >= n, f"seed {seed}: {key} ran {n}x unrecorded"
    assert len(doubled) <= KILLS * 4, f"seed {seed}: more doubles than calls in flight"
    print(
        f"crash test seed={seed}: {CASES} cases, {KILLS} kills, {len(calls)} side effects, "
        f"{len(doubled)} redelivered after a kill mid-call, {elapsed:.1f}s; "
        f"side effects done at each kill: {progress}"
    )
