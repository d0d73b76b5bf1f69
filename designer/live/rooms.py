"""Who may join which room: every join goes through :func:`authorize_room`.

Until accounts exist every room is open. The accounts feature registers its rule with
:func:`set_room_authorizer` (for example: a run's room for those who may read its
workflow, ``agent:<name>`` for that agent and supervisors); it runs inside the Socket.IO
event, so ``flask.request.sid`` and the connection's session are at hand.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from runtime.live import RoomKind

__all__ = ["RoomAuthorizer", "authorize_room", "set_room_authorizer"]

RoomAuthorizer = Callable[[RoomKind, str], bool]
"""``(kind, key) -> allowed``: may the current connection join ``<kind>:<key>``?"""

_KEY = "baton.authorize_room"


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
