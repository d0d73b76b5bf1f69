"""Who makes the current request: a browser session (Flask-Login) or an API token.

A request that carries ``Authorization: Bearer <token>`` is judged by its token alone
(its cookies are ignored, and it needs no CSRF token: a page of another site cannot
set that header). Otherwise the signed session cookie names the account, its
``session_epoch`` and the key of a session the store keeps open
(:mod:`runtime.accounts.sessions`): signing out deletes that session, and a password
change, a role change or disabling the account moves the epoch on, which ends every
session opened before.
"""

from __future__ import annotations

import secrets

from flask import Flask, request, session
from flask_login import AnonymousUserMixin, LoginManager, current_user  # type: ignore[import-untyped]

from designer.extensions import state
from runtime.accounts import service
from runtime.accounts.service import Principal
from runtime.db import session_scope
from runtime.store.tables import utcnow

__all__ = [
    "CSRF_HEADER",
    "CSRF_SESSION_KEY",
    "User",
    "actor",
    "authenticate",
    "bearer_token",
    "csrf_token",
    "current_principal",
    "init_identity",
    "new_csrf_token",
]

CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "baton.csrf"


class User:
    """The Flask-Login user of a request: a :class:`Principal` and how it came."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def username(self) -> str:
        """The account's name, as the audit log records it."""
        return self.principal.username

    def get_id(self) -> str:
        """What the session cookie keeps: the account, its epoch and the session's key."""
        principal = self.principal
        if principal.session_key is None:
            raise RuntimeError("only a principal of an opened session goes in a cookie")
        return f"{principal.account_id}:{principal.epoch}:{principal.session_key}"


def bearer_token() -> str | None:
    """The API token of the request, if it sends one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _load_session_user(user_id: str) -> User | None:
    if bearer_token() is not None:
        return None  # judged by its token alone (a proxy's Basic header does not count)
    parts = user_id.split(":")
    # A cookie of the two-part form (before sessions were stored) names no session.
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit() and parts[2]):
        return None
    account, epoch, key = parts
    # Only reads (every request of a browser session): on SQLite it need not queue
    # behind the writers.
    with session_scope(state().engine, read_only=True) as db:
        principal = service.load_principal(
            db, account_id=int(account), epoch=int(epoch), session_key=key
        )
    return User(principal) if principal is not None else None


def authenticate(token: str) -> Principal | None:
    """The principal an API token acts as, checked against the store now.

    Read without the write lock: on SQLite every token request used to queue behind the
    writers (and they behind it) only to learn that the token's last use, recorded to
    the minute, needed no update. The check writes only when that record is due.
    """
    engine = state().engine
    now = utcnow()
    with session_scope(engine, read_only=True) as db:
        checked = service.check_token(db, token=token, now=now)
    principal = checked.principal
    if principal is not None and checked.use_due:
        assert principal.token_id is not None
        with session_scope(engine) as db:
            service.record_token_use(db, token_id=principal.token_id, now=now)
    return principal


def _load_token_user(_request: object) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    principal = authenticate(token)
    return User(principal) if principal is not None else None


def init_identity(app: Flask) -> None:
    """Install Flask-Login on ``app`` with Baton's session and token loaders."""
    manager = LoginManager()
    manager.anonymous_user = AnonymousUserMixin
    # Baton answers 401 itself (the guard); Flask-Login must not redirect anywhere.
    manager.login_view = None
    manager.session_protection = "basic"
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_token_user)
    manager.init_app(app)


def current_principal() -> Principal | None:
    """The principal of the current request or socket event, or ``None`` if anonymous."""
    user = current_user._get_current_object()
    return user.principal if isinstance(user, User) else None


def actor() -> str:
    """The name the audit log records for what this request does: its account's."""
    principal = current_principal()
    if principal is None:  # the guard lets no anonymous request reach a change
        raise RuntimeError("actor() called outside an authenticated request")
    return principal.username


def new_csrf_token() -> str:
    """Start a fresh CSRF token for this browser session (at sign-in and sign-out)."""
    token = secrets.token_urlsafe(32)
    session[CSRF_SESSION_KEY] = token
    return token


def csrf_token() -> str:
    """The session's CSRF token, made on first use; pages send it in ``X-CSRF-Token``."""
    token = session.get(CSRF_SESSION_KEY)
    return token if isinstance(token, str) else new_csrf_token()


def csrf_matches() -> bool:
    """Whether the request's ``X-CSRF-Token`` header is the session's token."""
    expected = session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    return (
        isinstance(expected, str)
        and sent is not None
        and secrets.compare_digest(expected.encode(), sent.encode())
    )
