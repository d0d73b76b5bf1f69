"""A local AI step settled inside the transaction that records it (the worker's inline path):
one commit for the reservation, the answer, the audit line and the step's result; a crash
undoes its records, a refusal keeps them."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_flows import T0
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select
from test_ai_steps import _drain, _flow, _log, _replays, _run, _settings, _start, _train

from runtime.ai import budget
from runtime.ai import step as ai_step
from runtime.db import session_scope
from runtime.store.ai_tables import AiCallRow
from runtime.store.tables import ExecutionRow

#: A case the trained classifier is sure of: its run completes without a reviewer.
SURE = {
    "subject": "Invoice shows the wrong VAT rate",
    "description": "Please issue a refund, we were charged twice",
}


def _verdicts(db: Engine) -> list[tuple[int, str | None]]:
    with session_scope(db) as s:
        return sorted((c.attempt, c.verdict) for c in s.exec(select(AiCallRow)))


def test_a_local_answer_commits_with_its_step_in_one_transaction(db: Engine, install: Any) -> None:
    install(_flow())
    _train(db)
    run_id = _start(db, **SURE)
    seen: list[tuple[int, int, int]] = []

    def what_commits(conn: Any) -> None:
        # Read inside the committing transaction, just before its commit.
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(
                "SELECT (SELECT count(*) FROM ai_call),"
                " (SELECT count(*) FROM run_event WHERE kind = 'ai.call'),"
                " (SELECT count(*) FROM step_execution WHERE status = 'succeeded')"
            )
            seen.append(tuple(cursor.fetchone()))
        finally:
            cursor.close()

    event.listen(db, "commit", what_commits, insert=True)
    try:
        _drain(db, _settings())
    finally:
        event.remove(db, "commit", what_commits)
    # The reservation, the audit line and the step's result: never one without the others.
    assert (1, 1, 1) in seen
    assert all(counts in {(0, 0, 0), (1, 1, 1)} for counts in seen), seen
    assert _run(db, run_id).status == "completed"
    assert _verdicts(db) == [(1, "accepted")]
    (line,) = _log(db, run_id, "ai.call")
    assert line.data["verdict"] == "accepted"
    with session_scope(db) as s:
        (execution,) = s.exec(select(ExecutionRow)).all()
    assert execution.deliveries == 1
    _replays(db, run_id)


def test_a_crash_inside_the_inline_call_leaves_no_call_counted_and_the_retry_answers(
    db: Engine, install: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(_flow())
    _train(db)
    run_id = _start(db, **SURE)
    answer = ai_step._local
    crashes: list[int] = []

    def dies_once(*args: Any) -> Any:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the classifier crashed")
        return answer(*args)

    monkeypatch.setattr(ai_step, "_local", dies_once)
    _drain(db, _settings())
    run = _run(db, run_id)
    assert crashes == [1] and run.status == "completed"
    # The first attempt's reservation went with its crash; only the retry is counted.
    assert _verdicts(db) == [(2, "accepted")]
    with session_scope(db) as s:
        assert budget.usage(s, workflow_id="triage-ai", day=budget.day_of(T0))[0] == 1
    assert [line.data["attempt"] for line in _log(db, run_id, "ai.call")] == [2]
    failed = _log(db, run_id, "step.failed")
    assert len(failed) == 1 and "the classifier crashed" in str(failed[0].data)
    _replays(db, run_id)


def test_a_refused_local_call_is_recorded_and_the_run_stops_at_an_incident(
    db: Engine, install: Any
) -> None:
    install(_flow())
    _train(db)
    with session_scope(db) as s:
        budget.set_budget(s, workflow_id="triage-ai", max_calls=1, max_cost=None, now=T0)
    first, second = _start(db, subject="Wrong VAT"), _start(db, subject="Also VAT")
    _drain(db, _settings())
    stopped = [r for r in (first, second) if _run(db, r).status == "incident"]
    assert len(stopped) == 1
    message = _run(db, stopped[0]).state["incident"]["message"]
    assert "the AI budget of workflow 'triage-ai' is spent: 1 of 1 calls" in message
    # The refusal is a record, kept with the step's failure (not undone like a crash).
    verdicts = [verdict for _, verdict in _verdicts(db)]
    assert len(verdicts) == 2 and verdicts.count("refused_budget") == 1
    refused = _log(db, stopped[0], "ai.call")
    assert [line.data["verdict"] for line in refused] == ["refused_budget"]
    for run_id in (first, second):
        _replays(db, run_id)
