"""Benchmark: Baton's engine against SpiffWorkflow on the shipped ``support-case`` workflow.

Four measurements over the same N cases (half high priority, a quarter sent back once
through rework by the "resolved?" decision):

a. ``baton_memory``: Baton's pure transition driven in memory with the events a real
   run gets (case created, each background step completed, each set_fields/assign case
   change, each work item completed);
b. ``baton_sqlite``: Baton end to end on a SQLite file through the services layer,
   every transition committed, background steps performed inline by the executor;
   64 cases at a time side by side, as on a loaded server: each case created and each
   work item completed in a request (transaction) of its own, the executor draining
   what is due across all of them with group commit. ``baton_sqlite_one_by_one`` is
   the same with one case run to its end at a time (as (b) ran before group commit),
   printed beside it for the record;
c. ``spiff_memory``: the equivalent BPMN model (``support_case.bpmn``, written by
   Baton's BPMN export, ``graphs.interop.bpmn``) on SpiffWorkflow, user tasks completed
   programmatically;
d. ``spiff_serialized``: (c) plus ``BpmnWorkflowSerializer.serialize_json`` after
   every step, as a store would persist it;
e. ``spiff_sqlite``: (d) with each serialisation also committed to a SQLite file (one
   row per workflow, upserted, the pragmas of ``runtime/store/dialects/sqlite.py``):
   SpiffWorkflow made as durable as (b), the like-for-like peer of (b). Not one of the
   issue's targets.

A *transition* is one event fed to the engine, counted the same way for all four (one
per case start, background step and completed work item), so transitions/s compare
like with like. (a) and (c) are short, so each is run ``--repeats`` times (5 by
default), the two taking turns, and the best run of each is reported, the same way for
both; (b) and (d) run once. Before timing, one case of each kind runs on both engines and the
steps they executed are compared: a benchmark of two different workflows would be
worthless.

Usage::

    .venv/bin/python benchmarks/engine.py --cases 2000
    .venv/bin/python benchmarks/engine.py --cases 300 --profile baton_sqlite
    .venv/bin/python benchmarks/engine.py --cases 300 --only memory  # (a) and (c) only

The last line printed is one JSON object with every figure.
"""

import argparse
import json
import logging
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The benchmark's parts live beside it; their names stay importable from here.
from benchmarks.engine_baton import (  # noqa: E402
    BatonMemoryDriver,
    BatonSqliteDriver,
    CannedHttp,
    measure_parked,
    row_bytes_sql,
    run_identity,
    sqlite_figure,
)
from benchmarks.engine_figures import (  # noqa: E402
    Figure,
    best_of,
    print_table,
    profiled,
    timed,
)
from benchmarks.engine_spiff import (  # noqa: E402
    SQLITE_PRAGMAS,
    SpiffDriver,
    SpiffSqliteStore,
    spiff_sqlite_figure,
)
from benchmarks.engine_workload import (  # noqa: E402
    BPMN_FILE,
    CANNED_OUTPUTS,
    EPOCH,
    EXAMPLE,
    REWORK_FIELD,
    REWORK_STEP,
    Scenario,
    background_outputs,
    background_steps,
    case_updates,
    interactive_steps,
    load_support_case,
    scenarios,
    steps_of_kind,
)

__all__ = [
    "BPMN_FILE",
    "CANNED_OUTPUTS",
    "EPOCH",
    "EXAMPLE",
    "REWORK_FIELD",
    "REWORK_STEP",
    "SQLITE_PRAGMAS",
    "BatonMemoryDriver",
    "BatonSqliteDriver",
    "CannedHttp",
    "Figure",
    "Scenario",
    "SpiffDriver",
    "SpiffSqliteStore",
    "background_outputs",
    "background_steps",
    "best_of",
    "case_updates",
    "check_equivalence",
    "interactive_steps",
    "load_support_case",
    "main",
    "measure_parked",
    "print_table",
    "profiled",
    "row_bytes_sql",
    "run_identity",
    "scenarios",
    "sqlite_figure",
    "steps_of_kind",
    "timed",
]


