"""The executor: performs the outbox's effects after commit and fires due timers.

``Worker(settings, engine)`` runs in the web process (one machine) or alone under
``baton worker``; several workers may share a PostgreSQL database (claims skip rows
another worker has locked, and leases bring back the work of a worker that died).
"""

from __future__ import annotations

from runtime.executor.worker import ActionLookup, Publisher, Worker, log_publisher

__all__ = ["ActionLookup", "Publisher", "Worker", "log_publisher"]
