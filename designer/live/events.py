"""The Socket.IO events a client sends, and what each answers (the Socket.IO ack).

Following a run, with no gap and no duplicate::

    subscribe {"run": id, "after_seq": n}  -> joins run:<id>, answers the log after n
    fetch     {"run": id, "after_seq": n}  -> answers the log after n (no join)
    unsubscribe {"run": id}

Answers are pages: ``{"run_id", "status", "node_id", "events": [...], "last_seq",
"more"}``; while ``more`` is true the client fetches on from ``last_seq``. Live
``run.events`` messages arrive in the room meanwhile. The client keeps the last ``seq``
it applied, drops anything at or below it, and fetches when a message starts beyond
the next number (a message it missed, or one published while it was catching up).
The join happens *before* the log is read, so an event committed after the read is
always delivered live; one committed before it is always in the answer.

Watching a workflow (the monitor, the cases list) or an agent (their work)::

    watch   {"workflow": id} | {"agent": name}  -> {"room": "workflow:<id>"}
    unwatch {"workflow": id} | {"agent": name}

A refused or malformed message is answered with ``{"error": {"code", "message"}}``.
Every join goes through :func:`designer.live.rooms.authorize_room`.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO, join_room, leave_room  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from designer.extensions import state
from designer.live.rooms import authorize_room
from runtime import services
from runtime.db import session_scope
from runtime.errors import BatonRuntimeError
from runtime.live import RoomKind, room_name
from runtime.services.exports import read_log_lines

__all__ = ["PAGE_SIZE", "register_socket_events"]

PAGE_SIZE = 5000
"""Log events per answer; a 10,000-event run catches up in two round trips."""


class _RunMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run: str = Field(min_length=1, max_length=64)
    after_seq: int = Field(default=0, ge=0)


class _WatchMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflow: str | None = Field(default=None, min_length=1, max_length=120)
    agent: str | None = Field(default=None, min_length=1, max_length=255)

    def room(self) -> tuple[RoomKind, str]:
        if (self.workflow is None) == (self.agent is None):
            raise ValueError("name exactly one of 'workflow' or 'agent'")
        if self.workflow is not None:
            return "workflow", self.workflow
        return "agent", str(self.agent)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.answer = _error(code, message)


def _parse(model: type[BaseModel], message: Any) -> Any:
    try:
        return model.model_validate(message)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise _Refused("invalid_message", f"{where}: {first['msg']}") from None


def _authorize(kind: RoomKind, key: str) -> str:
    if not authorize_room(kind, key):
        raise _Refused("forbidden", f"you may not watch {kind} {key!r}")
    return room_name(kind, key)


def read_page(run_id: str, after_seq: int) -> dict[str, Any]:
    """One page of the run's log after ``after_seq``, with where the run stands now."""
    with session_scope(state().engine, read_only=True) as session:
        run = services.get_run(session, run_id=run_id)
        lines = read_log_lines(session, run_id=run_id, after_seq=after_seq, limit=PAGE_SIZE + 1)
        more = len(lines) > PAGE_SIZE
        events = lines[:PAGE_SIZE]
        return {
            "run_id": run.id,
            "workflow_id": run.workflow_id,
            "status": run.status,
            "node_id": run.node_id,
            "events": events,
            "last_seq": events[-1]["seq"] if events else after_seq,
            "more": more,
        }


def _answer(handler: Any) -> Any:
    def wrapped(message: Any = None) -> dict[str, Any]:
        try:
            return handler(message)  # type: ignore[no-any-return]
        except _Refused as refused:
            return refused.answer
        except BatonRuntimeError as exc:
            return _error(exc.code, exc.message)

    wrapped.__name__ = handler.__name__
    return wrapped


def _subscribe(message: Any) -> dict[str, Any]:
    parsed: _RunMessage = _parse(_RunMessage, message)
    room = _authorize("run", parsed.run)
    # Join first: whatever commits after the read below is then delivered live.
    join_room(room)
    try:
        return read_page(parsed.run, parsed.after_seq)
    except BatonRuntimeError:
        leave_room(room)
        raise


def _fetch(message: Any) -> dict[str, Any]:
    parsed: _RunMessage = _parse(_RunMessage, message)
    _authorize("run", parsed.run)
    return read_page(parsed.run, parsed.after_seq)


def _unsubscribe(message: Any) -> dict[str, Any]:
    if not isinstance(message, dict) or not isinstance(message.get("run"), str):
        raise _Refused("invalid_message", "run: a run id is required")
    room = room_name("run", message["run"])
    leave_room(room)
    return {"room": room}


def _watched_room(message: Any) -> tuple[RoomKind, str]:
    parsed: _WatchMessage = _parse(_WatchMessage, message)
    try:
        return parsed.room()
    except ValueError as exc:
        raise _Refused("invalid_message", str(exc)) from None


def _watch(message: Any) -> dict[str, Any]:
    room = _authorize(*_watched_room(message))
    join_room(room)
    return {"room": room}


def _unwatch(message: Any) -> dict[str, Any]:
    room = room_name(*_watched_room(message))
    leave_room(room)
    return {"room": room}


_HANDLERS = {
    "subscribe": _subscribe,
    "fetch": _fetch,
    "unsubscribe": _unsubscribe,
    "watch": _watch,
    "unwatch": _unwatch,
}


def register_socket_events(socketio: SocketIO) -> None:
    """Register the live events on ``socketio`` once, for every app it is bound to later.

    Flask-SocketIO replays its recorded handlers on each ``init_app``, but records a
    handler only while it is unbound; call this before ``init_app``.
    """
    if getattr(socketio, "_baton_live_events", False):
        return
    bound, socketio.server = socketio.server, None
    try:
        for name, handler in _HANDLERS.items():
            socketio.on_event(name, _answer(handler))
    finally:
        socketio.server = bound
    socketio._baton_live_events = True
