"""The live stream over Socket.IO: subscriptions with catch-up by ``seq``, and publishers.

- :mod:`designer.live.events` registers the Socket.IO events clients send
  (``subscribe``/``fetch``/``unsubscribe`` for a run, ``watch``/``unwatch`` for a
  workflow or an agent).
- :mod:`designer.live.rooms` is the one place a room join is allowed or refused
  (:func:`authorize_room`), and rooms are checked again when work moves
  (:func:`recheck_rooms`); accounts plug their rules in with :func:`set_room_authorizer`
  and :func:`set_room_rechecker`. :mod:`designer.live.recheck_channel` spreads such
  rechecks to every web process through Redis.
- :mod:`designer.live.publishers` builds the executor's publisher: the app's Socket.IO
  server in ``baton run``, a write-only Redis emitter in a ``baton worker`` process.
"""

from __future__ import annotations

from designer.live.events import register_socket_events
from designer.live.publishers import app_publisher, publisher_for, queue_publisher
from designer.live.rooms import (
    RoomAuthorizer,
    RoomRechecker,
    authorize_room,
    recheck_rooms,
    set_room_authorizer,
    set_room_rechecker,
)

__all__ = [
    "RoomAuthorizer",
    "RoomRechecker",
    "app_publisher",
    "authorize_room",
    "publisher_for",
    "queue_publisher",
    "recheck_rooms",
    "register_socket_events",
    "set_room_authorizer",
    "set_room_rechecker",
]
