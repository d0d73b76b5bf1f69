"""Publishers for the executor: where committed run updates go out to browsers."""

from __future__ import annotations

from typing import Any

from flask import Flask

from runtime.live import LivePublisher
from runtime.settings import Settings

__all__ = ["app_publisher", "publisher_for", "queue_publisher"]


def app_publisher(app: Flask) -> LivePublisher:
    """Publish through ``app``'s Socket.IO server (and its Redis queue, when configured).

    Used by the in-process executor of ``baton run`` and by tests.
    """
    server = app.extensions["socketio"]

    def emit(event: str, payload: dict[str, Any], room: str) -> None:
        server.emit(event, payload, to=room)

    return LivePublisher(emit)


def queue_publisher(redis_url: str) -> LivePublisher:
    """Publish from a process without the web app (``baton worker``) through Redis.

    Flask-SocketIO without an app is a write-only client of the message queue: every
    web process subscribed to the queue delivers the message to its own connections.
    """
    from flask_socketio import SocketIO  # type: ignore[import-untyped]

    emitter = SocketIO(message_queue=redis_url)

    def emit(event: str, payload: dict[str, Any], room: str) -> None:
        emitter.emit(event, payload, to=room)

    return LivePublisher(emit)


def publisher_for(settings: Settings, app: Flask | None = None) -> LivePublisher | None:
    """The publisher a worker should use: the app's server, else Redis, else none."""
    if app is not None:
        return app_publisher(app)
    if settings.redis_url:
        return queue_publisher(settings.redis_url)
    return None
