"""What operators watch: Prometheus metrics and the health and readiness probes.

:mod:`~runtime.observability.figures` reads the store's figures (outbox, timers, work
items, worker processes) with a few cheap queries; :mod:`~runtime.observability.metrics`
turns them, and the step latencies this process recorded, into Prometheus metrics at
scrape time; :mod:`~runtime.observability.pool_dir` and
:mod:`~runtime.observability.pool_metrics` let a Celery worker's main process serve the
step latencies its pool processes recorded (the client library's multiprocess mode);
:mod:`~runtime.observability.probes` serves ``/healthz``, ``/readyz`` and ``/metrics``
for processes that have no web server of their own.
"""
