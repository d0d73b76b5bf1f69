"""Baton's Prometheus metrics, in the established client library (``prometheus_client``).

Two kinds, rendered together by :func:`exposition`:

- **The processes' own**: step latency by action (:data:`STEP_SECONDS`, a histogram
  observed where a step's result is committed: :func:`observe_step_after_commit`), and
  the client library's process, platform and collector figures of the scraped process.
  In one process (``make run``, ``baton worker``, the web) the histogram lives in its
  memory. A Celery worker's steps finish in its pool processes: its main process names a
  multiprocess directory before the pool forks (:mod:`runtime.observability.pool_dir`),
  each pool process keeps its histogram in a file there, and the main process's
  ``/metrics`` sums them (:class:`runtime.observability.pool_metrics.PoolCollector`).
- **The store's**, read by :class:`StoreCollector` with a few cheap queries when scraped
  (:func:`runtime.observability.figures.read_figures`), never by a polling thread:
  outbox depth and lag, due-timer lag, work items waiting per queue, worker liveness.
  Every process reads the same database, so one process per deployment need report
  them (the web app's ``/api/metrics/prometheus``; probes, when given the store).

Metric names and meanings, and where each is scraped, are in the README ("Operating Baton").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.db import session_scope
from runtime.observability.figures import read_figures
from runtime.observability.pool_dir import directory
from runtime.observability.pool_metrics import PoolCollector
from runtime.store.tables import OutboxStatus, utcnow

__all__ = [
    "CONTENT_TYPE",
    "STEP_SECONDS",
    "StoreCollector",
    "exposition",
    "observe_step_after_commit",
]

logger = logging.getLogger("baton.metrics")

#: The Prometheus text format's content type, as the client library serves it.
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: Step latencies observed in this process (in its memory, or in its file of the pool's
#: directory; in that case the directory's sum is served instead).
_STEPS = CollectorRegistry(auto_describe=False)
#: The client library's figures of this process (CPU, memory, open files, collections).
_PROCESS = CollectorRegistry(auto_describe=False)

STEP_SECONDS = Histogram(
    "baton_step_duration_seconds",
    "Time from a background step's execution being recorded to its result being "
    "committed, by action and outcome (succeeded, failed)",
    ["action", "outcome"],
    # Steps range from computing in the transaction (~ms) to HTTP calls and AI models.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
    registry=_STEPS,
)
ProcessCollector(registry=_PROCESS)
PlatformCollector(registry=_PROCESS)
GCCollector(registry=_PROCESS)

# Session.info: this transaction's step latencies ``(action, outcome, seconds)``.
_LATENCIES = "baton.step_latencies"

#: The outbox kind shown even with nothing waiting, so its series always exist.
_STEP_KIND = "run_step"


def observe_step_after_commit(
    session: Session, *, action: str, succeeded: bool, seconds: float
) -> None:
    """Observe a step's latency once ``session``'s transaction commits (never if it rolls back).

    A transaction retried after a busy store observes once: only the committed attempt.
    """
    outcome = "succeeded" if succeeded else "failed"
    session.info.setdefault(_LATENCIES, []).append((action, outcome, max(0.0, seconds)))


def _after_commit(session: Session) -> None:
    for action, outcome, seconds in session.info.pop(_LATENCIES, ()):
        STEP_SECONDS.labels(action=action, outcome=outcome).observe(seconds)


def _after_soft_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_LATENCIES, None)


sa_event.listen(Session, "after_commit", _after_commit)
sa_event.listen(Session, "after_soft_rollback", _after_soft_rollback)


class StoreCollector(Collector):
    """The store's gauges, read from ``engine`` at each scrape.

    A store that does not answer gives ``baton_store_up 0`` and none of the others, so a
    scrape never fails because the database did.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "baton_store_up", "1 when the store answered this scrape's queries, else 0"
        )
        try:
            with session_scope(self._engine, read_only=True) as session:
                figures = read_figures(session, self._clock())
        except Exception as exc:  # any failure of the database means "down" here
            logger.warning("metrics: the store did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up

        depth = GaugeMetricFamily(
            "baton_outbox_depth",
            "Outbox entries not yet performed, by effect kind and status "
            "(pending: waiting; claimed: a worker holds them under a lease)",
            labels=["kind", "status"],
        )
        shown = {(_STEP_KIND, OutboxStatus.PENDING.value): 0,
                 (_STEP_KIND, OutboxStatus.CLAIMED.value): 0}  # fmt: skip
        shown.update(figures.outbox_depth)
        for (kind, status), count in sorted(shown.items()):
            depth.add_metric([kind, status], count)
        yield depth
        yield GaugeMetricFamily(
            "baton_outbox_lag_seconds",
            "How long the oldest due outbox entry has waited since it became due (0: none)",
            value=figures.outbox_lag_seconds,
        )
        yield GaugeMetricFamily(
            "baton_timers_due", "Pending timers whose time has come", value=figures.timers_due
        )
        yield GaugeMetricFamily(
            "baton_timer_lag_seconds",
            "How late the oldest due, unfired timer is (0: none)",
            value=figures.timer_lag_seconds,
        )
        waiting = GaugeMetricFamily(
            "baton_work_items_waiting",
            "Open work items in a queue that nobody has been assigned yet",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "baton_work_items_oldest_wait_seconds",
            "How long the oldest waiting work item of a queue has waited",
            labels=["queue"],
        )
        for queue, figure in sorted(figures.queues.items()):
            waiting.add_metric([queue], figure.waiting)
            oldest.add_metric([queue], figure.oldest_wait_seconds)
        yield waiting
        yield oldest
        yield GaugeMetricFamily(
            "baton_worker_processes",
            "Worker processes on record (worker_process), alive or not yet found gone",
            value=len(figures.workers),
        )
        heartbeat = GaugeMetricFamily(
            "baton_worker_heartbeat_age_seconds",
            "Seconds since a worker process's last heartbeat (every 5 s when alive; "
            "over 60 s, other workers take it for gone and take back its claims)",
            labels=["worker", "host", "pid"],
        )
        for worker in figures.workers:
            heartbeat.add_metric(
                [worker.worker_id, worker.host, str(worker.pid)], worker.heartbeat_age_seconds
            )
        yield heartbeat


class _Registered(Collector):
    """A registry of this process, as one collector of a scrape's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def exposition(store: Engine | None = None, *, pool: Path | None = None) -> bytes:
    """The Prometheus text of this process's metrics, and the store's if ``store`` is given.

    With a multiprocess directory (``pool``, else ``PROMETHEUS_MULTIPROC_DIR``), the step
    latencies are those of every process writing there, summed; without, this process's.
    """
    registry = CollectorRegistry(auto_describe=False)
    pool = pool or directory()
    registry.register(PoolCollector(pool) if pool is not None else _Registered(_STEPS))
    registry.register(_Registered(_PROCESS))
    if store is not None:
        registry.register(StoreCollector(store))
    return generate_latest(registry)
