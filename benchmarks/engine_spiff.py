"""The engine benchmark's SpiffWorkflow side: the driver for (c)/(d) and the SQLite store of (e)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.engine_figures import Figure, timed
from benchmarks.engine_workload import (
    BPMN_FILE,
    Scenario,
    background_steps,
    interactive_steps,
)
from graphs.model import Workflow


class SpiffDriver:
    """Runs scenarios on the BPMN model with SpiffWorkflow's own API."""

    def __init__(self, workflow: Workflow, bpmn: Path = BPMN_FILE) -> None:
        from SpiffWorkflow.bpmn.parser import BpmnParser  # type: ignore[import-untyped]
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # type: ignore[import-untyped]
        from SpiffWorkflow.bpmn.specs.defaults import ScriptTask  # type: ignore[import-untyped]

        from graphs.interop.bpmn.scripts import case_var, step_var

        parser = BpmnParser()
        parser.add_bpmn_file(str(bpmn))
        process_id = parser.get_process_ids()[0]
        self.spec = parser.get_spec(process_id)
        self.subprocesses = parser.get_subprocess_specs(process_id)  # the stages
        self.serializer = BpmnWorkflowSerializer()
        self.script_task = ScriptTask
        self.case_var = case_var
        self.step_var = step_var
        self.interactive = interactive_steps(workflow)
        self.wait_steps = {
            sid for sid, step in background_steps(workflow).items() if step.action == "wait"
        }
        self.step_names = [*background_steps(workflow), *self.interactive]

    def _step_of(self, spec_name: str) -> str:
        return spec_name.split("__", 1)[1]

    def run(
        self,
        scenario: Scenario,
        *,
        serialize: bool = False,
        store: Callable[[str], None] | None = None,
        trace: list[str] | None = None,
    ) -> tuple[int, int]:
        """Run one case to its end; return (transitions, bytes of the last serialisation).

        With ``store``, every serialisation is handed to it (``serialize`` implied).
        """
        from SpiffWorkflow.bpmn import BpmnWorkflow  # type: ignore[import-untyped]
        from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]

        wf = BpmnWorkflow(self.spec, self.subprocesses)
        data = {self.case_var(k): v for k, v in scenario.case.items()}
        data.update({self.step_var(s): {} for s in self.step_names})
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        transitions = 1
        size = 0
        serializer = self.serializer
        serialize = serialize or store is not None

        def persist() -> int:
            state = serializer.serialize_json(wf)
            if store is not None:
                store(state)
            return len(state)

        def after_engine_task(task: Any) -> None:
            nonlocal transitions, size
            if isinstance(task.task_spec, self.script_task):
                transitions += 1
                if trace is not None:
                    trace.append(self._step_of(task.task_spec.name))
                if serialize:
                    size = persist()

        if serialize:
            size = persist()
        wf.do_engine_steps(did_complete_task=after_engine_task)
        visits: Counter[str] = Counter()
        while not wf.is_completed():
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                raise RuntimeError(f"Spiff run of case {scenario.number} is stuck")
            for task in ready:
                step_id = self._step_of(task.task_spec.name)
                visits[step_id] += 1
                if step_id in self.interactive:
                    form = scenario.form_data(self.interactive[step_id], visits[step_id])
                    task.data[self.step_var(step_id)] = form
                task.run()
                transitions += 1
                if trace is not None:
                    trace.append(step_id)
                if serialize:
                    size = persist()
            wf.do_engine_steps(did_complete_task=after_engine_task)
        return transitions, size


#: As ``runtime/store/dialects/sqlite.py`` sets them on every SQLite connection Baton opens.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA cache_size=-8192",
    "PRAGMA mmap_size=134217728",
    "PRAGMA temp_store=MEMORY",
)


class SpiffSqliteStore:
    """(e): keeps each SpiffWorkflow run's latest serialisation in one SQLite row.

    The most a store needs to resume a Spiff run, and no more: no log, no history, no
    queue. Each call is its own transaction, as each of (b)'s transitions is.
    """

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            self.db.execute(pragma)
        self.db.execute("CREATE TABLE spiff_workflow (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
        self.current = 0

    def start(self) -> None:
        self.current += 1

    def save(self, state: str) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "INSERT INTO spiff_workflow (id, state) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
            (self.current, state),
        )
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def spiff_sqlite_figure(spiff: SpiffDriver, cases: list[Scenario], path: Path) -> Figure:
    """(e): SpiffWorkflow committing each serialisation to SQLite (engine.py, store_floor.py)."""
    store = SpiffSqliteStore(path)

    def one(case: Scenario) -> int:
        store.start()
        return spiff.run(case, store=store.save)[0]

    try:
        return timed("spiff_sqlite", cases, one)
    finally:
        store.close()
