"""``baton run``'s web server: gunicorn, started from Python, as the Procfile's ``web`` runs it.

One worker process with many threads (gunicorn's ``gthread`` worker class): Flask-SocketIO
in threading mode carries its websockets there (through simple-websocket), and HTTP/1.1
connections stay open between requests. One process, because a Socket.IO client that
falls back to long polling must find its process again, and because ``baton run`` keeps
its executor in that process (one machine: SQLite, the in-process executor).

The app is built once, before gunicorn forks its worker (``preload_app``): the command
checks the configuration, migrates and seeds the store and says so before serving, and
the worker starts with start-up's objects already frozen out of the collector
(:func:`freeze_startup_heap`). Whatever runs threads (the executor, the Salesforce
poller) is started in the worker, after the fork: threads do not survive one.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

__all__ = ["THREADS", "BatonServer", "freeze_startup_heap"]

THREADS = 64
"""Request threads of the one worker; an open websocket holds one (as in the Procfile)."""

KEEP_ALIVE_S = 5
"""How long a kept connection may wait for its next request."""

GRACEFUL_S = 5
"""How long a stopping server (``SIGTERM``) lets running requests finish.

API requests take well under a second; an open websocket never finishes by itself and
holds the stop for this long (its client reconnects to the next server). Ctrl+C stops
at once."""


class BatonServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving ``app`` on ``host:port``.

    ``in_worker`` is called in the worker process once it is ready to serve (start
    threads there) and returns what to call when that process ends (stop them).
    """

    def __init__(
        self,
        app: Flask,
        *,
        host: str,
        port: int,
        in_worker: Callable[[], Callable[[], None]] = lambda: lambda: None,
    ) -> None:
        self._app = app
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._options: dict[str, Any] = {
            "bind": bind,
            "worker_class": "gthread",
            "workers": 1,
            "threads": THREADS,
            "keepalive": KEEP_ALIVE_S,
            "graceful_timeout": GRACEFUL_S,
            "preload_app": True,
            "control_socket_disable": True,
            "loglevel": "warning",
            "post_fork": self._post_fork,
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
        }
        self._in_worker = in_worker
        self._stop: Callable[[], None] = lambda: None
        super().__init__(prog="baton run")

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self._app

    def _post_fork(self, _server: Any, _worker: Any) -> None:
        # The parent's pooled connections stay the parent's: the worker opens its own.
        from designer.extensions import state

        state(self._app).engine.dispose(close=False)

    def _post_worker_init(self, _worker: Any) -> None:
        self._stop = self._in_worker()

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        self._stop()


def freeze_startup_heap() -> None:
    """Leave what start-up built (modules, mappers, schemas, the app) out of every collection.

    Python's full collections walk every object a process holds, with the GIL held: in a
    started Baton that took 160 to 280 ms each, a stall of every request and of the live
    stream alike (``benchmarks/stream.py``: the commit-to-client p99). Frozen
    (:func:`gc.freeze`), start-up's objects are never walked again; a full collection then
    takes 10 to 20 ms. Call once, after start-up and before serving (before a fork, so
    that the child does not copy the pages a collection would touch).
    """
    gc.collect()
    gc.freeze()
