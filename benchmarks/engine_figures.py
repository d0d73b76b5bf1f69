"""The engine benchmark's figures: timing a measurement, best of repeats, profiling, printing."""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.engine_workload import Scenario


@dataclass(slots=True)
class Figure:
    """One measurement: how long N cases took and how many transitions they made."""

    name: str
    cases: int
    transitions: int
    seconds: float  #: wall clock
    cpu_seconds: float  #: CPU time of this process, all threads (steadier on a busy machine)
    notes: list[str] = field(default_factory=list)

    @property
    def cases_per_s(self) -> float:
        return self.cases / self.seconds

    @property
    def transitions_per_s(self) -> float:
        return self.transitions / self.seconds


def timed(name: str, cases: list[Scenario], run_one: Callable[[Scenario], int]) -> Figure:
    """Run every scenario through ``run_one`` with the collector off, as benchmarks do."""
    gc.collect()
    gc.disable()
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        transitions = sum(run_one(case) for case in cases)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        gc.enable()
    return Figure(name, len(cases), transitions, seconds, cpu_seconds)


def best_of(
    repeats: int,
    measurements: list[tuple[str, Callable[[Scenario], int]]],
    cases: list[Scenario],
) -> dict[str, Figure]:
    """Each measurement :func:`timed` ``repeats`` times; per measurement, the lowest wall
    clock and the lowest CPU time.

    The in-memory measurements last a fraction of a second, so one scheduler hiccup or a
    neighbour's burst on a shared machine moves a single run by half; the minimum over a
    few runs is the usual robust figure (what ``timeit`` reports). The measurements take
    turns (a, c, a, c, ...) so that load lasting seconds lands on both alike instead of
    on every run of one of them; (a) and (c) are measured together this way, so their
    ratio compares like with like.
    """
    runs: dict[str, list[Figure]] = {name: [] for name, _ in measurements}
    for _ in range(repeats):
        for name, run_one in measurements:
            runs[name].append(timed(name, cases, run_one))
    turns = len(measurements) > 1
    return {name: _best(name, found, turns=turns) for name, found in runs.items()}


def _best(name: str, runs: list[Figure], *, turns: bool) -> Figure:
    if len({run.transitions for run in runs}) != 1:
        raise RuntimeError(f"{name}: the repeats made different numbers of transitions")
    figure = Figure(
        name,
        runs[0].cases,
        runs[0].transitions,
        min(run.seconds for run in runs),
        min(run.cpu_seconds for run in runs),
    )
    if len(runs) > 1:
        figure.notes.append(
            f"{name}: best of {len(runs)} runs (lowest wall and lowest CPU time, each)"
            + (", taking turns with the other in-memory measurement" if turns else "")
            + "; wall per run: "
            + ", ".join(f"{run.seconds:.3f}" for run in runs)
            + " s"
        )
    return figure


def profiled(name: str, run: Callable[[], Figure], top: int = 25) -> Figure:
    """Run one measurement under cProfile and print where its time went."""
    profiler = cProfile.Profile()
    figure = profiler.runcall(run)
    print(f"\n--- profile of {name} (cumulative, top {top}) ---")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    print(f"--- profile of {name} (own time, top {top}) ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    return figure


def print_table(figures: list[Figure], notes: list[str]) -> None:
    print(
        f"{'measurement':<20}{'cases':>7}{'transitions':>13}{'wall s':>9}{'cpu s':>9}"
        f"{'cases/s':>10}{'transitions/s':>15}{'ms/case':>9}"
    )
    for f in figures:
        print(
            f"{f.name:<20}{f.cases:>7}{f.transitions:>13}{f.seconds:>9.3f}{f.cpu_seconds:>9.3f}"
            f"{f.cases_per_s:>10.1f}{f.transitions_per_s:>15.1f}{1000 / f.cases_per_s:>9.2f}"
        )
    for note in [*notes, *(n for f in figures for n in f.notes)]:
        print(note)
