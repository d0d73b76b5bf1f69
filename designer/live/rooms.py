"""Who may be in which room: every join goes through :func:`authorize_room`, and rooms
are checked again when ownership moves (:func:`recheck_rooms`).

Until accounts exist every room is open. The accounts feature registers its rule with
:func:`set_room_authorizer` (for example: a run's room for those who may read its
workflow, ``agent:<name>`` for that agent and supervisors); it runs inside the Socket.IO
event, so ``flask.request.sid`` and the connection's session are at hand.

A join is checked once, but what an agent may watch changes with the work they hold:
when an item moves away from an agent, the runs behind it are no longer theirs to
watch. The accounts feature registers a :data:`RoomRechecker` too; the publishers call
:func:`recheck_rooms` with the agents whose work moved, before they send the message
that says so, and the connections that lost a room leave it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Flask, current_app

from runtime.live import RoomKind

__all__ = [
    "ROOM_LEFT",
    "RoomAuthorizer",
    "RoomRechecker",
    "authorize_room",
    "recheck_rooms",
    "set_room_authorizer",
    "set_room_rechecker",
]

RoomAuthorizer = Callable[[RoomKind, str], bool]
"""``(kind, key) -> allowed``: may the current connection join ``<kind>:<key>``?"""

RoomRechecker = Callable[[Flask, Collection[str] | None], int]
"""``(app, agents) -> left``: make the connections of ``agents`` (``None``: everyone's)
leave the rooms they may no longer watch; how many rooms were left."""

ROOM_LEFT = "room.left"
"""Sent to a connection taken out of a room: ``{"room", "reason"}``."""

_KEY = "baton.authorize_room"
_RECHECK_KEY = "baton.recheck_rooms"


def set_room_authorizer(app: Flask, authorizer: RoomAuthorizer | None) -> None:
    """Use ``authorizer`` for room joins in ``app`` (``None``: every room is open)."""
    if authorizer is None:
        app.extensions.pop(_KEY, None)
    else:
        app.extensions[_KEY] = authorizer


def authorize_room(kind: RoomKind, key: str) -> bool:
    """Whether the current Socket.IO connection may join the room ``<kind>:<key>``."""
    authorizer: RoomAuthorizer | None = current_app.extensions.get(_KEY)
    return True if authorizer is None else bool(authorizer(kind, key))


def set_room_rechecker(app: Flask, rechecker: RoomRechecker | None) -> None:
    """Use ``rechecker`` when ownership moves in ``app`` (``None``: rooms are never left)."""
    if rechecker is None:
        app.extensions.pop(_RECHECK_KEY, None)
    else:
        app.extensions[_RECHECK_KEY] = rechecker


def recheck_rooms(app: Flask, agents: Collection[str] | None) -> int:
    """Take ``agents``' connections (``None``: all) out of rooms they may no longer watch."""
    rechecker: RoomRechecker | None = app.extensions.get(_RECHECK_KEY)
    return 0 if rechecker is None else rechecker(app, agents)
