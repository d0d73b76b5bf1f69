"""The engine benchmark's Baton side: the in-memory driver (a) and the SQLite driver (b)."""

from __future__ import annotations

import tempfile
from collections import Counter, deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.engine_figures import Figure, timed
from benchmarks.engine_workload import (
    CANNED_OUTPUTS,
    EPOCH,
    Scenario,
    background_outputs,
    background_steps,
    case_updates,
    interactive_steps,
    scenarios,
)
from graphs.model import Workflow

# Imported once, as a caller of the engine does (importing per case cost the in-memory
# measurement ~1%).
from runtime.engine import transition
from runtime.engine.types import (
    CaseCreated,
    RunIdentity,
    RunStatus,
    StepCompleted,
    TimerFired,
    WorkItemCompleted,
)

# ---------------------------------------------------------------------------- Baton in memory


class BatonMemoryDriver:
    """Feeds a run's events to the pure transition, performing effects as canned results."""

    def __init__(self, workflow: Workflow) -> None:
        from runtime.engine.definition import compile_workflow

        self.workflow = workflow
        self.compiled = compile_workflow(workflow)
        self.background = background_steps(workflow)
        self.interactive = interactive_steps(workflow)
        self.outputs = background_outputs(workflow)

    def run(self, scenario: Scenario, *, trace: list[str] | None = None) -> int:
        """Run one case to its end; return the number of transitions."""
        now = EPOCH
        result = transition(
            self.compiled,
            None,
            CaseCreated(case=dict(scenario.case)),
            now,
            **run_identity(self.workflow, f"run-{scenario.number}", f"case-{scenario.number}"),
        )
        state = result.state
        transitions = 1
        pending = deque(result.effects)
        visits: Counter[str] = Counter()
        tick = timedelta(seconds=1)  # built once: the driver's clock is not what is measured
        while pending:
            # Any: read by its kind tag below, not narrowed by isinstance (see there).
            effect: Any = pending.popleft()
            now += tick
            # Dispatch on the kind tag, as the executor does: isinstance on a pydantic
            # model goes through a Python-level metaclass hook.
            kind = effect.kind
            if kind == "run_step":
                updates = case_updates(effect.action, effect.inputs)
                # The executor writes the case in the step's transaction and hands the
                # new record to the run inside the StepCompleted, as in production.
                event: Any = StepCompleted(
                    step_id=effect.step_id,
                    attempt=effect.attempt,
                    outputs=dict(self.outputs[effect.step_id]),
                    case={**state.case, **updates} if updates else None,
                )
            elif kind == "create_work_item":
                visits[effect.step_id] += 1
                event = WorkItemCompleted(
                    step_id=effect.step_id,
                    attempt=effect.attempt,
                    work_item_key=effect.work_item_key,
                    data=scenario.form_data(
                        self.interactive[effect.step_id], visits[effect.step_id]
                    ),
                    actor="agent-1",
                )
            elif kind == "schedule_timer" and effect.purpose == "wait":
                event = TimerFired(
                    timer_key=effect.timer_key, purpose=effect.purpose, data=effect.data
                )
            else:
                continue  # publishing, SLA timers, cancellations: nothing comes back
            result = transition(self.compiled, state, event, now)
            state = result.state
            transitions += 1
            if trace is not None:
                trace.append(event.step_id if hasattr(event, "step_id") else effect.data["step_id"])
            pending.extend(result.effects)
        if state.status is not RunStatus.COMPLETED:
            raise RuntimeError(
                f"Baton run of case {scenario.number} ended {state.status} at {state.node_id}: "
                f"{state.incident}"
            )
        return transitions


def run_identity(workflow: Workflow, run_id: str, case_id: str) -> dict[str, Any]:
    """The keyword arguments that name a new run for :func:`runtime.engine.transition`."""
    return {
        "identity": RunIdentity(run_id=run_id, workflow_id=workflow.id, version=1, case_id=case_id)
    }


# ---------------------------------------------------------------------------- Baton on SQLite


class CannedHttp:
    """Stands in for ``http_request`` so the benchmark measures no network."""

    def __init__(self) -> None:
        from runtime.actions.http import HttpRequestAction

        self.real = HttpRequestAction()
        self.name = self.real.name
        self.Input = self.real.Input
        self.Output = self.real.Output

    def run(self, inputs: Any, ctx: Any) -> Any:
        from runtime.actions import ActionResult

        return ActionResult(outputs=dict(CANNED_OUTPUTS["http_request"]))


