"""Refusals of the HTTP layer: who you are (401) and what you may do (403)."""

from __future__ import annotations

from designer.errors import ApiError

__all__ = ["CsrfFailed", "Forbidden", "InvalidToken", "NoAccessRule", "NotAuthenticated"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="baton"'}


class NotAuthenticated(ApiError):
    """The request carries no valid session or token."""

    status = 401
    code = "not_authenticated"
    headers = _CHALLENGE


class InvalidToken(NotAuthenticated):
    """The request's API token is unknown, revoked, or its account disabled."""

    code = "invalid_token"


class Forbidden(ApiError):
    """The signed-in account's role (or ownership) does not allow this request."""

    status = 403
    code = "forbidden"


class NoAccessRule(Forbidden):
    """The endpoint has no rule in the policy table, so nobody may call it (fail closed)."""

    code = "no_access_rule"


class CsrfFailed(Forbidden):
    """A browser request that changes data came without the session's CSRF token."""

    code = "csrf_failed"
