"""The browser's session: who is signed in, signing in and out, changing one's password.

``GET /api/session`` also hands out the session's CSRF token, which pages send in the
``X-CSRF-Token`` header with every request that changes something.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, request, session
from flask_login import login_user, logout_user  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from designer.api.http import RouteDoc, documented, json_body, respond
from designer.auth.identity import User, csrf_token, current_principal, new_csrf_token
from designer.auth.sockets import recheck_connections
from designer.extensions import state
from runtime.accounts import service, sessions
from runtime.accounts.credentials import MIN_PASSWORD_LENGTH
from runtime.accounts.roles import Role
from runtime.accounts.service import Principal
from runtime.db import session_scope

__all__ = ["bp"]

bp = Blueprint("session", __name__)

_TAG = "session"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    """A sign-in."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


class PasswordBody(_Body):
    """A password change: the current password proves it is the account's owner."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class SessionUser(_Body):
    """The signed-in account, as the header and the pages need it."""

    username: str
    role: Role
    agent_id: str | None
    via: str = Field(description="session or token")


class SessionInfo(_Body):
    """Who is signed in (``user`` is null when nobody is) and the session's CSRF token."""

    user: SessionUser | None
    csrf_token: str


def _info(principal: Principal | None) -> Response:
    user = None
    if principal is not None:
        user = SessionUser(
            username=principal.username,
            role=principal.role,
            agent_id=principal.agent_id,
            via="token" if principal.token_id is not None else "session",
        )
    return respond(SessionInfo(user=user, csrf_token=csrf_token()))


def _open(principal: Principal) -> Principal:
    """Sign this browser in as ``principal`` in a new stored session; the principal of it.

    The session the browser had (a sign-in over another, a password change) ends: a copy
    of its cookie must not outlive it.
    """
    with session_scope(state().engine) as db:
        _end_current(db)
        key = sessions.open_session(db, account_id=principal.account_id)
    opened = replace(principal, session_key=key)
    # A new session for a new sign-in: nothing of the anonymous one carries over.
    session.clear()
    login_user(User(opened))
    session.permanent = True
    new_csrf_token()
    return opened


def _end_current(db: Session) -> None:
    current = current_principal()
    if current is not None and current.session_key is not None:
        sessions.end_session(db, key=current.session_key)


@bp.get("/session")
@documented(
    RouteDoc(
        "Who is signed in, and the CSRF token",
        _TAG,
        {200: SessionInfo},
        description="Answers for anonymous callers too (`user` is null).",
    )
)
def get_session() -> Response:
    return _info(current_principal())


@bp.post("/session")
@documented(
    RouteDoc(
        "Sign in",
        _TAG,
        {200: SessionInfo},
        body=LoginBody,
        errors=(400, 401, 403, 415, 429),
        description=(
            "Opens a session (cookie) for the account. A wrong name or password is 401 "
            "`invalid_credentials`; after repeated failures for the account or from the "
            "address, 429 `too_many_attempts` with `Retry-After`. Needs the CSRF token of "
            "`GET /api/session`, as every browser change does."
        ),
    )
)
def login() -> Response:
    body = json_body(LoginBody)
    # The password is checked in a transaction that only reads: the hash takes ~0.2 s
    # on purpose, and every writer would wait that long behind a sign-in. The outcome
    # is settled in a short transaction of its own, so a failure is counted even though
    # the answer is 401.
    engine = state().engine
    with session_scope(engine, read_only=True) as db:
        check = service.check_login(
            db, username=body.username, password=body.password,
            address=request.remote_addr or "unknown",
        )  # fmt: skip
    with session_scope(engine) as db:
        outcome = service.record_login(db, check, password=body.password)
    return _info(_open(service.principal_or_raise(outcome)))


@bp.delete("/session")
@documented(RouteDoc("Sign out", _TAG, {200: SessionInfo}, errors=(403,)))
def logout() -> Response:
    # Deleted in the store, not only in this cookie: a copy of the cookie, or a response
    # already under way that sets it again, must find the session gone.
    with session_scope(state().engine) as db:
        _end_current(db)
    logout_user()
    session.clear()
    new_csrf_token()
    recheck_connections()  # this session's sockets end with it
    return _info(None)


@bp.post("/session/password")
@documented(
    RouteDoc(
        "Change one's own password",
        _TAG,
        {200: SessionInfo},
        body=PasswordBody,
        errors=(400, 401, 403, 415),
        description=(
            "Needs the current password (403 `current_password_wrong` otherwise). Every "
            "other session of the account ends; this one continues."
        ),
    )
)
def change_password() -> Response:
    body = json_body(PasswordBody)
    principal = current_principal()
    assert principal is not None  # the policy lets only signed-in people here
    # Its own transaction, as for sign-in: a wrong current password is counted.
    with session_scope(state().engine) as db:
        outcome = service.change_password(
            db, account_id=principal.account_id,
            current_password=body.current_password, new_password=body.new_password,
        )
    renewed = _open(service.principal_or_raise(outcome))
    recheck_connections()  # the other sessions' sockets end with them
    return _info(renewed)
