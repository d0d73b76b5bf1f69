"""Telling every web process that ownership moved, through Redis.

Flask-SocketIO's message queue carries messages to clients; no server code sees them.
So when work moves between agents in one process (a web process, or a ``baton worker``
publishing through Redis), the web processes that hold the agents' connections learn
it on a channel of Baton's own, :data:`CHANNEL`, and take those connections out of the
rooms they may no longer watch. A message is ``{"agents": [...]}``, or
``{"agents": null}`` for a change to accounts or tokens (check every connection).

A lost message costs only time: each web process checks every connection anyway every
``socket_recheck_seconds``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Collection
from typing import Any

import redis

__all__ = ["CHANNEL", "announce", "listen"]

logger = logging.getLogger("baton.live")

CHANNEL = "baton.rooms.recheck"

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def _client(url: str) -> redis.Redis:
    with _clients_lock:
        found = _clients.get(url)
        if found is None:
            found = _clients[url] = redis.Redis.from_url(url, socket_timeout=5)
        return found


def announce(url: str, agents: Collection[str] | None) -> None:
    """Tell every web process to check ``agents``' connections (``None``: all of them)."""
    message = {"agents": sorted(agents) if agents is not None else None}
    try:
        _client(url).publish(CHANNEL, json.dumps(message))
    except redis.RedisError as exc:  # the periodic check still comes
        logger.warning("could not announce a room recheck: %r", exc)


def _agents(raw: Any) -> list[str] | None:
    data = json.loads(raw)
    agents = data.get("agents") if isinstance(data, dict) else None
    if not isinstance(agents, list):
        return None
    return [str(agent) for agent in agents]


def listen(
    url: str, on_message: Callable[[list[str] | None], bool], *, retry_seconds: float = 1.0
) -> threading.Thread:
    """Call ``on_message(agents)`` for each announcement, in a daemon thread.

    The thread ends when ``on_message`` returns ``False`` (its app is gone).
    """

    def run() -> None:
        while True:
            try:
                pubsub = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                for message in pubsub.listen():  # type: ignore[no-untyped-call]
                    if message.get("type") != "message":
                        continue
                    try:
                        agents = _agents(message["data"])
                    except (ValueError, TypeError):
                        logger.warning("ignored a malformed room recheck announcement")
                        continue
                    if not on_message(agents):
                        pubsub.close()
                        return
            except redis.RedisError as exc:
                logger.warning("room recheck channel lost (%r); listening again", exc)
                threading.Event().wait(retry_seconds)

    thread = threading.Thread(target=run, name="baton-room-recheck", daemon=True)
    thread.start()
    return thread
