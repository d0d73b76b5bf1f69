"""One relay leads at a time: the advisory lock on PostgreSQL, the lease row on SQLite."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from runtime.executor.processes import ProcessIdentity, this_process
from runtime.scale.leader import Leadership
from runtime.store.tables import utcnow


def _elsewhere(leadership: Leadership) -> Leadership:
    """As if in another live process (pid 1 runs; its start time is not compared)."""
    me = this_process()
    leadership._identity = ProcessIdentity(me.host, me.boot_id, 1, "")
    return leadership


def test_a_second_relay_waits_until_the_first_lets_go(db: Engine) -> None:
    first, second = Leadership(db), _elsewhere(Leadership(db))
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # kept, round after round
    assert not second.hold()
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()


def test_on_sqlite_a_lease_not_renewed_is_taken_over(sqlite_db: Engine) -> None:
    now = [utcnow()]
    first = Leadership(sqlite_db, lease_seconds=15, clock=lambda: now[0])
    second = _elsewhere(Leadership(sqlite_db, lease_seconds=15, clock=lambda: now[0]))
    assert first.hold()
    now[0] += timedelta(seconds=10)
    assert not second.hold()
    now[0] += timedelta(seconds=10)  # the first has not renewed for 20 s
    assert second.hold()
    assert not first.hold()
