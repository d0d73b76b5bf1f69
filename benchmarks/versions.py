"""Benchmark: versions in flight on SQLite: a move's impact, the move, and a what-if.

Two temporary SQLite databases, each with N cases of the shipped ``support-case``
(default 10,000):

- moves: N unfinished runs of version 1 spread over every stage (seeded by
  ``tests/runtime/migrate_support.py``: template runs driven through the real store to
  each place, then cloned row for row), and a version 2 that renames a stage, removes a
  step and adds a decision. Timed: the impact of moving them all
  (``migration_impact``, what the API shows before a move; target under 2 s) and the
  move itself (``move_runs`` to its end; target under 30 s).
- what-if: N recorded cases. A few dozen varied support cases are run through the real
  runtime (``tests/runtime/whatif_cases.py``: high and normal priority, sent back for
  rework, slow past the SLA, two still open), then cloned row for row (cases, runs,
  input events, log lines, work items; ``tests/runtime/run_clones.py``) under fresh ids,
  every time in them earlier by up to 23 days (the open cases' copies by up to 12 hours),
  so the cases start over the last 30 days; a team of 24 agents (10 items each) in every
  queue the steps name.
  Timed: ``what_if`` over all of them (read, replay, predict on ``--processes``
  processes, route, measure) with a draft changing an EARLY decision (``priority``:
  only urgent cases are urgent; every case passes it, and is judged on the values its
  ``decision.taken`` line recorded: only those it sends elsewhere, and the open ones,
  are simulated; target under 5 s), and, labelled apart, a draft changing only a LATE
  stage (``escalation``: only the cases that reached it are simulated). Each is run a
  second time with the judging off (``*_unjudged_*``: every case meeting a change
  simulated, the figures before it), and ``*_same_answer`` says whether the two whole
  ``WhatIf`` answers (but for ``simulated``) are equal.

Usage::

    .venv/bin/python benchmarks/versions.py                 # 10,000 runs and cases
    .venv/bin/python benchmarks/versions.py --runs 300      # quick
    .venv/bin/python benchmarks/versions.py --profile       # + cProfile of the what-if here
    .venv/bin/python benchmarks/versions.py --phases        # + CPU of each what-if step here

The last line printed is one JSON object with every figure (seconds).
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import pstats
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests" / "runtime"):  # the test helpers import by plain name
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from migrate_support import MAPPING, WF  # noqa: E402
from migrate_support import seed as seed_runs  # noqa: E402
from run_clones import clone_runs  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from whatif_cases import (  # noqa: E402
    SUPPORT,
    install_support,
    let_time_pass,
    record_open_case,
    record_support_cases,
)

from graphs.model import InteractiveStep, StageNode, Workflow  # noqa: E402
from runtime.db import make_engine, session_scope  # noqa: E402
from runtime.services.migrations import migration_impact, move_runs  # noqa: E402
from runtime.store import migrate  # noqa: E402
from runtime.store.routing_tables import AgentRow, QueueRow  # noqa: E402
from runtime.store.tables import (  # noqa: E402
    RunEventRow,
    RunInputRow,
    RunRow,
    TimerRow,
    WorkItemRow,
)
from runtime.whatif import WhatIf, what_if  # noqa: E402
from runtime.whatif import load as whatif_load  # noqa: E402
from runtime.whatif.decisions import judged_decisions  # noqa: E402
from runtime.whatif.figures import figures as whatif_figures  # noqa: E402
from runtime.whatif.play import Draft, read_recorded, typical_minutes  # noqa: E402
from runtime.whatif.routing_model import route  # noqa: E402
from runtime.whatif.service import touched_nodes  # noqa: E402

TARGETS = {"impact_10k_s": 2.0, "migrate_10k_s": 30.0, "whatif_10k_s": 5.0}
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
#: Recorded through the runtime: one an hour from six days before NOW (all finished by NOW).
RECORDED = 40
#: Left open at their first work item, started in the last hour.
OPEN = 2
#: How far back the copies of the recorded cases go (they all start in the last 30 days).
SPREAD = timedelta(days=23)
#: How far back the copies of the open cases go.
OPEN_SPREAD = timedelta(hours=12)
AGENTS = 24


def _seconds(began: float) -> float:
    return round(time.perf_counter() - began, 3)


def _database(folder: str, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{folder}/{name}.db")
    migrate(engine)
    return engine


# ---------------------------------------------------------------------------- moves


def bench_moves(folder: str, runs: int) -> dict[str, Any]:
    """Seed ``runs`` unfinished runs, time the impact of moving them and the move."""
    engine = _database(folder, "moves")
    began = time.perf_counter()
    seeded = seed_runs(engine, runs)
    figures: dict[str, Any] = {"moves_runs": seeded, "moves_seed_s": _seconds(began)}
    began = time.perf_counter()
    with session_scope(engine) as session:
        impact = migration_impact(
            session, workflow_id=WF, from_version=1, to_version=2, mapping=MAPPING
        )
    figures["impact_10k_s"] = _seconds(began)
    figures["impact_runs"] = impact.runs
    began = time.perf_counter()
    job = move_runs(
        engine, workflow_id=WF, from_version=1, to_version=2, mapping=MAPPING, by="bench",
        reason="routing is now assignment",
    )  # fmt: skip
    figures["migrate_10k_s"] = _seconds(began)
    with session_scope(engine) as session:
        on_2 = session.execute(
            select(func.count()).select_from(RunRow).where(RunRow.version == 2)  # type: ignore[arg-type]
        ).scalar_one()
    figures.update(moved=job.moved, unmapped=job.unmapped, runs_on_version_2=on_2)
    engine.dispose()
    return figures


# ---------------------------------------------------------------------------- what-if


def _team(engine: Engine) -> None:
    """Agents with every skill the steps ask for, members of every queue the steps name."""
    skills: set[str] = set()
    queues: set[str] = set()
    for node in SUPPORT.nodes:
        for step in node.steps if isinstance(node, StageNode) else []:
            if isinstance(step, InteractiveStep):
                skills.update(step.assignment.skills)
                if step.assignment.queue:
                    queues.add(step.assignment.queue)
    members = [f"agent{n:02d}" for n in range(AGENTS)]
    with session_scope(engine) as session:
        for agent in members:
            session.add(AgentRow(id=agent, name=agent, skills=dict.fromkeys(skills, 3),
                                 languages=["english"], max_items=10))  # fmt: skip
        for queue in sorted(queues):
            session.add(QueueRow(name=queue, members=members, strategy="load_balanced"))


def seed_cases(engine: Engine, folder: str, cases: int) -> int:
    """``cases`` recorded support cases (at least the recorded templates); how many."""
    install_support(engine)
    started = NOW - timedelta(days=6)
    runs = record_support_cases(engine, Path(folder), count=RECORDED, start=started)
    for n in range(OPEN):
        opened = NOW - timedelta(minutes=50 - 20 * n)
        runs.append(record_open_case(engine, Path(folder), number=100 + n, start=opened))
    copies = max(0, -(-cases // len(runs)) - 1)
    step = SPREAD / max(1, copies)
    open_step = OPEN_SPREAD / max(1, copies)

    def earlier(template: int, copy: int) -> timedelta:
        # Copy c of a finished case goes back (c + 1) steps, less a few minutes by template
        # so that copies of neighbouring templates do not start at the same minute; the
        # open cases' copies stay recent (an item is not left untouched for weeks).
        if template >= RECORDED:
            return -(open_step * (copy + 1))
        return -(step * (copy + 1)) + timedelta(minutes=7 * (template % 9))

    # With their timers: an open copy moved earlier holds SLA timers due before NOW, still
    # pending (the clock never ran over the copies), which the what-if must see.
    tables = (RunRow, RunInputRow, RunEventRow, WorkItemRow, TimerRow)
    made = clone_runs(engine, runs, copies, tables=tables, shift=earlier)
    # The clock runs over the copies to NOW, as a served Baton's does: the SLA timers of
    # the open ones moved earlier fire and are logged (~950 of them, ~3 s).
    let_time_pass(engine, Path(folder), until=NOW)
    _team(engine)
    return len(runs) + len(made)


def early_change(workflow: Workflow) -> Workflow:
    """The ``priority`` decision: urgent only when the priority says so (not the tier)."""
    document = copy.deepcopy(workflow.model_dump(mode="json"))
    node = next(n for n in document["nodes"] if n["id"] == "priority")
    urgent = node["outcomes"][0]["condition"]
    urgent["rules"] = urgent["rules"][:1]
    return Workflow.model_validate(document)


def late_change(workflow: Workflow) -> Workflow:
    """The ``escalation`` stage: tier 2 has a new name (the stage's definition changes)."""
    document = copy.deepcopy(workflow.model_dump(mode="json"))
    node = next(n for n in document["nodes"] if n["id"] == "escalation")
    node["name"] = "Escalation to tier 2"
    return Workflow.model_validate(document)


def _cpu() -> float:
    """CPU seconds of this process and of its ended children (the what-if's pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _what_if(
    engine: Engine, draft: Workflow, processes: int, *, judge: bool = True
) -> tuple[float, float, WhatIf]:
    """Wall clock and CPU seconds (all processes) of one what-if, and its answer
    (``judge``: with changed decisions judged on the recorded lines, as served)."""
    began, cpu = time.perf_counter(), _cpu()
    with session_scope(engine) as session:
        result = what_if(
            session, workflow_id=SUPPORT.id, draft=draft, now=NOW, processes=processes,
            judge_decisions=judge,
        )  # fmt: skip
    return _seconds(began), round(_cpu() - cpu, 3), result


def _answer(result: WhatIf) -> str:
    """The what-if's whole JSON but how many cases it simulated."""
    return result.model_dump_json(exclude={"simulated"})


def _both(engine: Engine, draft: Workflow, processes: int, name: str) -> dict[str, Any]:
    """One what-if of ``draft`` with changed decisions judged on the recorded lines and
    one without (every case meeting a change simulated), in turns: figures under
    ``name`` and ``name_unjudged``, and whether the two answers are the same."""
    seconds, cpu, result = _what_if(engine, draft, processes)
    before_s, before_cpu, unjudged = _what_if(engine, draft, processes, judge=False)
    return {
        f"{name}_s": seconds,
        f"{name}_cpu_s": cpu,
        f"{name}_simulated": result.simulated,
        f"{name}_unjudged_s": before_s,
        f"{name}_unjudged_cpu_s": before_cpu,
        f"{name}_unjudged_simulated": unjudged.simulated,
        f"{name}_same_answer": _answer(result) == _answer(unjudged),
        f"{name}_read_cases": result.cases,
        f"{name}_path_changed": result.draft.path_changed,
    }


def phases(engine: Engine, draft: Workflow) -> dict[str, float]:
    """CPU seconds of each step of one what-if of ``draft``, all in this process (the
    steps a pooled what-if shares out): the rows, each case read off its log, the
    predictions, each side's routing and the figures."""
    cpu: dict[str, float] = {}
    began = time.process_time()

    def lap(name: str) -> None:
        nonlocal began
        cpu[name] = round(time.process_time() - began, 3)
        began = time.process_time()

    with session_scope(engine, read_only=True) as session:
        version = whatif_load.active_version(session, SUPPORT.id)
        assert version is not None
        definitions = whatif_load.versions(session, SUPPORT.id, [version])
        compiled = whatif_load.compiled_draft(session, draft)
        touched = touched_nodes(definitions[version].workflow, draft)
        plan = Draft(
            compiled=compiled,
            given={},
            until=NOW,
            touched=touched,
            base=version,
            judged=judged_decisions(definitions[version].compiled, compiled, touched),
        )
        model = whatif_load.routing_model(session)
        # As the what-if does: the cycle collector off but while predicting.
        collecting = gc.isenabled()
        gc.disable()
        began = time.process_time()
        cases = whatif_load.recorded(
            session, workflow_id=SUPPORT.id, since=NOW - timedelta(days=30),
            decisions=bool(plan.judged and plan.judged.nodes),
        ).read()  # fmt: skip
        lap("phase_rows_cpu_s")
    played = [read_recorded(definitions[c.version], c) for c in cases]
    lap("phase_read_each_cpu_s")
    typical = typical_minutes([p.script.minutes for p in played])
    before = [p.trace for p in played]
    gc.enable()
    after = [plan.play(c, p, typical) for c, p in zip(cases, played, strict=True)]
    gc.disable()
    lap("phase_predict_cpu_s")
    routed_before = route(model, (item for trace in before for item in trace.items))
    lap("phase_route_recorded_cpu_s")
    routed_after = route(model, (item for trace in after for item in trace.items))
    lap("phase_route_predicted_cpu_s")
    whatif_figures(before, routed_before)
    whatif_figures(after, routed_after, recorded=before)
    lap("phase_figures_cpu_s")
    if collecting:
        gc.enable()
    return cpu


def bench_whatif(
    folder: str, cases: int, processes: int, profile: bool, timed_phases: bool
) -> dict[str, Any]:
    engine = _database(folder, "whatif")
    began = time.perf_counter()
    seeded = seed_cases(engine, folder, cases)
    figures: dict[str, Any] = {"whatif_cases": seeded, "whatif_seed_s": _seconds(began)}
    early, late = early_change(SUPPORT), late_change(SUPPORT)
    figures.update(_both(engine, early, processes, "whatif"))
    figures["whatif_10k_s"] = figures.pop("whatif_s")
    figures.update(_both(engine, late, processes, "whatif_late_stage"))
    for name, seconds in (("whatif", "whatif_10k_s"), ("whatif_late_stage", "whatif_late_stage_s")):
        figures[f"{name}_cases_per_s"] = round(figures["whatif_read_cases"] / figures[seconds], 1)
    if timed_phases:
        figures.update(phases(engine, early))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _what_if(engine, early, 1)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs to move, cases to replay")
    parser.add_argument("--processes", type=int, default=2, help="what-if processes")
    parser.add_argument("--profile", action="store_true", help="cProfile a what-if, 1 process")
    parser.add_argument(
        "--phases", action="store_true", help="CPU of each step of a what-if, 1 process"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        figures = {"runs": args.runs, "processes": args.processes}
        figures.update(bench_moves(folder, args.runs))
        figures.update(bench_whatif(folder, args.runs, args.processes, args.profile, args.phases))
    for key, target in TARGETS.items():
        figures[f"{key.removesuffix('_s')}_target_s"] = target
        figures[f"{key.removesuffix('_s')}_met"] = figures[key] < target
    n = args.runs
    print(f"{'measurement':<44} {'wall s':>8} {'target':>8}  met")
    rows = [
        (f"impact of moving {figures['impact_runs']:,} runs", "impact_10k_s"),
        (f"moving them ({figures['moved']:,} moved, {figures['unmapped']} stay)", "migrate_10k_s"),
        (f"what-if, early decision ({figures['whatif_simulated']:,} simulated)", "whatif_10k_s"),
    ]
    for label, key in rows:
        met = figures[f"{key.removesuffix('_s')}_met"]
        print(f"{label:<44} {figures[key]:8.3f} {TARGETS[key]:8.1f}  {met}")
    print(
        f"{'what-if, late stage only':<44} {figures['whatif_late_stage_s']:8.3f} {'-':>8}  "
        f"({figures['whatif_late_stage_simulated']:,} of {figures['whatif_read_cases']:,} "
        "cases simulated)"
    )
    print(
        f"what-if CPU s (all processes): early {figures['whatif_cpu_s']}, late stage "
        f"{figures['whatif_late_stage_cpu_s']}"
    )
    print(
        "without judging changed decisions on the recorded lines: early "
        f"{figures['whatif_unjudged_s']} s wall, {figures['whatif_unjudged_cpu_s']} s CPU, "
        f"{figures['whatif_unjudged_simulated']:,} simulated; late stage "
        f"{figures['whatif_late_stage_unjudged_s']} s wall, "
        f"{figures['whatif_late_stage_unjudged_cpu_s']} s CPU, "
        f"{figures['whatif_late_stage_unjudged_simulated']:,} simulated; same answers: "
        f"early {figures['whatif_same_answer']}, late stage "
        f"{figures['whatif_late_stage_same_answer']}"
    )
    print(
        f"cases/s: early {figures['whatif_cases_per_s']:,}, late stage "
        f"{figures['whatif_late_stage_cases_per_s']:,}; seeding: runs {figures['moves_seed_s']} s, "
        f"cases {figures['whatif_seed_s']} s; --runs {n:,}, {args.processes} process(es)"
    )
    if args.phases:
        print(
            "what-if CPU s by step (early decision, 1 process): "
            + ", ".join(
                f"{key.removeprefix('phase_').removesuffix('_cpu_s')} {value}"
                for key, value in figures.items()
                if key.startswith("phase_")
            )
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
