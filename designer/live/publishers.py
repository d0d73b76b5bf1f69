"""Publishers for the executor: where committed run updates go out to browsers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from flask import Flask

from designer.extensions import state
from designer.live import recheck_channel
from designer.live.rooms import recheck_rooms
from runtime.live import INBOX_CHANGED, Emit, LivePublisher, agents_named
from runtime.settings import Settings

__all__ = ["BATCH", "BATCH_WINDOW_S", "app_publisher", "publisher_for", "queue_publisher"]

logger = logging.getLogger("baton.live")

BATCH = "live.batch"
"""One Socket.IO message carrying several, in the order published: ``[[event, payload]]``.

A client handles each pair as if ``event`` had arrived with ``payload`` on its own.
"""

BATCH_WINDOW_S = 0.02
"""How long the first message of a batch waits for others to join it.

benchmarks/stream.py (20 clients, 2 busy cores): 20 ms carried about 15% more changes
per second than 5 ms, the commit-to-client p99 staying near 50 ms.
"""


class _Batcher:
    """Sends what is published within a few milliseconds as one message per connection.

    Each message sent on its own costs the server a frame, a queue hand-over and a
    writer thread's wake-up per connection: with 20 clients following 20 busy runs that
    was about a quarter of the server's CPU per change (benchmarks/stream.py). Batched,
    a connection gets one frame per window carrying every message meant for it, in
    publish order, and connections that get the same messages share one encoding.

    Only for a server that holds every connection of its rooms (no message queue): it
    reads the rooms' members at send time. An event is therefore delivered to whoever
    is in its room when the batch goes out, which is later than the commit, so a client
    that joined before reading the log still gets everything committed after the read.
    """

    def __init__(self, server: Any, window: float) -> None:
        self._server = server
        self._window = window
        self._pending: list[tuple[str, dict[str, Any], str]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def emit(self, event: str, payload: dict[str, Any], room: str) -> None:
        with self._ready:
            self._pending.append((event, payload, room))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="baton-live-batcher", daemon=True
                )
                self._thread.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
            # Gathering what the next few milliseconds publish is the point of the wait.
            time.sleep(self._window)
            with self._ready:
                batch, self._pending = self._pending, []
            try:
                self._send(batch)
            except Exception:  # a failed send must not stop the stream for good
                logger.exception("sending %d live messages failed", len(batch))

    def _send(self, batch: list[tuple[str, dict[str, Any], str]]) -> None:
        manager = self._server.server.manager
        wanted: dict[str, list[int]] = {}
        for index, (_event, _payload, room) in enumerate(batch):
            for sid, _eio_sid in manager.get_participants("/", room):
                wanted.setdefault(sid, []).append(index)
        groups: dict[tuple[int, ...], list[str]] = {}
        for sid, wanted_indexes in wanted.items():
            groups.setdefault(tuple(wanted_indexes), []).append(sid)
        for indexes, sids in groups.items():
            items = [[batch[i][0], batch[i][1]] for i in indexes]
            # A list of sids is a list of rooms: encoded once for all of them.
            self._server.emit(BATCH, items, to=sids)


class _RecheckingPublisher(LivePublisher):
    """Rooms follow the work: before an update that names agents goes out, their
    connections leave the runs' rooms they may no longer watch.

    Routing publishes ``inbox.changed`` for both agents of every move (a reassignment,
    an escalation, a release back to the queue), and a reassignment's log line names
    both (``from``, ``to``), after the commit that made it; the check runs here, before
    that message and everything published after it goes out. Updates that name no
    agent, or agents without connections here, cost nothing.
    """

    def __init__(self, emit: Emit, recheck: Callable[[Collection[str]], object]) -> None:
        super().__init__(emit)
        self._recheck = recheck

    def __call__(self, topic: str, data: dict[str, Any]) -> None:
        agents = set(agents_named(data.get("events") or []))
        if topic == INBOX_CHANGED and data.get("agent_id"):
            agents.add(str(data["agent_id"]))
        if agents:
            try:
                self._recheck(agents)
            except Exception:  # the periodic check catches up; the news must still go out
                logger.exception("checking the rooms of %s failed", sorted(agents))
        super().__call__(topic, data)


def app_publisher(app: Flask, *, window: float = BATCH_WINDOW_S) -> LivePublisher:
    """Publish through ``app``'s Socket.IO server (and its Redis queue, when configured).

    Used by the in-process executor of ``baton run`` and by tests. Without a message
    queue, what is published within ``window`` seconds goes out as one ``live.batch``
    per connection; through a queue every message goes on its own, since each web
    process delivers to its own connections.
    """
    server = app.extensions["socketio"]

    def recheck(agents: Collection[str]) -> None:
        recheck_rooms(app, agents)

    if not state(app).settings.redis_url and window > 0:
        return _RecheckingPublisher(_Batcher(server, window).emit, recheck)

    def emit(event: str, payload: dict[str, Any], room: str) -> None:
        server.emit(event, payload, to=room)

    return _RecheckingPublisher(emit, recheck)


def queue_publisher(redis_url: str) -> LivePublisher:
    """Publish from a process without the web app (``baton worker``) through Redis.

    Flask-SocketIO without an app is a write-only client of the message queue: every
    web process subscribed to the queue delivers the message to its own connections.
    Moves of work are announced on :mod:`designer.live.recheck_channel` first.
    """
    from flask_socketio import SocketIO  # type: ignore[import-untyped]

    emitter = SocketIO(message_queue=redis_url)

    def emit(event: str, payload: dict[str, Any], room: str) -> None:
        emitter.emit(event, payload, to=room)

    def announce(agents: Collection[str]) -> None:
        # This process holds no connections: the web processes check theirs.
        recheck_channel.announce(redis_url, agents)

    return _RecheckingPublisher(emit, announce)


def publisher_for(settings: Settings, app: Flask | None = None) -> LivePublisher | None:
    """The publisher a worker should use: the app's server, else Redis, else none."""
    if app is not None:
        return app_publisher(app)
    if settings.redis_url:
        return queue_publisher(settings.redis_url)
    return None