class BatonSqliteDriver:
    """Runs scenarios end to end on a SQLite file: services layer plus the real executor.

    Every event is committed as in production: creating the case starts the run; the
    executor's ``Worker.drain`` performs the outbox inline (each step: claim, record the
    execution, call the action, record the result and feed it to the run: one commit
    for ``set_fields``/``assign``, a commit before and one after the call for actions
    that reach outside); the worker publishes each transition after its commit (its
    publisher does nothing); work items are completed through the service; the wait
    timer is fired by the executor's clock code. Only ``http_request`` is replaced by a
    canned answer. Time comes from a benchmark clock, so runs are deterministic.
    :meth:`run` runs one case to its end; :meth:`run_wave` many side by side, where the
    executor's group commit shares its transactions among them.
    """

    def __init__(self, workflow: Workflow, directory: Path) -> None:
        from sqlalchemy import event

        from runtime.actions import get_action
        from runtime.db import make_engine
        from runtime.executor import Worker
        from runtime.services.workflows import install_examples
        from runtime.settings import Settings
        from runtime.store.migrate import migrate

        self.workflow = workflow
        self.interactive = interactive_steps(workflow)
        self.path = directory / "baton-bench.db"
        self.engine = make_engine(f"sqlite:///{self.path}")
        migrate(self.engine)
        with self.session() as session:
            install_examples(session=session, workflows=[workflow], only_if_empty=False)
        self.statements = 0
        self.commits = 0
        event.listen(self.engine, "before_cursor_execute", self._count_statement)
        event.listen(self.engine, "commit", self._count_commit)
        self.now = EPOCH
        self.finished: list[tuple[int, str]] = []  # (case number, run id) run to the end
        canned: Any = CannedHttp()  # stands in for an Action by shape, not by type
        settings = Settings(instance_path=directory, smtp_host=None)
        self.worker = Worker(
            settings,
            self.engine,
            publisher=lambda topic, data: None,
            get_action=lambda name: canned if name == "http_request" else get_action(name),
            clock=lambda: self.now,
        )

    def _count_statement(self, *args: Any) -> None:
        self.statements += 1

    def _count_commit(self, *args: Any) -> None:
        self.commits += 1

    def session(self) -> Any:
        from runtime.db import session_scope

        return session_scope(self.engine)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def run(self, scenario: Scenario, *, park: bool = False) -> int:
        """Run one case to its end (or, with ``park``, until a person has work on it).

        Returns 0: :meth:`transitions` counts them once the timing is over.
        """
        from sqlmodel import select

        from runtime.services import execution
        from runtime.services.cases import create_case
        from runtime.services.work_items import complete_work_item
        from runtime.store.tables import (
            RunRow,
            TimerRow,
            TimerStatus,
            WorkItemRow,
            WorkItemStatus,
        )

        case_id = f"case-{scenario.number}"
        with self.session() as session:
            # Started by name: the workflow's record trigger wants a case_type the
            # benchmark's cases (the same for every set-up) do not carry.
            create_case(
                session=session,
                fields=scenario.case,
                case_id=case_id,
                workflow_id=self.workflow.id,
                now=self.tick(),
            )
            run_id = session.exec(select(RunRow.id).where(RunRow.case_id == case_id)).one()
        visits: Counter[str] = Counter()
        while True:
            self.worker.drain(now=self.tick())
            # Finding the person's work and doing it is one transaction, as one request
            # of theirs would be.
            with self.session() as session:
                item = session.exec(
                    select(WorkItemRow.key, WorkItemRow.step_id).where(
                        WorkItemRow.run_id == run_id, WorkItemRow.status == WorkItemStatus.OPEN
                    )
                ).first()
                if item is not None:
                    if park:
                        break
                    key, step_id = item
                    visits[step_id] += 1
                    data = scenario.form_data(self.interactive[step_id], visits[step_id])
                    complete_work_item(
                        session=session, key=key, data=data, actor="agent-1", now=self.tick()
                    )
                    continue
                timer = session.exec(
                    select(TimerRow.key, TimerRow.due_at).where(
                        TimerRow.run_id == run_id,
                        TimerRow.status == TimerStatus.PENDING,
                        TimerRow.purpose == "wait",
                    )
                ).first()
                if timer is None:
                    break
                key, due_at = timer
                execution.fire_timer(session, key=key, now=due_at)
        if not park:
            self.finished.append((scenario.number, run_id))
        return 0  # counted afterwards by transitions(): the count is not Baton's work

    def run_wave(self, wave: list[Scenario]) -> int:
        """Run ``wave``'s cases to their ends side by side, as a loaded server would.

        Each case is created in a request of its own (one transaction each); the worker's
        drain then delivers what is due across all of them with group commit
        (:mod:`runtime.executor.groups`); each person's work item is completed in a
        request of its own; the due wait timers fire together, as the worker's clock
        fires what is due at once. Returns 0 like :meth:`run`.
        """
        from sqlmodel import col, select

        from runtime.services import execution
        from runtime.services.cases import create_case
        from runtime.services.work_items import complete_work_item
        from runtime.store.tables import (
            RunRow,
            TimerRow,
            TimerStatus,
            WorkItemRow,
            WorkItemStatus,
        )

        by_case = {f"case-{scenario.number}": scenario for scenario in wave}
        for case_id, scenario in by_case.items():
            with self.session() as session:
                create_case(
                    session=session, fields=scenario.case, case_id=case_id,
                    workflow_id=self.workflow.id, now=self.tick(),
                )  # fmt: skip
        with self.session() as session:
            found = session.exec(
                select(RunRow.id, RunRow.case_id).where(col(RunRow.case_id).in_(list(by_case)))
            ).all()
        scenario_of = {run_id: by_case[case_id] for run_id, case_id in found}
        visits: dict[str, Counter[str]] = {run_id: Counter() for run_id in scenario_of}
        runs = list(scenario_of)
        while True:
            self.worker.drain(now=self.tick())
            with self.session() as session:
                items = session.exec(
                    select(WorkItemRow.run_id, WorkItemRow.key, WorkItemRow.step_id).where(
                        col(WorkItemRow.run_id).in_(runs),
                        WorkItemRow.status == WorkItemStatus.OPEN,
                    )
                ).all()
                timers = session.exec(
                    select(TimerRow.key, TimerRow.due_at).where(
                        col(TimerRow.run_id).in_(runs),
                        TimerRow.status == TimerStatus.PENDING,
                        TimerRow.purpose == "wait",
                    )
                ).all()
            if not items and not timers:
                break
            for run_id, key, step_id in items:
                visits[run_id][step_id] += 1
                data = scenario_of[run_id].form_data(
                    self.interactive[step_id], visits[run_id][step_id]
                )
                with self.session() as session:
                    complete_work_item(
                        session=session, key=key, data=data, actor="agent-1", now=self.tick()
                    )
            if timers:
                with self.session() as session:
                    for key, due_at in timers:
                        execution.fire_timer(session, key=key, now=due_at)
        self.finished.extend((scenario.number, run_id) for run_id, scenario in scenario_of.items())
        return 0

    def transitions(self) -> int:
        """The transitions of the runs :meth:`run` finished, each checked completed.

        Counted as for the other engines: the ``CaseUpdated`` events that
        ``set_fields``/``assign`` steps cause are extra work Baton does, not extra events.
        Read after the timed window, like the benchmark's other bookkeeping.
        """
        from sqlmodel import func, select

        from runtime.store.tables import RunInputRow, RunRow

        total = 0
        with self.session() as session:
            for number, run_id in self.finished:
                run = session.get(RunRow, run_id)
                assert run is not None
                if run.status != "completed":
                    raise RuntimeError(f"SQLite run of case {number} is {run.status}")
                total += int(
                    session.exec(
                        select(func.count())
                        .select_from(RunInputRow)
                        .where(
                            RunInputRow.run_id == run_id,
                            func.json_extract(RunInputRow.event, "$.kind") != "case_updated",
                        )
                    ).one()
                )
        return total

    def stored_bytes(self, run_ids: list[str]) -> dict[str, int]:
        """Bytes the store holds for these runs, per table, summed over every column.

        Each value is measured as SQLite stores it (``length(CAST(x AS BLOB))``): JSON and
        text as their UTF-8 bytes, numbers and timestamps as their text form.
        """
        from sqlalchemy import bindparam, text

        owner = {
            "run": "id",
            "run_event": "run_id",
            "run_input": "run_id",
            "work_item": "run_id",
            "timer": "run_id",
            "outbox": "run_id",
            "step_execution": "run_id",
        }
        sizes: dict[str, int] = {}
        with self.engine.connect() as connection:
            for table, key in owner.items():
                columns = [
                    row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")
                ]
                total = row_bytes_sql(columns)
                query = text(
                    f'SELECT COALESCE(SUM({total}), 0) FROM "{table}" WHERE "{key}" IN :ids'
                ).bindparams(bindparam("ids", expanding=True))
                sizes[table] = int(connection.execute(query, {"ids": run_ids}).scalar_one())
        return sizes

    def file_bytes(self) -> int:
        """The database file's size after folding the write-ahead log into it."""
        # A raw DBAPI connection: the engine's sessions open with BEGIN IMMEDIATE, and a
        # checkpoint cannot run inside a transaction.
        connection = self.engine.raw_connection()
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        return self.path.stat().st_size


