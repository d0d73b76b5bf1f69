"""A Python client of the live stream: follow runs with no gap and no duplicate.

The reference implementation of the client's side of the protocol in
:mod:`designer.live.events` (the browser's ``frontend/src/live/follower.ts`` does the
same): keep the last ``seq`` applied, drop anything at or below it, fetch from it when
a message starts beyond the next number, and re-subscribe from it after a reconnect.
Tests and ``benchmarks/stream.py`` use it with python-socketio's client::

    with LiveClient(url, token=api_token) as live:
        follower = live.follow(run_id)
        follower.wait_for_seq(12)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import engineio  # type: ignore[import-untyped]
import socketio  # type: ignore[import-untyped]

from designer.live.publishers import BATCH
from designer.live.wire import LivePacket

__all__ = ["LiveClient", "RunFollower"]

Listener = Callable[[list[dict[str, Any]]], None]


class RunFollower:
    """One run's events, in order, each exactly once, from ``after_seq`` on."""

    def __init__(self, live: LiveClient, run_id: str, after_seq: int = 0) -> None:
        self.live = live
        self.run_id = run_id
        self.last_seq = after_seq
        self.events: list[dict[str, Any]] = []
        self.status: str | None = None
        self.node_id: str | None = None
        self.errors: list[dict[str, Any]] = []
        self.listeners: list[Listener] = []
        self.live_messages = 0
        """``run.events`` messages received (as opposed to pages fetched from the log)."""
        self._changed = threading.Condition()
        self._fetching = False
        self._pending: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ protocol

    def start(self) -> None:
        """Join the run's room and catch up from :attr:`last_seq` (also after a reconnect)."""
        with self._changed:
            self._fetching = True
            self._pending.clear()
        self.live.sio.emit(
            "subscribe", {"run": self.run_id, "after_seq": self.last_seq}, callback=self._on_page
        )

    def _apply(self, events: list[dict[str, Any]]) -> bool:
        """Append what is new; ``False`` on a gap (the caller fetches). Lock held."""
        fresh = [event for event in events if event["seq"] > self.last_seq]
        applied: list[dict[str, Any]] = []
        for event in fresh:
            if event["seq"] != self.last_seq + 1:
                self._deliver(applied)
                return False
            applied.append(event)
            self.last_seq = event["seq"]
        self._deliver(applied)
        return True

    def _deliver(self, applied: list[dict[str, Any]]) -> None:
        if not applied:
            return
        self.events.extend(applied)
        for listener in self.listeners:
            listener(applied)
        self._changed.notify_all()

    def _fetch(self) -> None:
        self._fetching = True
        self.live.sio.emit(
            "fetch", {"run": self.run_id, "after_seq": self.last_seq}, callback=self._on_page
        )

    def _on_page(self, answer: dict[str, Any]) -> None:
        with self._changed:
            if "error" in answer:
                self.errors.append(answer["error"])
                self._fetching = False
                self._changed.notify_all()
                return
            self.status = answer.get("status", self.status)
            self.node_id = answer.get("node_id", self.node_id)
            self._apply(answer["events"])
            if answer.get("more"):
                self._fetch()
                return
            self._fetching = False
            pending, self._pending = self._pending, []
            for message in pending:
                if not self._take(message):
                    return

    def _take(self, message: dict[str, Any]) -> bool:
        """Apply one live message (lock held); on a gap start a fetch and say so."""
        self.status = message.get("status", self.status)
        self.node_id = message.get("node_id", self.node_id)
        if self._apply(message["events"]):
            return True
        self._fetch()
        return False

    def on_live(self, message: dict[str, Any]) -> None:
        """A ``run.events`` message for this run."""
        with self._changed:
            self.live_messages += 1
            if self._fetching:
                self._pending.append(message)
            else:
                self._take(message)

    # ------------------------------------------------------------------ waiting

    def wait_for(self, predicate: Callable[[RunFollower], bool], timeout: float = 10.0) -> None:
        """Block until ``predicate(self)`` holds; ``TimeoutError`` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                if self.errors:
                    raise RuntimeError(f"the server refused: {self.errors[-1]}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"run {self.run_id}: condition not met within {timeout} s "
                        f"(at seq {self.last_seq})"
                    )
                self._changed.wait(left)

    def wait_for_seq(self, seq: int, timeout: float = 10.0) -> None:
        """Block until the event numbered ``seq`` has been applied."""
        self.wait_for(lambda follower: follower.last_seq >= seq, timeout)

    def wait_for_kind(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """Block until an event of ``kind`` has been applied; return the first such."""
        self.wait_for(lambda f: any(e["kind"] == kind for e in f.events), timeout)
        return next(event for event in self.events if event["kind"] == kind)


class _InOrderEngineIO(engineio.Client):  # type: ignore[misc]
    """Handles each message on the thread that reads the socket, in arrival order.

    python-engineio starts a thread per incoming message by default: with 20 runs
    streaming that was most of a client's CPU, and it let messages overtake each other
    (the follower then fetched what it had in fact received).
    """

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _Client(socketio.Client):  # type: ignore[misc]
    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineIO


class LiveClient:
    """A Socket.IO connection that follows runs and watches workflows or agents."""

    def __init__(
        self, url: str, *, token: str | None = None, transports: list[str] | None = None
    ) -> None:
        self.url = url
        self.token = token
        self.transports = transports or ["websocket"]
        self.sio = _Client(
            reconnection=True,
            reconnection_delay=0.1,
            # websocket-client checks each text frame's UTF-8 in pure Python, byte by
            # byte: a fifth of a following client's CPU in benchmarks/stream.py. Decoding
            # the text refuses bad UTF-8 anyway.
            websocket_extra_options={"skip_utf8_validation": True},
            serializer=LivePacket,
        )
        self.followers: dict[str, RunFollower] = {}
        self.changes: list[dict[str, Any]] = []
        self.message_hooks: list[Callable[[dict[str, Any], float], None]] = []
        """Called with every ``run.events`` message and the time it arrived."""
        self._changes_cond = threading.Condition()
        self.connects = 0
        self.sio.on("connect", self._on_connect)
        self.sio.on("run.events", self._on_events)
        self.sio.on("run.changed", self._on_changed)
        self.sio.on(BATCH, self._on_batch)

    def connect(self) -> LiveClient:
        """Connect and wait until the connection is up."""
        auth = {"token": self.token} if self.token else None
        self.sio.connect(self.url, transports=self.transports, auth=auth, wait_timeout=10)
        return self

    def close(self) -> None:
        """Disconnect (``connect`` again resumes every followed run from its last seq)."""
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None:
            # The threading server drops the socket without answering the close frame,
            # which websocket-client would otherwise wait 3 s for.
            close = ws.close
            ws.close = lambda *args, **kwargs: close(timeout=0.05)
        self.sio.disconnect()

    def __enter__(self) -> LiveClient:
        return self.connect()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def follow(self, run_id: str, after_seq: int = 0) -> RunFollower:
        """Follow a run from ``after_seq`` (its events after that number, then live)."""
        follower = RunFollower(self, run_id, after_seq)
        self.followers[run_id] = follower
        follower.start()
        return follower

    def watch(self, *, workflow: str | None = None, agent: str | None = None) -> dict[str, Any]:
        """Join a workflow's or an agent's room; the server's answer."""
        body = {"workflow": workflow} if workflow is not None else {"agent": agent}
        answer: dict[str, Any] = self.sio.call("watch", body, timeout=10)
        return answer

    def wait_for_change(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """Block until a ``run.changed`` message matching ``predicate`` has arrived."""
        deadline = time.monotonic() + timeout
        with self._changes_cond:
            while True:
                for change in self.changes:
                    if predicate(change):
                        return change
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching run.changed within {timeout} s")
                self._changes_cond.wait(left)

    def _on_connect(self) -> None:
        self.connects += 1
        if self.connects > 1:
            # A new connection has joined no rooms: resume every run from its last seq.
            for follower in self.followers.values():
                follower.start()

    def _on_events(self, message: dict[str, Any]) -> None:
        arrived = time.time()
        for hook in self.message_hooks:
            hook(message, arrived)
        follower = self.followers.get(message.get("run_id", ""))
        if follower is not None:
            follower.on_live(message)

    def _on_batch(self, items: list[list[Any]]) -> None:
        """A ``live.batch``: each ``[event, payload]`` as if it had come on its own."""
        handlers = self.sio.handlers.get("/", {})
        for event, payload in items:
            handler = handlers.get(event)
            if handler is not None:
                handler(payload)

    def _on_changed(self, message: dict[str, Any]) -> None:
        with self._changes_cond:
            self.changes.append(message)
            self._changes_cond.notify_all()
