"""The process that ``test_crash.py`` kills: a worker plus a feeder of cases.

Usage: ``python crash_worker.py DATABASE_URL EFFECTS_FILE CASES``. It installs a
record-triggered workflow (once), starts a :class:`~runtime.executor.Worker`, creates the
cases ``case-0000`` ... that do not exist yet (each creation starts a run in the same
transaction). It prints ``STARTED`` once the worker runs, and ``ALL DONE`` before it
exits once every run has finished.

The workflow's background steps call ``record``, which appends its idempotency key to
EFFECTS_FILE (an outside side effect the database cannot undo) and bumps a per-step
counter on the case (a database effect, committed with the step's completion).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runtime_flows import LineLog, counted, install_workflow, lookup_with

from runtime import services
from runtime.actions.base import Action, ActionContext, ActionResult
from runtime.db import make_engine, session_scope
from runtime.errors import Conflict
from runtime.executor import Worker
from runtime.settings import Settings
from runtime.store import migrate
from runtime.store.tables import CaseRow, RunRow
from runtime.store.workflow_tables import WorkflowRow

STEPS = 2


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counter: str


class _Out(BaseModel):
    key: str


class Record(Action):
    """Append the idempotency key to a file, then count the step on the case."""

    name = "record"
    Input = _In
    Output = _Out

    def __init__(self, path: str) -> None:
        self.effects = LineLog(path)

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        self.effects.append(ctx.idempotency_key)
        threading.Event().wait(0.005)  # a window for the kill to land mid-call
        return ActionResult(
            outputs={"key": ctx.idempotency_key}, case_updates=counted(ctx, inputs.counter)
        )


def workflow() -> dict[str, Any]:
    steps = [
        {
            "id": f"s{n}", "kind": "background", "action": "record",
            "after": [f"s{n - 1}"] if n else [],
            "inputs": {"counter": {"value": f"s{n}_count"}},
            "retry": {"max_attempts": 3, "initial_backoff_seconds": 0.1},
            "timeout_seconds": 2,
        }
        for n in range(STEPS)
    ]  # fmt: skip
    return {
        "id": "crashy",
        "name": "Crashy",
        "trigger": {"kind": "record", "on": "create"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "work", "kind": "stage", "steps": steps},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def main(url: str, effects: str, cases: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as s:
        if s.get(WorkflowRow, "crashy") is None:
            install_workflow(s, workflow())
    settings = Settings(worker_threads=4, clock_interval_seconds=0.05)
    worker = Worker(
        settings, engine, get_action=lookup_with(Record(effects)), lease_margin_seconds=0.5
    )
    worker.start()
    print("STARTED", flush=True)
    with session_scope(engine) as s:
        existing = set(s.exec(select(CaseRow.id)).all())
    for n in range(cases):
        case_id = f"case-{n:04d}"
        if case_id in existing:
            continue
        try:
            with session_scope(engine) as s:
                services.create_case(s, fields={"n": n}, actor="feeder", case_id=case_id)
        except Conflict:
            pass
    while True:
        with session_scope(engine) as s:
            unfinished = s.exec(
                select(func.count()).select_from(RunRow).where(col(RunRow.finished_at).is_(None))
            ).one()
            total = s.exec(select(func.count()).select_from(RunRow)).one()
        if total == cases and unfinished == 0:
            break
        threading.Event().wait(0.1)
    worker.stop()
    print("ALL DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
