"""Health, readiness and metrics for processes without a web server of their own.

The relay, Celery workers and ``baton worker`` call :func:`serve_probes` once at start:
a daemon thread then answers, on the port given,

- ``GET /healthz``: 200 while the process runs (liveness: restart it if this fails);
- ``GET /readyz``: 200 when ``ready()`` says the process can work (its database, its
  broker), else 503 (readiness: send it no work, do not restart it);
- ``GET /metrics``: this process's Prometheus metrics (step latencies where steps finish;
  a Celery worker's main process: those of all its pool processes, summed), and the
  store's gauges if ``store`` is given (one process per deployment is enough).

Nothing here signs anyone in: serve probes on a port that only the orchestrator and
Prometheus reach, as is usual for probes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.engine import Engine

from runtime.observability.metrics import CONTENT_TYPE, exposition
from runtime.observability.readiness import ready_check
from runtime.settings import Settings

__all__ = ["ProbeServer", "serve_configured_probes", "serve_probes"]

logger = logging.getLogger("baton.probes")


class ProbeServer:
    """A running probe server: its ``port`` (the one bound, if 0 was asked) and :meth:`stop`."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.port: int = int(server.server_address[1])

    def stop(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(
    ready: Callable[[], bool], name: str, store: Engine | None
) -> type[BaseHTTPRequestHandler]:
    class ProbeHandler(BaseHTTPRequestHandler):
        server_version = "baton-probes"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._json(200, {"status": "ok", "process": name})
            elif path == "/readyz":
                try:
                    is_ready = ready()
                except Exception:  # a check that breaks means "not ready", said in the log
                    logger.exception("%s: the readiness check failed", name)
                    is_ready = False
                status = 200 if is_ready else 503
                self._json(status, {"status": "ready" if is_ready else "not ready",
                                    "process": name})  # fmt: skip
            elif path == "/metrics":
                self._send(200, CONTENT_TYPE, exposition(store))
            else:
                self._json(404, {"error": f"no such probe: {path}; "
                                          "try /healthz, /readyz or /metrics"})  # fmt: skip

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            # Probes come every few seconds: not worth a line each.
            logger.debug("%s probe: " + format, name, *args)

    return ProbeHandler


def serve_probes(
    port: int,
    ready: Callable[[], bool],
    name: str,
    *,
    host: str = "0.0.0.0",
    store: Engine | None = None,
) -> ProbeServer:
    """Answer ``/healthz``, ``/readyz`` and ``/metrics`` on ``port`` from a daemon thread.

    ``ready`` is called for each ``/readyz`` (see
    :func:`runtime.observability.readiness.ready_check`); ``name`` names the process in
    answers and logs. Returns at once; the thread ends with the process.
    """
    server = ThreadingHTTPServer((host, port), _handler(ready, name, store))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name=f"baton-probes-{name}", daemon=True
    )
    thread.start()
    probes = ProbeServer(server, thread)
    logger.info("%s: probes on port %d (/healthz, /readyz, /metrics)", name, probes.port)
    return probes


def serve_configured_probes(
    settings: Settings,
    engine: Engine,
    name: str,
    *,
    broker_url: str | None = None,
    store: bool = False,
) -> ProbeServer | None:
    """:func:`serve_probes` on ``BATON_PROBE_PORT`` if it is set; ``None`` if not.

    Ready when ``engine``'s database answers, and the broker: ``broker_url``, else
    ``REDIS_URL`` when set. ``store``: serve the store's gauges too.
    """
    if settings.probe_port is None:
        return None
    broker = broker_url or settings.redis_url
    return serve_probes(
        settings.probe_port, ready_check(engine, broker), name, store=engine if store else None
    )
