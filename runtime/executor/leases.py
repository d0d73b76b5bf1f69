"""A worker's claims carry its process: recorded at start, kept alive by heartbeats,
and handed back at once by another worker that finds the process gone.

A started worker records its process (a ``worker_process`` row: host, boot id, pid, the
pid's start time, a heartbeat) and names it in every claim it takes. On start, and on
each heartbeat, it hands back the claims of processes that are certainly gone
(:func:`runtime.executor.processes.is_gone`: on the same machine, a pid that no longer
runs, or runs another program, or a machine rebooted since), or, elsewhere, whose
heartbeat is older than ``dead_after_seconds``. So a worker restarted after a crash
delivers the cut-off steps again within a dispatch round, instead of after their leases
(the step's timeout plus a margin).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlmodel import Session

from runtime.executor.processes import ProcessIdentity, is_gone, this_process
from runtime.services import execution
from runtime.store.tables import WorkerProcessRow

__all__ = ["LeaseOwner"]

logger = logging.getLogger("baton.worker")
T = TypeVar("T")

#: Runs a function in a write transaction (the worker's, retried when the store is busy).
InTransaction = Callable[[Callable[[Session], T]], T]


class LeaseOwner:
    """The process a worker's claims name, from :meth:`start` to :meth:`stop`.

    ``db`` runs a function in a write transaction; ``on_reclaimed`` is called when claims
    of gone processes came back (the worker looks for work at once).
    """

    def __init__(
        self,
        db: InTransaction,  # type: ignore[type-arg]
        *,
        clock: Callable[[], datetime],
        heartbeat_seconds: float,
        dead_after_seconds: float,
        on_reclaimed: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.heartbeat_seconds = heartbeat_seconds
        self.dead_after_seconds = dead_after_seconds
        self._on_reclaimed = on_reclaimed
        self._identity = this_process()
        self._next_heartbeat = 0.0
        #: The ``worker_process`` id claims name while started; ``None`` before and after.
        self.process_id: str | None = None

    def start(self) -> None:
        """Record this process under a fresh id, then take back what gone ones held."""
        self.process_id = uuid.uuid4().hex
        self._register()

    def stop(self) -> None:
        """Forget this process (it stopped cleanly: it holds no claims any more)."""
        worker_id, self.process_id = self.process_id, None
        if worker_id is not None:
            self._db(lambda s: execution.forget_worker(s, worker_id=worker_id))

    def due(self) -> bool:
        """Whether the next heartbeat is due."""
        return self.process_id is not None and time.monotonic() >= self._next_heartbeat

    def heartbeat(self) -> None:
        """Say this process is alive (recording it again if taken for gone), and reclaim."""
        worker_id = self.process_id
        if worker_id is None:
            return
        self._next_heartbeat = time.monotonic() + self.heartbeat_seconds
        now = self._clock()
        if not self._db(lambda s: execution.heartbeat_worker(s, worker_id=worker_id, now=now)):
            logger.warning("worker process %s was taken for gone; recording it again", worker_id)
            self._register()
            return
        self.reclaim()

    def reclaim(self) -> list[str]:
        """Hand back the claims of worker processes that are gone; the keys handed back."""
        now = self._clock()
        stale = now - timedelta(seconds=self.dead_after_seconds)

        def gone(row: WorkerProcessRow) -> bool:
            if row.id == self.process_id:
                return False
            other = ProcessIdentity(row.host, row.boot_id, row.pid, row.pid_started)
            return is_gone(other, self._identity) or row.heartbeat_at < stale

        def reclaim(s: Session) -> list[str]:
            dead = [row.id for row in execution.worker_processes(s) if gone(row)]
            return execution.reclaim_claims(s, worker_ids=dead, now=now)

        keys: list[str] = self._db(reclaim)
        if keys:
            logger.warning("took back %d claims of gone worker processes", len(keys))
            self._on_reclaimed()
        return keys

    def _register(self) -> None:
        identity, worker_id, now = self._identity, self.process_id, self._clock()
        assert worker_id is not None
        row = WorkerProcessRow(
            id=worker_id, host=identity.host, boot_id=identity.boot_id, pid=identity.pid,
            pid_started=identity.pid_started, started_at=now, heartbeat_at=now,
        )  # fmt: skip
        self._db(lambda s: execution.register_worker(s, process=row))
        self._next_heartbeat = time.monotonic() + self.heartbeat_seconds
        self.reclaim()
