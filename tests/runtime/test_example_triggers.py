"""The shipped workflows are all record-triggered: a case starts only the one it is for."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from graphs.examples import example_names, load_example
from runtime import services
from runtime.db import session_scope
from runtime.demo.cases import DEMO_CASES, seed_demo_cases
from runtime.services.workflows import install_examples


def install(engine: Engine) -> None:
    with session_scope(engine) as session:
        install_examples(session=session, workflows=[load_example(n) for n in example_names()])


def test_each_kind_of_case_starts_only_its_own_workflow(sqlite_db: Engine) -> None:
    install(sqlite_db)
    for workflow_id, cases in DEMO_CASES.items():
        with session_scope(sqlite_db) as session:
            case = services.create_case(session, fields=cases[0], actor="tester")
            runs = services.list_runs(session, case_id=case.id).items
            assert [run.workflow_id for run in runs] == [workflow_id]


def test_demo_cases_start_one_run_each_on_their_workflow(sqlite_db: Engine) -> None:
    install(sqlite_db)
    with session_scope(sqlite_db) as session:
        created = seed_demo_cases(session)
    assert created == sum(len(cases) for cases in DEMO_CASES.values())
    with session_scope(sqlite_db) as session:
        for workflow_id, cases in DEMO_CASES.items():
            runs = services.list_runs(session, workflow_id=workflow_id).items
            assert len(runs) == len(cases)
