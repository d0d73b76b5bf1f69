"""benchmarks/versions.py run tiny: its figures come out, and the move really moved runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_run_prints_every_figure_and_moves_the_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "versions.py"), "--runs", "30",
         "--processes", "1"],
        capture_output=True, text=True, timeout=240, cwd=ROOT, check=True,
    )  # fmt: skip
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("impact_10k_s", "migrate_10k_s", "whatif_10k_s", "whatif_late_stage_s"):
        assert isinstance(figures[key], float), key
    for key in ("impact_10k_met", "migrate_10k_met", "whatif_10k_met"):
        assert isinstance(figures[key], bool), key
    # Every seeded run was weighed, and those the mapping places are on version 2 now.
    assert figures["impact_runs"] == figures["moves_runs"] >= 30
    assert figures["moved"] > 0
    assert figures["runs_on_version_2"] == figures["moved"]
    assert figures["moved"] + figures["unmapped"] == figures["moves_runs"]
    # The early change reaches every recorded case; judged on their recorded lines, only
    # those it sends elsewhere (and the open ones) are simulated, with the same answer.
    assert figures["whatif_read_cases"] == figures["whatif_cases"] >= 30
    assert figures["whatif_unjudged_simulated"] == figures["whatif_cases"]
    assert 0 < figures["whatif_path_changed"] <= figures["whatif_simulated"]
    assert figures["whatif_simulated"] < figures["whatif_cases"]
    assert figures["whatif_same_answer"] is True
    # The late one reaches none of these.
    assert figures["whatif_late_stage_simulated"] == 0
    assert figures["whatif_late_stage_same_answer"] is True
