"""Enforce :mod:`designer.auth.policy` before every request, and set security headers.

The order of the checks decides which refusal a request gets, from the most basic:
no rule (403, fail closed), a bad token or no account (401), a browser change without
the CSRF token (403), a role or ownership that does not fit (403). Every refusal
happens before the view runs, so it changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request

from designer.auth.errors import CsrfFailed, Forbidden, InvalidToken, NoAccessRule, NotAuthenticated
from designer.auth.identity import bearer_token, csrf_matches, current_principal
from designer.auth.policy import POLICY, Rule
from designer.extensions import state
from runtime.accounts.roles import Role
from runtime.accounts.service import Principal
from runtime.db import session_scope

__all__ = ["CONTENT_SECURITY_POLICY", "check", "init_guard"]

audit = logging.getLogger("baton.audit")

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # React and xyflow set style properties through the CSSOM, which CSP allows;
        # no <style> element or style attribute is written as markup.
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _what(endpoint: str) -> str:
    """The endpoint's summary, lower-cased for a sentence ("save the draft")."""
    # Here rather than at the top: designer.api's blueprints import designer.auth.
    from designer.api.http import ROUTE_DOC_ATTRIBUTE

    view = current_app.view_functions.get(endpoint)
    doc = getattr(view, ROUTE_DOC_ATTRIBUTE, None)
    if doc is None:
        return f"call {endpoint}"
    summary: str = doc.summary
    return summary[:1].lower() + summary[1:]


def _article(role: Role) -> str:
    return f"an {role.value}" if role.value[0] in "aeiou" else f"a {role.value}"


def check(
    rule: Rule, principal: Principal, args: Mapping[str, Any], *, what: str
) -> None:
    """Refuse with :class:`Forbidden` unless ``principal`` may do ``what`` under ``rule``."""
    if principal.token_id is not None and not rule.token_allowed:
        raise Forbidden(f"An API token may not {what}; sign in as a person.")
    if rule.is_public or principal.role in rule.roles:
        return
    if principal.role is Role.AGENT and rule.agent is not None:
        with session_scope(state().engine) as db:
            if rule.agent.allows(db, principal, args):
                return
        raise Forbidden(
            f"Agents may {what} only for {rule.agent.description}; this one is not "
            f"{principal.username}'s.",
            {"role": principal.role.value, "allowed": sorted(r.value for r in rule.roles)},
        )
    allowed = sorted(role.value for role in rule.roles)
    raise Forbidden(
        f"{_article(principal.role).capitalize()} may not {what}; that needs the "
        f"{' or '.join(allowed)} role.",
        {"role": principal.role.value, "allowed": allowed},
    )


def _enforce() -> None:
    endpoint = request.endpoint
    if endpoint is None:
        return  # nothing matched: the error handler answers 404 or 405
    rule = POLICY.get(endpoint)
    if rule is None:
        raise NoAccessRule(
            f"No access rule covers {endpoint}, so nobody may call it "
            f"(add one to designer/auth/policy.py).",
            {"endpoint": endpoint},
        )
    token = bearer_token()
    principal = current_principal()
    if token is not None and principal is None:
        raise InvalidToken("The API token is unknown or revoked, or its account is disabled.")
    if principal is None and not rule.is_public:
        raise NotAuthenticated("Sign in first: this request needs an account.")
    if request.method not in _SAFE_METHODS and token is None and not csrf_matches():
        raise CsrfFailed(
            "This change came without the session's CSRF token: send the token from "
            "GET /api/session in the X-CSRF-Token header (reload the page to get one)."
        )
    if principal is None:
        return  # public
    args = {**request.args.to_dict(), **(request.view_args or {})}
    check(rule, principal, args, what=_what(endpoint))


def _audit(response: Response) -> None:
    # One line per change a person asked for (and per refusal), naming the account: the
    # run log names actors for runs; this covers designs, accounts and settings too.
    if request.method in _SAFE_METHODS and response.status_code not in (401, 403):
        return
    principal = current_principal() if request.endpoint is not None else None
    who = principal.username if principal is not None else "anonymous"
    via = " (token)" if principal is not None and principal.token_id is not None else ""
    audit.info(
        "%s%s %s %s -> %d from %s", who, via, request.method, request.path,
        response.status_code, request.remote_addr or "unknown",
    )


def _headers(response: Response) -> Response:
    _audit(response)
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if state().settings.env == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path.startswith("/api/"):
        # API answers are per account: never kept by shared caches or the back button.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_guard(app: Flask) -> None:
    """Check every request against the policy first thing; add the headers to every answer."""
    app.before_request(_enforce)
    app.after_request(_headers)
