"""The process that ``test_group_crash.py`` kills in the middle of a group commit.

Usage: ``python group_crash_worker.py DATABASE_URL PUBLISHED_FILE CALLED_FILE CASES KILL_AT``.
It installs a workflow of two ``tally`` steps (an action that only computes, so the
executor calls it inside the group's transaction) and then a ``touch`` step (an action
that reaches outside: it appends its idempotency key to CALLED_FILE), creates the cases
that do not exist yet, and drains the outbox once with a worker whose publisher appends
``<run> <seq>`` to PUBLISHED_FILE for every update it publishes. With KILL_AT > 0 the
KILL_AT-th ``tally`` call of this process SIGKILLs it: the call is made inside a group's
transaction, after the calls before it in that group were applied to their runs but
before the group's commit. It prints ``ALL DONE`` when the drain ends.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runtime_flows import LineLog, counted, install_workflow, lookup_with

from runtime import services
from runtime.actions.base import Action, ActionContext, ActionResult
from runtime.db import make_engine, session_scope
from runtime.executor import Worker
from runtime.settings import Settings
from runtime.store import migrate
from runtime.store.tables import CaseRow
from runtime.store.workflow_tables import WorkflowRow


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counter: str


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Tally(Action):
    """Count the step on the case; the ``kill_at``-th call kills the process instead."""

    name = "tally"
    Input = _In
    Output = _Out
    runs_in_transaction = True

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.calls = 0

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        self.calls += 1
        if self.calls == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return ActionResult(outputs={}, case_updates=counted(ctx, inputs.counter))


class Touch(Action):
    """Append the idempotency key to a file: a side effect the database cannot undo."""

    name = "touch"
    Input = _Out
    Output = _Out

    def __init__(self, path: str) -> None:
        self.called = LineLog(path)

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        self.called.append(ctx.idempotency_key)
        return ActionResult(outputs={})


def workflow() -> dict[str, Any]:
    def step(n: int, action: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"s{n}", "kind": "background", "action": action, "inputs": inputs,
            "after": [f"s{n - 1}"] if n else [], "timeout_seconds": 2,
        }  # fmt: skip

    steps = [
        step(0, "tally", {"counter": {"value": "s0_count"}}),
        step(1, "tally", {"counter": {"value": "s1_count"}}),
        step(2, "touch", {}),
    ]
    return {
        "id": "grouped",
        "name": "Grouped",
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


def main(url: str, published: str, called: str, cases: int, kill_at: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as s:
        if s.get(WorkflowRow, "grouped") is None:
            install_workflow(s, workflow())
    for n in range(cases):
        case_id = f"case-{n:04d}"
        with session_scope(engine) as s:
            if s.get(CaseRow, case_id) is None:
                services.create_case(s, fields={"n": n}, actor="feeder", case_id=case_id)
    out = LineLog(published)

    def publish(topic: str, data: dict[str, Any]) -> None:
        out.append(f"{data['run_id']} {data['seq']}")

    worker = Worker(
        Settings(worker_threads=4),
        engine,
        publisher=publish,
        get_action=lookup_with(Tally(kill_at), Touch(called)),
    )
    worker.drain()
    print("ALL DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
