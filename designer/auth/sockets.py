"""Socket.IO: a connection needs an account, and each room join passes the REST rules.

A browser connects with its session cookie; an integration with its API token, in the
``Authorization`` header of the handshake or as ``auth={"token": ...}``. A join asks
the policy's :data:`~designer.auth.policy.ROOMS` rule for the room's kind, with the
principal checked afresh, so a disabled account or revoked token stops at its next join.

A connection that only listens joins nothing more, so joins alone would let it go on
hearing its rooms. Each web process therefore checks its open connections' principals
against the store every ``socket_recheck_seconds`` and disconnects those that ended (a
token revoked, an account disabled, demoted, given a new password or another agent
record); a change made through this process's API is checked at once
(:func:`recheck_connections`), and, with Redis, announced to the other web processes.

What an agent may watch also changes with the work they hold (:data:`ROOMS`: a run's
room is theirs while its case has a work item of theirs). :func:`recheck_rooms` takes an
agent's connections out of the rooms they may no longer watch, telling each one
(``room.left``); the publishers call it, through :func:`designer.live.recheck_rooms`,
whenever routing moves an item to or from an agent, before the news goes out, and with
Redis every web process hears of it on :mod:`designer.live.recheck_channel`. The
periodic check covers the rooms too.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Collection
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_socketio import SocketIO  # type: ignore[import-untyped]
from sqlmodel import Session

from designer.auth.errors import Forbidden
from designer.auth.guard import check
from designer.auth.identity import authenticate, current_principal
from designer.auth.policy import ROOMS
from designer.extensions import db_session, state
from designer.live import recheck_channel, set_room_authorizer, set_room_rechecker
from designer.live.rooms import ROOM_LEFT
from runtime.accounts import service
from runtime.accounts.roles import Role
from runtime.accounts.service import Principal
from runtime.db import session_scope
from runtime.live import RoomKind, parse_room

__all__ = [
    "MOVES_WORK",
    "authorize_room",
    "install_socket_auth",
    "recheck_connections",
    "recheck_rooms",
    "register_connect_handler",
    "socket_principal",
]

logger = logging.getLogger("baton.auth")

_TOKEN_KEY = "baton.socket_token"
_CONNECTIONS = "baton.socket_connections"


class _Connections:
    """This process's open connections and who they act for, checked again now and then."""

    def __init__(self, app: Flask) -> None:
        # Weak: the checking thread ends with the app (tests make many apps).
        self._app = weakref.ref(app)
        self._interval = state(app).settings.socket_recheck_seconds
        self._principals: dict[str, Principal] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._redis_url = state(app).settings.redis_url

    def add(self, sid: str, principal: Principal) -> None:
        with self._lock:
            self._principals[sid] = principal
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="baton-socket-recheck", daemon=True
                )
                self._thread.start()
                if self._redis_url:
                    recheck_channel.listen(self._redis_url, self._announced)

    def _announced(self, agents: list[str] | None) -> bool:
        # Another process moved work (or changed accounts): check here too.
        app = self._app()
        if app is None:
            return False
        if agents is None:
            self.wake()
        else:
            self.recheck_rooms(app, agents)
        return True

    def announce(self, agents: Collection[str] | None) -> None:
        """Tell the other web processes (through Redis, if set) to check too."""
        if self._redis_url:
            recheck_channel.announce(self._redis_url, agents)

    def remove(self, sid: str) -> None:
        with self._lock:
            self._principals.pop(sid, None)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            app = self._app()
            if app is None:
                return
            try:
                self.sweep(app)
            except Exception:  # the next round tries again; a failure must not stop it
                logger.exception("checking open sockets' accounts failed")
            del app  # not held while waiting: the app may go meanwhile

    def sweep(self, app: Flask) -> list[str]:
        """Disconnect the connections whose principal has ended; their ids."""
        with self._lock:
            open_now = list(self._principals.items())
        if not open_now:
            return []
        ended = []
        with session_scope(state(app).engine, read_only=True) as db:
            for sid, principal in open_now:
                if principal.token_id is not None:
                    still = service.load_token_principal(db, token_id=principal.token_id)
                elif principal.session_key is None:
                    still = None
                else:
                    still = service.load_principal(
                        db,
                        account_id=principal.account_id,
                        epoch=principal.epoch,
                        session_key=principal.session_key,
                    )
                if (
                    still is None
                    or still.role != principal.role
                    or still.agent_id != principal.agent_id
                ):
                    ended.append(sid)
        server = app.extensions["socketio"].server
        for sid in ended:
            logger.info("disconnecting socket %s: its account or token has ended", sid)
            self.remove(sid)
            server.disconnect(sid, namespace="/")
        self.recheck_rooms(app, None)
        return ended

    def recheck_rooms(self, app: Flask, agents: Collection[str] | None) -> int:
        """Take agents' connections out of the rooms they may no longer watch; how many.

        Only agents watch by ownership (:data:`ROOMS`); other roles' rooms never change
        with the work. ``agents`` are agent ids (``None``: every agent connection).
        """
        wanted = None if agents is None else set(agents)
        with self._lock:
            open_now = [
                (sid, principal)
                for sid, principal in self._principals.items()
                if principal.role is Role.AGENT and (wanted is None or principal.agent_id in wanted)
            ]
        if not open_now:
            return 0
        server = app.extensions["socketio"].server
        lost: list[tuple[str, str]] = []
        with session_scope(state(app).engine, read_only=True) as db:
            for sid, principal in open_now:
                for room in _rooms_of(server.manager, sid):
                    try:
                        kind, key = parse_room(room)
                    except ValueError:
                        continue  # the connection's own room
                    if not _may_watch(db, principal, kind, key):
                        lost.append((sid, room))
        for sid, room in lost:
            logger.info("socket %s leaves %s: no longer the agent's to watch", sid, room)
            server.leave_room(sid, room, namespace="/")
            server.emit(
                ROOM_LEFT,
                {"room": room, "reason": "the work behind it is no longer yours"},
                to=sid,
                namespace="/",
            )
        return len(lost)