def row_bytes_sql(columns: list[str]) -> str:
    """A SQLite expression: a row's bytes as stored, summed over ``columns``."""
    return " + ".join(f'COALESCE(LENGTH(CAST("{column}" AS BLOB)), 0)' for column in columns)


def measure_parked(workflow: Workflow, directory: Path, count: int = 50) -> dict[str, Any]:
    """Park ``count`` runs at their first work item in a fresh database; what do they weigh?"""
    driver = BatonSqliteDriver(workflow, directory)
    before = driver.file_bytes()
    for scenario in scenarios(count):
        driver.run(scenario, park=True)
    from sqlmodel import select

    from runtime.store.tables import RunRow

    with driver.session() as session:
        run_ids = list(session.exec(select(RunRow.id)).all())
    grown = driver.file_bytes() - before
    sizes = driver.stored_bytes(run_ids)
    driver.engine.dispose()
    core = sizes["run"] + sizes["run_event"] + sizes["work_item"]
    return {
        "bytes_per_parked_run": round(core / len(run_ids)),
        "stored_bytes_per_parked_run_all_tables": round(sum(sizes.values()) / len(run_ids)),
        "db_file_bytes_per_parked_run": round(grown / len(run_ids)),
        "per_table": {table: round(size / len(run_ids)) for table, size in sizes.items()},
    }


