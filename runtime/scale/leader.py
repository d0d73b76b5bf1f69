"""One relay leads at a time: a PostgreSQL advisory lock, or on SQLite a lease row.

On PostgreSQL the leader holds ``pg_try_advisory_lock`` on a connection of its own for
as long as it leads; the server lets go when that connection ends (the relay died or
lost the database), and the next relay to try takes it. On SQLite (one machine) the
lease is a ``worker_process`` row under a fixed id, renewed every round; another relay
takes it over when its holder's process is gone or its renewal is ``lease_seconds`` old.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from runtime.db import session_scope
from runtime.executor.processes import ProcessIdentity, is_gone, this_process
from runtime.store.tables import WorkerProcessRow, utcnow

__all__ = ["LEADER_ROW", "Leadership"]

logger = logging.getLogger("baton.relay")

#: The advisory lock's key ("baton" + "relay" as a number) and the SQLite lease row's id.
_LOCK_KEY = 0x626174_72656C
LEADER_ROW = "baton-relay-leader"


class Leadership:
    """Whether this relay leads; :meth:`hold` tries to lead (or keep leading) now."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: float = 15.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._conn: Connection | None = None
        self._identity = this_process()

    def hold(self) -> bool:
        """Lead now if possible; whether this relay leads."""
        try:
            return self._hold_lock() if self._postgres else self._hold_row()
        except Exception:
            logger.exception("could not check the relay's leadership; not leading")
            self.release()
            return False

    def release(self) -> None:
        """Stop leading (the lock's connection closes; the lease row goes)."""
        if self._conn is not None:
            # The lock belongs to the database session: end the session itself, or the
            # pool would keep it (and the lock) for the next borrower.
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                logger.warning("could not close the leader's connection")
            self._conn = None
        if not self._postgres:
            try:
                with session_scope(self.engine) as s:
                    row = s.get(WorkerProcessRow, LEADER_ROW)
                    if row is not None and self._mine(row):
                        s.delete(row)
            except Exception:
                logger.warning("could not remove the relay's lease row")

    def _hold_lock(self) -> bool:
        if self._conn is not None:
            self._conn.execute(text("SELECT 1"))  # the lock lives while this connection does
            return True
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            logger.info("this relay leads (advisory lock %d)", _LOCK_KEY)
            return True
        conn.close()
        return False

    def _mine(self, row: WorkerProcessRow) -> bool:
        me = self._identity
        return (row.host, row.boot_id, row.pid, row.pid_started) == (
            me.host, me.boot_id, me.pid, me.pid_started,
        )  # fmt: skip

    def _hold_row(self) -> bool:
        now = self.clock()
        with session_scope(self.engine) as s:
            return self._take_row(s, now)

    def _take_row(self, s: Session, now: datetime) -> bool:
        row = s.get(WorkerProcessRow, LEADER_ROW)
        me = self._identity
        if row is not None and not self._mine(row):
            other = ProcessIdentity(row.host, row.boot_id, row.pid, row.pid_started)
            stale = row.heartbeat_at < now - timedelta(seconds=self.lease_seconds)
            if not (stale or is_gone(other, me)):
                return False
            logger.info("taking over the relay lease from pid %d on %s", row.pid, row.host)
        if row is None:
            row = WorkerProcessRow(
                id=LEADER_ROW, host=me.host, boot_id=me.boot_id, pid=me.pid,
                pid_started=me.pid_started, started_at=now, heartbeat_at=now,
            )  # fmt: skip
        else:
            row.host, row.boot_id, row.pid = me.host, me.boot_id, me.pid
            row.pid_started, row.heartbeat_at = me.pid_started, now
        s.add(row)
        return True
