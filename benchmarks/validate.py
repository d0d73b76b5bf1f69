"""How long graph validation takes on generated workflows of 100, 1,000 and 10,000 nodes.

Run with ``.venv/bin/python benchmarks/validate.py [--repeat N]``. For each size it
prints the best wall-clock time (``time.perf_counter``) of ``validate`` over several
runs, and beside it the best time pydantic's ``Workflow.model_validate`` needs to parse
the same document: the ratio says what validation costs relative to merely loading a
workflow, a figure that holds across machines better than milliseconds do. The last
line is one JSON object with every figure, for scripts.

Validation leaves Python's cyclic garbage collector alone, as a pure package must, so
``validate`` is timed with the collector running, as callers run it. Beside it,
``paused`` is the same run with the collector switched off by this script around each
run: what the collector costs on a large workflow (validation switched it off itself
until the figures showed it no longer paid).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Measure the checkout this script is in, not whichever one the venv installed.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphs.generate import generate_workflow  # noqa: E402
from graphs.model import Workflow  # noqa: E402
from graphs.validation import validate  # noqa: E402

SIZES = (100, 1_000, 10_000)


def best_of(
    repeat: int,
    run: Callable[[], object],
    clock: Callable[[], float] = time.perf_counter,
    *,
    paused: bool = False,
) -> float:
    """The fastest of ``repeat`` runs, in milliseconds, each after a full collection;
    ``paused``: with the collector off during each run."""
    times = []
    for _ in range(repeat):
        gc.collect()
        if paused:
            gc.disable()
        try:
            started = clock()
            run()
            times.append(clock() - started)
        finally:
            if paused:
                gc.enable()
    return min(times) * 1000


def measure(n_nodes: int, repeat: int) -> dict[str, Any]:
    workflow = generate_workflow(n_nodes, seed=0)
    document = workflow.model_dump(mode="json")
    problems = validate(workflow)
    if problems:
        raise SystemExit(f"generated workflow of {n_nodes} nodes is invalid: {problems[:3]}")
    validate_ms = best_of(repeat, lambda: validate(workflow))
    # CPU time too: on a shared machine it leaves out the time spent waiting for a core.
    validate_cpu_ms = best_of(repeat, lambda: validate(workflow), time.process_time)
    paused_cpu_ms = best_of(repeat, lambda: validate(workflow), time.process_time, paused=True)
    parse_ms = best_of(repeat, lambda: Workflow.model_validate(document))
    steps = sum(len(getattr(node, "steps", ())) for node in workflow.nodes)
    return {
        "nodes": len(workflow.nodes),
        "edges": len(workflow.edges),
        "steps": steps,
        "validate_ms": round(validate_ms, 2),
        "validate_cpu_ms": round(validate_cpu_ms, 2),
        "paused_cpu_ms": round(paused_cpu_ms, 2),
        "model_validate_ms": round(parse_ms, 2),
        "ratio": round(validate_ms / parse_ms, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (best kept)")
    args = parser.parse_args(argv)
    summary: dict[str, float] = {}
    print(
        f"{'nodes':>7} {'edges':>7} {'steps':>7} {'validate':>11} {'(cpu)':>11} "
        f"{'paused cpu':>11} {'pydantic':>11} {'ratio':>6}"
    )
    for size in SIZES:
        row = measure(size, args.repeat)
        print(
            f"{row['nodes']:>7} {row['edges']:>7} {row['steps']:>7} "
            f"{row['validate_ms']:>8.1f} ms {row['validate_cpu_ms']:>8.1f} ms "
            f"{row['paused_cpu_ms']:>8.1f} ms "
            f"{row['model_validate_ms']:>8.1f} ms "
            f"{row['ratio']:>6.2f}"
        )
        summary[f"nodes_{size}_ms"] = row["validate_ms"]
        summary[f"nodes_{size}_cpu_ms"] = row["validate_cpu_ms"]
        summary[f"nodes_{size}_paused_cpu_ms"] = row["paused_cpu_ms"]
        summary[f"nodes_{size}_model_validate_ms"] = row["model_validate_ms"]
        summary[f"nodes_{size}_ratio"] = row["ratio"]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
