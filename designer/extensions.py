"""Flask extensions, created unbound and attached to an app by the factory.

Socket.IO lives here so that the live-stream code can import one ``socketio`` object
without importing the app. The database engine is not an extension object: the
factory builds it from the settings and keeps it in ``app.extensions``; requests
reach it through :func:`db_session`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from flask_socketio import SocketIO  # type: ignore[import-untyped]
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.settings import Settings

__all__ = ["BatonState", "db_session", "socketio", "state"]

socketio = SocketIO()
"""The Socket.IO server; ``create_app`` binds it (threading mode, Redis queue if set)."""

_EXTENSION_KEY = "baton"


@dataclass(frozen=True, slots=True)
class BatonState:
    """What the factory built for one app: its settings and its one database engine."""

    settings: Settings
    engine: Engine

    def attach(self, app: Flask) -> None:
        """Store this state on ``app``."""
        app.extensions[_EXTENSION_KEY] = self


def state(app: Flask | None = None) -> BatonState:
    """The state of ``app`` (by default the current app)."""
    target = app if app is not None else current_app
    return target.extensions[_EXTENSION_KEY]  # type: ignore[no-any-return]


def db_session() -> Session:
    """The session of the current request, opened on first use.

    The app commits it after a successful response and rolls it back after an error
    response, so a refused request changes nothing.
    """
    session: Session | None = g.get("_baton_session")
    if session is None:
        session = Session(state().engine, expire_on_commit=False)
        g._baton_session = session
    return session


def end_session(*, commit: bool) -> None:
    """Commit or roll back the request's session, if one was opened, and close it."""
    session: Session | None = g.pop("_baton_session", None)
    if session is None:
        return
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
