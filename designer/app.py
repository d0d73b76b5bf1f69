"""The application factory: one place where settings become a running Flask app.

Nothing is built at import time. ``create_app`` reads the settings it is given (or the
environment), builds the one database engine, brings the schema up to date, binds
Socket.IO, and registers the API, the error handler and the canvas::

    app = create_app(Settings(database_url="sqlite:///baton.db"), TESTING=True)

Keyword overrides go into ``app.config`` (tests use them, e.g. ``BATON_SPA_DIR``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

from designer.api import register_api
from designer.api.http import bounded_path_values
from designer.auth import init_auth
from designer.errors import CrossOrigin, register_error_handlers
from designer.extensions import BatonState, end_session, socketio
from designer.live import register_socket_events
from designer.live.wire import LivePacket
from designer.prometheus import bp as prometheus_bp
from designer.spa import bp as spa_bp
from runtime.db import make_engine
from runtime.settings import Settings
from runtime.store import migrate

__all__ = ["DEFAULT_SECRET_KEY", "create_app"]

DEFAULT_SECRET_KEY = Settings.model_fields["secret_key"].default

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the Baton designer app.

    Parameters
    ----------
    settings
        Baton's settings; by default read from the environment.
    **overrides
        Flask config values set last, such as ``TESTING=True``. ``BATON_MIGRATE=False``
        skips bringing the database schema up to date.

    Raises
    ------
    RuntimeError
        In production (``BATON_ENV=production``) with the default secret key.
    """
    settings = settings if settings is not None else Settings()
    if settings.env == "production" and settings.secret_key == DEFAULT_SECRET_KEY:
        raise RuntimeError(
            "BATON_SECRET_KEY must be set to a secret value when BATON_ENV=production."
        )
    instance_path = settings.instance_path.resolve()
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask("designer", instance_path=str(instance_path), static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        DEBUG=False,
        BATON_MIGRATE=True,
    )
    app.config.update(overrides)
    # Responses keep the models' field order, which reads better than sorted keys.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    engine = make_engine(settings.resolved_database_url())
    if app.config["BATON_MIGRATE"]:
        migrate(engine)
    BatonState(settings=settings, engine=engine).attach(app)

    init_auth(app, socketio, settings)
    register_socket_events(socketio)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=settings.redis_url,
        # Same origin only: the canvas is served by this app.
        cors_allowed_origins=None,
        serializer=LivePacket,
    )

    register_error_handlers(app)
    register_api(app)
    app.before_request(bounded_path_values)  # after the guard that init_auth installed
    app.register_blueprint(prometheus_bp)
    app.register_blueprint(spa_bp)

    @app.before_request
    def _same_origin_only() -> None:
        # Bodiless POSTs (activate) and form posts need no CORS preflight, so a page of
        # another site could send them with the admin's cookies; browsers say who sent
        # a request in Origin, and only this app's own pages may change things.
        if request.method in _SAFE_METHODS:
            return
        origin = request.headers.get("Origin")
        if origin is None:
            return  # not sent by a browser page (curl, the CLI, tests)
        if urlsplit(origin).netloc != request.host:
            raise CrossOrigin(
                f"Requests that change data must come from this app's own pages; "
                f"this one came from {origin}.",
                {"origin": origin},
            )

    @app.after_request
    def _finish(response: Response) -> Response:
        # Commit only what a successful request did; an error response changes nothing.
        end_session(commit=response.status_code < 400)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        end_session(commit=False)

    return app
