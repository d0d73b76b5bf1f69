"""Baton's Celery tasks: perform one outbox row's effect, fire one due timer.

Both are safe to run twice (the row's idempotency key, the timer's pending status), which
is what at-least-once delivery asks. A task that finds the database busy or its run
locked past the executor's own retries is retried with backoff, never dropped; if even
that is lost, the relay sends the row again when its lease runs out.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from celery.signals import worker_init, worker_process_shutdown, worker_ready
from sqlalchemy.exc import OperationalError

from runtime.observability.pool_dir import directory
from runtime.observability.pool_metrics import mark_dead
from runtime.scale import process
from runtime.scale.celery_app import app

__all__ = ["FIRE_TIMER", "PERFORM_STEP", "backoff_seconds"]

logger = logging.getLogger("baton.scale")

PERFORM_STEP = "baton.perform_step"
FIRE_TIMER = "baton.fire_timer"


def backoff_seconds(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: 0.2 s doubling, at most 30 s.

    >>> [backoff_seconds(n) for n in (0, 1, 2, 10)]
    [0.2, 0.4, 0.8, 30.0]
    """
    return float(min(30.0, 0.2 * 2**retries))


def _retry(task: Any, exc: Exception) -> Any:
    delay = backoff_seconds(int(task.request.retries))
    logger.warning("database busy or run locked (%s); again in %.1f s", exc, delay)
    return task.retry(exc=exc, countdown=delay, max_retries=None)


def perform_step(task: Any, outbox_id: int) -> None:
    """Deliver ``run_step`` outbox row ``outbox_id`` (claim, call, feed back, mark done)."""
    try:
        outcome = process.current().run_step(int(outbox_id))
    except OperationalError as exc:
        raise _retry(task, exc) from exc
    logger.info("outbox row %s: %s", outbox_id, outcome)


def fire_timer(task: Any, key: str, due_by: str) -> None:
    """Fire timer ``key``; ``due_by`` is when the relay found it due (ISO 8601)."""
    try:
        fired = process.current().fire_timer(key, datetime.fromisoformat(due_by))
    except OperationalError as exc:
        raise _retry(task, exc) from exc
    logger.info("timer %s: %s", key, "fired" if fired else "already fired or gone")


# Registered by call, not decorator: Celery's decorators are untyped.
app.task(name=PERFORM_STEP, bind=True)(perform_step)
app.task(name=FIRE_TIMER, bind=True)(fire_timer)


def _check_broker(**_kwargs: Any) -> None:
    if str(app.conf.broker_url).startswith("memory://"):
        raise RuntimeError("Celery workers need a broker: set BATON_BROKER_URL or REDIS_URL")


worker_init.connect(_check_broker, weak=False)


def _serve_probes(**_kwargs: Any) -> None:
    """Probes of the worker's main process on ``BATON_PROBE_PORT`` (if set).

    Ready when the database and the broker answer. Its ``/metrics``: the step latencies of
    every pool process, summed from the pool's metrics directory
    (:mod:`runtime.observability.pool_dir`), and this process's figures; the store's
    gauges (worker heartbeats among them) come from the web's ``/metrics``.
    """
    from runtime.db import make_engine
    from runtime.observability.probes import serve_configured_probes
    from runtime.settings import Settings

    settings = Settings()
    if settings.probe_port is None:
        return
    engine = make_engine(settings.resolved_database_url())
    serve_configured_probes(settings, engine, "worker", broker_url=str(app.conf.broker_url))


worker_ready.connect(_serve_probes, weak=False)


def _process_ends(pid: int | None = None, **_kwargs: Any) -> None:
    process.forget()
    pool = directory()
    if pool is not None:  # its live gauges go; its counts and histograms stay summed
        mark_dead(pid or os.getpid(), pool)


# A pool process that ends cleanly leaves no record behind (one killed is found gone).
worker_process_shutdown.connect(_process_ends, weak=False)
