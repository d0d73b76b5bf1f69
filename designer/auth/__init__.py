"""Accounts in the designer: who is calling (identity), may they (policy + guard).

``create_app`` calls :func:`init_auth` once: Flask-Login with Baton's loaders, the
guard that checks :data:`designer.auth.policy.POLICY` before every request, CSRF, the
security headers, and the Socket.IO connection and room checks. Routes name the
person behind a change with :func:`actor`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_socketio import SocketIO  # type: ignore[import-untyped]

from designer.auth.demo import refuse_unsafe_production
from designer.auth.guard import init_guard
from designer.auth.identity import CSRF_HEADER, actor, current_principal, init_identity
from designer.auth.sockets import install_socket_auth, register_connect_handler
from runtime.settings import Settings

__all__ = ["CSRF_HEADER", "actor", "current_principal", "init_auth"]

SESSION_LIFETIME = timedelta(hours=12)


def init_auth(app: Flask, socketio: SocketIO, settings: Settings) -> None:
    """Make every request and socket of ``app`` pass through accounts.

    Call before ``socketio.init_app`` (the connect handler is recorded unbound). Raises
    ``RuntimeError`` for development-only secrets in production settings.
    """
    refuse_unsafe_production(settings)
    production = settings.env == "production"
    app.config["SESSION_COOKIE_NAME"] = "baton_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = production
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    init_identity(app)
    init_guard(app)
    register_connect_handler(socketio)
    install_socket_auth(app)
