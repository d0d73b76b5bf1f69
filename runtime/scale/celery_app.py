"""The Celery app of Baton's workers: ``celery -A runtime.scale.celery_app worker``.

Configured for at-least-once delivery with keys (the outbox row's idempotency key makes a
repeat harmless): late acknowledgement, a task requeued when its worker process dies,
one task fetched at a time, and a broker visibility timeout longer than any step
(``BATON_VISIBILITY_TIMEOUT_SECONDS``, default 2 hours): with Redis, a task not
acknowledged within it is handed out again. Results are off: the database holds them.
Timers are never sent with an ETA (the relay sends them when due).

The broker is ``BATON_BROKER_URL`` (any Celery broker: Redis, RabbitMQ, ...), else
``REDIS_URL`` / ``BATON_REDIS_URL``.

A worker's pool processes keep their metrics in files of a directory its main process
names before the pool forks (:func:`runtime.observability.pool_dir.prepare`, at
``import_modules``: before the task modules, and with them ``prometheus_client``, are
imported); its probe ``/metrics`` sums them.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import import_modules

from runtime.settings import Settings

__all__ = ["QUEUE", "app", "broker_url", "configure"]

#: The queue Baton's tasks go to (``celery ... worker -Q baton``, the default here).
QUEUE = "baton"
_DEFAULT_VISIBILITY_S = 2 * 3600


def broker_url(settings: Settings | None = None) -> str:
    """The broker to use: ``BATON_BROKER_URL``, else the Redis URL; an error if neither."""
    url = os.environ.get("BATON_BROKER_URL") or (settings or Settings()).redis_url
    if not url:
        raise RuntimeError("Celery needs a broker: set BATON_BROKER_URL or REDIS_URL")
    return url


def visibility_timeout() -> float:
    """Seconds a fetched, unacknowledged task stays hidden from other workers."""
    return float(os.environ.get("BATON_VISIBILITY_TIMEOUT_SECONDS", _DEFAULT_VISIBILITY_S))


def configure(celery: Any, url: str) -> None:
    """Point ``celery`` at broker ``url`` with Baton's delivery settings."""
    celery.conf.update(
        broker_url=url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": visibility_timeout()},
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        worker_hijack_root_logger=False,
    )


app: Any = Celery("baton", include=["runtime.scale.tasks"])
# Read when the app is loaded (the worker command, the relay), as Celery apps are.
configure(app, os.environ.get("BATON_BROKER_URL") or Settings().redis_url or "memory://")


def _prepare_pool_metrics(**_kwargs: Any) -> None:
    """Name the pool's metrics directory: sent once, in a worker's main process, first thing."""
    from runtime.observability.pool_dir import prepare

    prepare()


import_modules.connect(_prepare_pool_metrics, weak=False)
