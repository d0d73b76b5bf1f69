"""A task that finds the database busy or its run locked is retried with backoff, never dropped."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from runtime.scale import process, tasks


class _Retry(Exception):
    pass


class _Task:
    def __init__(self, retries: int) -> None:
        self.request = SimpleNamespace(retries=retries)
        self.asked: dict[str, Any] = {}

    def retry(self, **kw: Any) -> _Retry:
        self.asked = kw
        return _Retry()


class _Busy:
    def run_step(self, outbox_id: int) -> str:
        raise OperationalError("SELECT ... FOR UPDATE", {}, Exception("lock timeout"))

    def fire_timer(self, key: str, due_by: object) -> bool:
        raise OperationalError("SELECT ... FOR UPDATE", {}, Exception("database is locked"))


@pytest.mark.parametrize("retries", [0, 3, 20])
def test_busy_database_means_a_retry_with_growing_backoff(
    monkeypatch: pytest.MonkeyPatch, retries: int
) -> None:
    monkeypatch.setattr(process, "current", _Busy)
    task = _Task(retries)
    with pytest.raises(_Retry):
        tasks.perform_step(task, 7)
    assert task.asked["max_retries"] is None  # never given up
    assert task.asked["countdown"] == min(30.0, 0.2 * 2**retries)
    task = _Task(retries)
    with pytest.raises(_Retry):
        tasks.fire_timer(task, "run:sla_breach:work:1", "2026-01-01T00:00:00+00:00")
    assert task.asked["max_retries"] is None