def _rooms_of(manager: Any, sid: str) -> list[str]:
    # The manager's rooms are a plain dict other threads add to (a join elsewhere):
    # reading them may meet a change in flight, which a second read does not.
    for _ in range(10):
        try:
            return list(manager.get_rooms(sid, "/"))
        except RuntimeError:
            continue
    return list(manager.get_rooms(sid, "/"))


def _may_watch(db: Session, principal: Principal, kind: RoomKind, key: str) -> bool:
    rule = ROOMS.get(kind)
    if rule is None:
        return False
    if principal.role in rule.roles:
        return True
    return rule.agent is not None and rule.agent.allows(db, principal, {"key": key})


def _connections(app: Flask) -> _Connections:
    found: _Connections | None = app.extensions.get(_CONNECTIONS)
    if found is None:
        found = app.extensions.setdefault(_CONNECTIONS, _Connections(app))
    return found


def recheck_connections() -> None:
    """Check this process's open sockets now: a change to accounts or tokens was made.

    Commits the request's session first, so the check reads what it changed.
    """
    db_session().commit()
    connections = _connections(current_app._get_current_object())  # type: ignore[attr-defined]
    connections.wake()
    connections.announce(None)


def recheck_rooms(app: Flask, agents: Collection[str] | None) -> int:
    """Take ``agents``' connections in this process out of rooms they may no longer watch,
    and tell the other web processes to do the same; how many rooms were left here."""
    connections = _connections(app)
    left = connections.recheck_rooms(app, agents)
    connections.announce(agents)
    return left


def _connect(auth: Any = None) -> None:
    principal = current_principal()
    token = auth.get("token") if isinstance(auth, dict) else None
    if principal is None and isinstance(token, str):
        principal = authenticate(token)
        if principal is not None:
            # Kept in the connection's server-side session copy, never in a cookie.
            session[_TOKEN_KEY] = principal.token_id
    if principal is None:
        raise ConnectionRefusedError(
            {"code": "not_authenticated", "message": "Sign in (or send an API token) first."}
        )
    _connections(current_app._get_current_object()).add(request.sid, principal)  # type: ignore[attr-defined]


def _disconnect(*_reason: Any) -> None:
    _connections(current_app._get_current_object()).remove(request.sid)  # type: ignore[attr-defined]


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
        socketio.on_event("disconnect", _disconnect)
    finally:
        socketio.server = bound
    socketio._baton_connect_auth = True


#: Endpoints that may move work items away from agents: their success checks this
#: process's sockets at once, and, with Redis, the other web processes' (routing's own
#: news of the move follows from whichever process publishes it).
MOVES_WORK = frozenset(
    {
        "cases.reassign_work_item",
        "agents.reassign",
        "monitor.bulk",
        "agents.set_availability",
        "agents.save_agent",
        "agents.delete_agent",
        "agents.save_queue",
        "agents.delete_queue",
    }
)


def _after_work_moved(response: Response) -> Response:
    if request.endpoint in MOVES_WORK and response.status_code < 400:
        recheck_connections()
    return response


def install_socket_auth(app: Flask) -> None:
    """Use the room rule of :data:`ROOMS` for every join in ``app``, and again whenever
    work moves between agents."""
    set_room_authorizer(app, authorize_room)
    set_room_rechecker(app, recheck_rooms)
    app.after_request(_after_work_moved)