#: Cases run side by side in (b): created together, their steps delivered with group
#: commit, as on a server with this many cases in flight.
WAVE = 64
#: Cases run before (b)'s timing starts, not counted.
WARM_UP = 8


def sqlite_figure(
    workflow: Workflow, cases: list[Scenario], *, wave: int = WAVE
) -> tuple[Figure, dict[str, Any]]:
    """Measurement (b) on a fresh database in a temporary directory, plus parked-run size.

    ``wave`` cases run side by side (:meth:`BatonSqliteDriver.run_wave`); ``wave=1``
    runs one case to its end at a time (:meth:`BatonSqliteDriver.run`), as (b) did
    before group commit, and names the figure ``baton_sqlite_one_by_one``.
    """
    name = "baton_sqlite" if wave > 1 else "baton_sqlite_one_by_one"
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as directory:
        driver = BatonSqliteDriver(workflow, Path(directory) / "runs")
        from runtime.store import driver as sql

        # Statements run on the DBAPI directly (runtime.store.driver.write) bypass
        # SQLAlchemy's events: counted apart and added.
        # Warm-up, untimed, as the other measurements' first runs are: the first ``ai``
        # step trains the demo model and imports scikit-learn (~2 s, once per process).
        driver.run_wave(scenarios(len(cases) + WARM_UP)[len(cases) :])
        driver.finished.clear()
        statements = driver.statements + sql.driver_statements
        commits = driver.commits
        if wave > 1:
            waves = [cases[start : start + wave] for start in range(0, len(cases), wave)]
            figure = timed(name, waves, driver.run_wave)  # type: ignore[arg-type]
            figure.cases = len(cases)
        else:
            figure = timed(name, cases, driver.run)
        executed = driver.statements + sql.driver_statements - statements
        commits = driver.commits - commits
        figure.transitions = driver.transitions()
        driver.engine.dispose()
        figure.notes.append(
            f"{name} per case: {executed / len(cases):.0f} SQL "
            f"statements (and a BEGIN per commit), {commits / len(cases):.1f} commits"
            + (f", {wave} cases side by side" if wave > 1 else ", one case at a time")
        )
        parked = measure_parked(workflow, Path(directory) / "parked")
    return figure, parked
