"""Whether a process can do its work: the database answers, and the broker where one is set.

The web app's ``/api/ready`` and the probes' ``/readyz`` ask the same questions here.
Each check answers ``None`` when all is well, else what is wrong, in a sentence.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from runtime.db import reader

__all__ = ["broker_problem", "database_problem", "problems", "ready_check"]

#: How long a check waits for a broker to answer before saying it does not.
TIMEOUT_S = 2.0

# Default ports of brokers reached by TCP (a Celery broker URL may leave the port out).
_PORTS = {"amqp": 5672, "amqps": 5671, "pyamqp": 5672, "librabbitmq": 5672}


def database_problem(engine: Engine) -> str | None:
    """``None`` if the database answers a query, else why not."""
    try:
        with reader(engine).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # whatever the driver raises, the database is not usable
        return f"the database does not answer: {type(exc).__name__}: {exc}".strip()
    return None


def broker_problem(url: str, timeout: float = TIMEOUT_S) -> str | None:
    """``None`` if the broker at ``url`` answers, else why not.

    Redis URLs get a ``PING``; other brokers (RabbitMQ's ``amqp://``) a TCP connection to
    their port, which says the broker is up without speaking its protocol.
    """
    scheme = urlsplit(url).scheme
    try:
        if scheme in ("redis", "rediss", "unix"):
            client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            try:
                client.ping()
            finally:
                client.close()
            return None
        if scheme == "memory":
            return None
        parts = urlsplit(url)
        port = parts.port or _PORTS.get(scheme)
        if parts.hostname is None or port is None:
            return f"cannot tell whether the broker at {scheme}:// answers (no host or port)"
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except Exception as exc:  # refused, timed out, unknown host, a Redis error
        return f"the broker does not answer: {type(exc).__name__}: {exc}".strip()


def problems(
    engine: Engine, broker_url: str | None = None, *, broker_name: str = "broker"
) -> dict[str, str | None]:
    """Each check (``database``, and ``broker_name`` when a broker URL is set) -> its
    problem or ``None``."""
    found: dict[str, str | None] = {"database": database_problem(engine)}
    if broker_url:
        found[broker_name] = broker_problem(broker_url)
    return found


def ready_check(engine: Engine, broker_url: str | None = None) -> Callable[[], bool]:
    """A ``ready()`` for :func:`runtime.observability.probes.serve_probes`."""
    return lambda: not any(problems(engine, broker_url).values())
