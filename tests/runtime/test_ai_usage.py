"""The AI budget's day counted in one row: it follows the call account, also when
reservations race or a transaction is undone, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

from runtime_flows import T0
from sqlalchemy import text
from sqlalchemy.engine import Engine

from runtime.ai import budget
from runtime.db import make_engine, session_scope
from runtime.store import migrate

DAY = budget.day_of(T0)


def _call(n: int, workflow_id: str = "triage-ai") -> budget.CallRecord:
    return budget.CallRecord(
        run_id=f"r{n}", workflow_id=workflow_id, step_id="classify", attempt=1, day=DAY,
        at=T0, provider="openai", model="gpt", prompt_hash="0" * 64,
    )  # fmt: skip


def _reserve(
    db: Engine, n: int, *, hold_seconds: float = 0.0, default_calls: int | None = None
) -> budget.Reservation:
    with session_scope(db) as s:
        reserved = budget.reserve(s, call=_call(n), default_calls=default_calls)
        time.sleep(hold_seconds)  # a call's transaction still open: others must wait
        return reserved


def _account(db: Engine) -> tuple[int, float]:
    """The day summed from ``ai_call`` itself, as the budget counted it before the row."""
    with session_scope(db) as s:
        calls, cost = s.execute(
            text(
                "SELECT count(*), coalesce(sum(cost), 0.0) FROM ai_call "
                "WHERE workflow_id = 'triage-ai' AND day = :day AND verdict != 'refused_budget'"
            ),
            {"day": DAY},
        ).one()
    return int(calls), float(cost)


def _usage(db: Engine) -> tuple[int, float]:
    with session_scope(db) as s:
        return budget.usage(s, workflow_id="triage-ai", day=DAY)


def test_reservations_count_into_the_days_row_and_refused_calls_do_not(db: Engine) -> None:
    with session_scope(db) as s:
        budget.set_budget(s, workflow_id="triage-ai", max_calls=2, max_cost=None, now=T0)
    assert _usage(db) == (0, 0.0)
    refused = [_reserve(db, n).refused for n in range(4)]
    assert refused[:2] == [None, None]
    assert all("is spent: 2 of 2 calls on 2026-01-05" in str(r) for r in refused[2:])
    assert _usage(db) == _account(db) == (2, 0.0)
    with session_scope(db) as s:  # another workflow's day is its own
        assert budget.usage(s, workflow_id="other", day=DAY) == (0, 0.0)
        assert budget.usage(s, workflow_id="triage-ai", day="2026-01-06") == (0, 0.0)


def test_an_undone_transaction_leaves_the_day_as_it_was(db: Engine) -> None:
    _reserve(db, 0)
    try:
        with session_scope(db) as s:
            budget.reserve(s, call=_call(1), default_calls=None)
            raise RuntimeError("the process dies before its commit")
    except RuntimeError:
        pass
    assert _usage(db) == _account(db) == (1, 0.0)


def test_concurrent_reservations_never_overrun_the_budget(db: Engine) -> None:
    # The default budget (BATON_AI_DAILY_CALLS): no budget row to lock, so only the day's
    # usage row keeps racing reservations in turn.
    found: list[budget.Reservation] = []
    failures: list[BaseException] = []

    def reserve(n: int) -> None:
        try:
            found.append(_reserve(db, n, hold_seconds=0.02, default_calls=3))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(r.refused is None for r in found) == [False] * 5 + [True] * 3
    assert _usage(db) == _account(db) == (3, 0.0)


def test_the_migration_counts_the_calls_already_recorded(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    try:
        migrate(engine, "0009_run_migration")
        with engine.begin() as conn:
            for n, (verdict, cost) in enumerate(
                [("accepted", 0.5), ("handed_to_person", 0.25), ("refused_budget", 0.0)]
            ):
                conn.execute(
                    text(
                        "INSERT INTO ai_call (run_id, workflow_id, step_id, attempt, day, at, "
                        "provider, model, prompt_hash, tokens_in, tokens_out, latency_ms, "
                        "cost, verdict) VALUES (:run, 'triage-ai', 'classify', 1, :day, "
                        "'2026-01-05 09:00:00.000000', 'openai', 'gpt', '', 0, 0, 0, :cost, "
                        ":verdict)"
                    ),
                    {"run": f"r{n}", "day": DAY, "cost": cost, "verdict": verdict},
                )
        migrate(engine)
        assert _usage(engine) == _account(engine) == (2, 0.75)
    finally:
        engine.dispose()