def check_equivalence(
    baton: BatonMemoryDriver, spiff: SpiffDriver, cases: list[Scenario]
) -> list[str]:
    """Both engines run the same steps for each kind of case; return a note per kind."""
    notes = []
    kinds: dict[tuple[bool, bool], Scenario] = {}
    for case in cases:
        kinds.setdefault((case.high, case.rework), case)
    for (high, rework), case in sorted(kinds.items()):
        baton_trace: list[str] = []
        spiff_trace: list[str] = []
        baton.run(case, trace=baton_trace)
        spiff.run(case, trace=spiff_trace)
        if Counter(baton_trace) != Counter(spiff_trace):
            raise SystemExit(
                f"the BPMN model is not equivalent for high={high} rework={rework}:\n"
                f"  baton: {baton_trace}\n  spiff: {spiff_trace}\n"
                "regenerate it with: python benchmarks/interop.py --write-support-case"
            )
        notes.append(
            f"{'high' if high else 'normal'}{' + rework' if rework else ''}: "
            f"{len(baton_trace) + 1} transitions"
        )
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases per measurement")
    parser.add_argument(
        "--profile",
        choices=[
            "baton_memory",
            "baton_sqlite",
            "spiff_memory",
            "spiff_serialized",
            "spiff_sqlite",
        ],
        action="append",
        default=[],
        help="print a cProfile report of this measurement (repeatable)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="runs of each in-memory measurement, (a) and (c), taking turns, reporting the "
        "best of each (default 5; 1 under --profile)",
    )
    parser.add_argument(
        "--only",
        choices=["memory"],
        help="memory: run only the in-memory measurements, (a) and (c), and their ratio",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.cases < 8:
        parser.error("--cases must be at least 8 so every kind of case occurs")
    logging.disable(logging.INFO)  # notify/executor chatter is not what we measure

    workflow = load_support_case()
    cases = scenarios(args.cases)
    baton = BatonMemoryDriver(workflow)
    spiff = SpiffDriver(workflow)
    notes = [
        "paths checked equal on both engines: " + "; ".join(check_equivalence(baton, spiff, cases))
    ]

    sizes: list[int] = []
    parked: dict[str, Any] = {}

    def baton_sqlite() -> Figure:
        figure, found = sqlite_figure(workflow, cases)
        parked.update(found)
        return figure

    def baton_sqlite_one_by_one() -> Figure:
        return sqlite_figure(workflow, cases, wave=1)[0]

    def spiff_serialized(case: Scenario) -> int:
        transitions, size = spiff.run(case, serialize=True)
        sizes.append(size)
        return transitions

    def spiff_sqlite() -> Figure:
        with tempfile.TemporaryDirectory(prefix="baton-bench-spiff-") as directory:
            return spiff_sqlite_figure(spiff, cases, Path(directory) / "spiff.db")

    memory_runs: dict[str, Callable[[Scenario], int]] = {
        "baton_memory": baton.run,
        "spiff_memory": lambda c: spiff.run(c)[0],
    }
    in_memory: dict[str, Figure] = {}

    def memory(name: str) -> Figure:
        """(a) or (c): once on its own under --profile, else best of both, taking turns."""
        if name in args.profile:
            return timed(name, cases, memory_runs[name])
        if not in_memory:
            paired = [(n, run) for n, run in memory_runs.items() if n not in args.profile]
            in_memory.update(best_of(args.repeats, paired, cases))
        return in_memory[name]

    plan: list[tuple[str, Callable[[], Figure]]] = [
        ("baton_memory", lambda: memory("baton_memory")),
        ("baton_sqlite", baton_sqlite),
        ("spiff_memory", lambda: memory("spiff_memory")),
        ("spiff_serialized", lambda: timed("spiff_serialized", cases, spiff_serialized)),
        ("spiff_sqlite", spiff_sqlite),
        # (b) as it ran before group commit, one case to its end at a time: for the record.
        ("baton_sqlite_one_by_one", baton_sqlite_one_by_one),
    ]
    if args.only == "memory":
        plan = [(name, run) for name, run in plan if name in memory_runs]
    figures = {name: profiled(name, run) if name in args.profile else run() for name, run in plan}
    a, c = figures["baton_memory"], figures["spiff_memory"]
    if args.only == "memory":
        print_table(list(figures.values()), notes)
        print(json.dumps(_memory_summary(args, a, c)))
        return 0
    b, d, e = figures["baton_sqlite"], figures["spiff_serialized"], figures["spiff_sqlite"]
    b1 = figures["baton_sqlite_one_by_one"]
    if sizes:
        notes.append(f"spiff serialised state of a finished run: {sizes[-1]} bytes of JSON")
    notes.append(
        "stored bytes per parked run, by table: "
        + ", ".join(f"{table} {size}" for table, size in parked["per_table"].items())
    )

    print_table(list(figures.values()), notes)
    summary = _memory_summary(args, a, c)
    for name, figure in figures.items():
        summary[f"{name}_cases_per_s"] = round(figure.cases_per_s, 1)
    for name, figure in figures.items():
        summary[f"{name}_transitions_per_s"] = round(figure.transitions_per_s, 1)
    for key in (
        "bytes_per_parked_run",
        "stored_bytes_per_parked_run_all_tables",
        "db_file_bytes_per_parked_run",
    ):
        summary[key] = parked[key]
    summary["ratio_stored_baton_sqlite_over_spiff_serialized"] = round(
        b.cases_per_s / d.cases_per_s, 2
    )
    # The same ratios on CPU time, steadier than wall clock on a shared machine.
    summary["ratio_stored_baton_sqlite_over_spiff_serialized_cpu"] = round(
        d.cpu_seconds / b.cpu_seconds, 2
    )
    # Not a target: (b) against SpiffWorkflow as durable as it, for the record.
    summary["ratio_stored_baton_sqlite_over_spiff_sqlite"] = round(b.cases_per_s / e.cases_per_s, 2)
    summary["ratio_stored_baton_sqlite_over_spiff_sqlite_cpu"] = round(
        e.cpu_seconds / b.cpu_seconds, 2
    )
    summary["ratio_one_by_one_baton_sqlite_over_spiff_sqlite_cpu"] = round(
        e.cpu_seconds / b1.cpu_seconds, 2
    )
    summary["target_stored_3x_spiff_sqlite_cpu_met"] = e.cpu_seconds >= 3 * b.cpu_seconds
    summary["target_stored_5x_met"] = b.cases_per_s >= 5 * d.cases_per_s
    print(json.dumps(summary))
    return 0


def _memory_summary(args: argparse.Namespace, a: Figure, c: Figure) -> dict[str, Any]:
    """The in-memory figures, (a) against (c), measured in the same run."""
    return {
        "cases": args.cases,
        "in_memory_repeats": args.repeats,
        "baton_memory_ms_per_case": round(1000 * a.cpu_seconds / a.cases, 3),
        "spiff_memory_ms_per_case": round(1000 * c.cpu_seconds / c.cases, 3),
        "ratio_memory_baton_over_spiff": round(a.cases_per_s / c.cases_per_s, 2),
        # The same ratio on CPU time, steadier than wall clock on a shared machine.
        "ratio_memory_baton_over_spiff_cpu": round(c.cpu_seconds / a.cpu_seconds, 2),
        "target_memory_20x_met": a.cases_per_s >= 20 * c.cases_per_s,
    }


if __name__ == "__main__":
    raise SystemExit(main())
