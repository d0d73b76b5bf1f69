"""Socket.IO: a connection needs an account, and each room join passes the REST rules.

A browser connects with its session cookie; an integration with its API token, in the
``Authorization`` header of the handshake or as ``auth={"token": ...}``. A join asks
the policy's :data:`~designer.auth.policy.ROOMS` rule for the room's kind, with the
principal checked afresh, so a disabled account or revoked token stops at its next join.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_socketio import SocketIO  # type: ignore[import-untyped]

from designer.auth.errors import Forbidden
from designer.auth.guard import check
from designer.auth.identity import current_principal
from designer.auth.policy import ROOMS
from designer.extensions import state
from designer.live import set_room_authorizer
from runtime.accounts import service
from runtime.accounts.service import Principal
from runtime.db import session_scope
from runtime.live import RoomKind

__all__ = ["authorize_room", "install_socket_auth", "register_connect_handler", "socket_principal"]

_TOKEN_KEY = "baton.socket_token"


def _connect(auth: Any = None) -> None:
    principal = current_principal()
    token = auth.get("token") if isinstance(auth, dict) else None
    if principal is None and isinstance(token, str):
        with session_scope(state().engine) as db:
            principal = service.authenticate_token(db, token=token)
        if principal is not None:
            # Kept in the connection's server-side session copy, never in a cookie.
            session[_TOKEN_KEY] = principal.token_id
    if principal is None:
        raise ConnectionRefusedError(
            {"code": "not_authenticated", "message": "Sign in (or send an API token) first."}
        )


def socket_principal() -> Principal | None:
    """The principal of the current Socket.IO connection, checked against the store now."""
    token_id = session.get(_TOKEN_KEY)
    if isinstance(token_id, int):
        # Only reads: on SQLite it need not queue behind the writers.
        with session_scope(state().engine, read_only=True) as db:
            return service.load_token_principal(db, token_id=token_id)
    return current_principal()


def authorize_room(kind: RoomKind, key: str) -> bool:
    """Whether the current connection may join ``<kind>:<key>`` (the room rule of ``kind``)."""
    principal = socket_principal()
    rule = ROOMS.get(kind)
    if principal is None or rule is None:
        return False
    try:
        check(rule, principal, {"key": key}, what=f"watch {kind} {key}")
    except Forbidden:
        return False
    return True


def register_connect_handler(socketio: SocketIO) -> None:
    """Refuse connections without an account; call before ``socketio.init_app``.

    Like the live events, the handler is recorded while the server is unbound, so that
    every app bound later gets it.
    """
    if getattr(socketio, "_baton_connect_auth", False):
        return
    bound, socketio.server = socketio.server, None
    try:
        socketio.on_event("connect", _connect)
    finally:
        socketio.server = bound
    socketio._baton_connect_auth = True


def install_socket_auth(app: Flask) -> None:
    """Use the room rule of :data:`ROOMS` for every join in ``app``."""
    set_room_authorizer(app, authorize_room)
