"""Built-in demo services: stand-ins for the outside services the shipped examples call.

The example workflows (``graphs/examples``) have ``http_request`` steps that call
``https://<service>.example.internal/...``, names that never resolve. With demo services
on (``BATON_DEMO_SERVICES``, default: on in development), the ``http_request`` action
hands those calls to :func:`answer` in-process (see :mod:`runtime.demo.adapter`),
so a fresh install's demo cases flow instead of stopping as incidents.

Each endpoint answers from the request alone, deterministically: no clock, no randomness,
no state. It sees only what the workflow sends, which is often one case field as a bare
JSON string (the support case sends its description to the classifier, the claim its
claim number to the fraud scorer). The answers:

- ``nlp``: ``POST /v1/classify``, the case text: a category, product, sentiment and
  urgency from keywords; empty text is ``unclassified``.
- ``entitlements``: ``POST /v1/lookup``, the contact's e-mail: the support plan from the
  e-mail domain (:data:`PLANS`, else ``standard``); a ``.invalid`` domain has no contract.
- ``crm``: ``POST /v1/accounts/enrich``, the contact's e-mail: the account and contact.
- ``fraud``: ``POST /v2/score``, a claim number, a claimed amount, or an object with
  ``claim_number`` and ``claimed_amount``: a score that grows with the amount.
- ``policies``: ``POST /v1/coverage``, a policy number: active, except numbers that
  begin ``POL-9``, which have lapsed (the demo's refusal).
- ``payments``: ``POST /v1/payouts``, an amount: a scheduled payout (201).
- ``iam``: ``POST /v1/grants`` grants access to an e-mail address (201);
  ``DELETE /v1/grants`` revokes it.

Bad input answers 400 (not JSON) or 422 (not the expected value); an unknown host or
path 404, a known path with another method 405. Every error body is
``{"error": "<what is wrong, naming the method, host and path>"}``, so the incident the
``http_request`` action raises says why.

>>> reply = answer("POST", "https://nlp.example.internal/v1/classify", b'"Wrong VAT on invoice"')
>>> reply.status, reply.body["category"], reply.body["served_by"]
(200, 'billing', 'baton demo nlp')
>>> answer("GET", "https://nlp.example.internal/v9/nope", None).status
404
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEMO_DOMAIN",
    "PLANS",
    "DemoRequest",
    "DemoResponse",
    "answer",
    "endpoints",
    "is_demo_host",
]

DEMO_DOMAIN = "example.internal"
"""Hosts under this domain (``<service>.example.internal``) are the demo services'."""

PLANS: Mapping[str, str] = {
    "northwind.example": "enterprise",
    "contoso.example": "premium",
    "acme.example": "premium",
}
"""Support plans of the demo customers' e-mail domains; any other domain is ``standard``."""

_PLAN_TERMS: Mapping[str, tuple[str, int]] = {
    # plan: (support hours, first response target in minutes)
    "enterprise": ("24x7", 60),
    "premium": ("24x5", 240),
    "standard": ("business_hours", 480),
}
# Consumer mail: the customer is a person, not a company account.
_PERSONAL_DOMAINS = frozenset({"example.com", "gmail.com", "outlook.com", "yahoo.com"})
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """One call to a demo service: the JSON payload already parsed (``None``: no body)."""

    method: str
    host: str
    path: str
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DemoResponse:
    """A demo service's answer: a status and a JSON body."""

    status: int
    body: Any


class _Unprocessable(Exception):
    """The payload is JSON but not what the endpoint takes (answered 422)."""


Handler = Callable[[DemoRequest], DemoResponse]
_ROUTES: dict[tuple[str, str], dict[str, Handler]] = {}  # (service, path) -> method -> handler


def _route(method: str, service: str, path: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES.setdefault((service, path), {})[method] = handler
        return handler

    return register


def is_demo_host(host: str | None) -> bool:
    """Whether ``host`` is under :data:`DEMO_DOMAIN` (a look-alike such as
    ``x.example.internal.evil.test`` is not).

    >>> [is_demo_host(h) for h in ("nlp.example.internal", "example.internal.test", None)]
    [True, False, False]
    """
    if not host:
        return False
    return host.lower().rstrip(".").endswith("." + DEMO_DOMAIN)


def endpoints() -> list[str]:
    """Every endpoint the demo services answer, as ``METHOD https://host/path``."""
    return [
        f"{method} https://{service}.{DEMO_DOMAIN}{path}"
        for (service, path), methods in sorted(_ROUTES.items())
        for method in sorted(methods)
    ]


def _error(status: int, message: str) -> DemoResponse:
    return DemoResponse(status, {"error": message})


def answer(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None = None
) -> DemoResponse:
    """The demo services' answer to ``method url`` with the raw request ``body``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    method = method.upper()
    path = parts.path.rstrip("/") or "/"
    where = f"{method} {host}{path}"
    service = host.removesuffix("." + DEMO_DOMAIN)
    known = sorted({s for s, _ in _ROUTES})
    if not is_demo_host(host) or service not in known:
        return _error(404, f"no demo service at {host!r}; there are: {', '.join(known)}")
    methods = _ROUTES.get((service, path))
    if methods is None:
        paths = [e for e in endpoints() if f"//{host}/" in e]
        return _error(404, f"no demo endpoint {where}; {host} answers: {', '.join(paths)}")
    handler = methods.get(method)
    if handler is None:
        return _error(405, f"{where} is not allowed; use {' or '.join(sorted(methods))}")
    try:
        payload = json.loads(body) if body else None
    except ValueError as exc:
        return _error(400, f"{where}: the request body is not JSON ({exc})")
    request = DemoRequest(method, host, path, payload, dict(headers or {}))
    try:
        response = handler(request)
    except _Unprocessable as exc:
        return _error(422, f"{where}: {exc}")
    # Said in every answer, so a step's outputs never pass for a real service's.
    return DemoResponse(response.status, {**response.body, "served_by": f"baton demo {service}"})


# ---------------------------------------------------------------------------- helpers


def _digest(text: str) -> int:
    """A stable number from ``text`` (Python's ``hash`` changes from process to process)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _field(payload: Any, names: tuple[str, ...], kinds: tuple[type, ...]) -> Any:
    """The payload itself when it is one of ``kinds``, else the first of ``names`` in it."""
    if isinstance(payload, kinds) and not isinstance(payload, bool):
        return payload
    if isinstance(payload, dict):
        for name in names:
            value = payload.get(name)
            if isinstance(value, kinds) and not isinstance(value, bool):
                return value
    return None


def _email(payload: Any) -> tuple[str, str]:
    """The e-mail address a payload carries and its domain, or 422."""
    email = _field(payload, ("email", "contact_email", "subject"), (str,))
    match = _EMAIL.match(email.strip()) if email else None
    if match is None:
        raise _Unprocessable(
            f"expected an e-mail address (a JSON string or {{'email': ...}}), got {payload!r}"
        )
    return email.strip(), match.group(1).lower()


def _plan(domain: str) -> str | None:
    if domain.endswith(".invalid"):
        return None
    return PLANS.get(domain, "standard")


# ---------------------------------------------------------------------------- nlp


# Order matters: on a tie the earlier category wins.
_CATEGORIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("outage", frozenset({"error", "errors", "500", "502", "503", "fails", "failed", "failing",
                          "down", "outage", "crash", "crashes", "timeout", "broken", "bug"})),
    ("billing", frozenset({"invoice", "invoices", "vat", "charge", "charged", "refund", "tax",
                           "payment", "billing", "price", "overcharged", "bill"})),
    ("account_access", frozenset({"password", "login", "locked", "sign", "2fa", "reset",
                                  "access", "username"})),
    ("data", frozenset({"usage", "report", "export", "exports", "data", "dashboard"})),
)  # fmt: skip
_PRODUCTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("api", frozenset({"api", "endpoint", "webhook", "export", "exports"})),
    ("mobile_app", frozenset({"app", "mobile", "ios", "android"})),
    ("web_portal", frozenset({"portal", "website", "browser", "dashboard"})),
    ("billing", frozenset({"invoice", "invoices", "vat", "billing", "refund", "charged"})),
)
_NEGATIVE = frozenset({"wrong", "fails", "failed", "cannot", "can't", "broken", "still",
                       "again", "unacceptable", "angry", "worst", "every"})  # fmt: skip
_POSITIVE = frozenset({"thanks", "thank", "great", "love", "appreciate"})


@_route("POST", "nlp", "/v1/classify")
def _classify(request: DemoRequest) -> DemoResponse:
    text = _field(request.payload, ("text", "description", "subject"), (str,))
    if text is None and request.payload is not None:
        raise _Unprocessable(
            f"expected the text to classify (a JSON string or {{'text': ...}}), "
            f"got {request.payload!r}"
        )
    words = set(re.findall(r"[a-z0-9']+", (text or "").lower()))
    if not words:
        return DemoResponse(200, {"category": "unclassified", "confidence": 0.0,
                                  "product": None, "sentiment": "neutral",
                                  "urgency": "normal", "keywords": []})  # fmt: skip
    hits = [(len(words & terms), -k, name) for k, (name, terms) in enumerate(_CATEGORIES)]
    count, _, category = max(hits)
    matched = sorted(words & dict(_CATEGORIES).get(category, frozenset()))
    product = next((name for name, terms in _PRODUCTS if words & terms), None)
    negative, positive = len(words & _NEGATIVE), len(words & _POSITIVE)
    sentiment = "negative" if negative > positive else "positive" if positive else "neutral"
    return DemoResponse(
        200,
        {
            "category": category if count else "general",
            "confidence": round(min(0.95, 0.55 + 0.1 * count), 2) if count else 0.3,
            "product": product,
            "sentiment": sentiment,
            "urgency": "high" if category == "outage" and count else "normal",
            "keywords": matched if count else [],
        },
    )


# ---------------------------------------------------------------------------- support


@_route("POST", "entitlements", "/v1/lookup")
def _entitlement(request: DemoRequest) -> DemoResponse:
    email, domain = _email(request.payload)
    plan = _plan(domain)
    if plan is None:
        return DemoResponse(200, {"email": email, "domain": domain, "entitled": False,
                                  "plan": None, "support_hours": None,
                                  "first_response_minutes": None, "contract": None})  # fmt: skip
    hours, minutes = _PLAN_TERMS[plan]
    return DemoResponse(
        200,
        {
            "email": email,
            "domain": domain,
            "entitled": True,
            "plan": plan,
            "support_hours": hours,
            "first_response_minutes": minutes,
            "contract": f"CT-{_digest(domain) % 100000:05d}",
        },
    )


@_route("POST", "crm", "/v1/accounts/enrich")
def _enrich(request: DemoRequest) -> DemoResponse:
    email, domain = _email(request.payload)
    local = email.split("@", 1)[0]
    contact_name = " ".join(p.capitalize() for p in re.split(r"[._+-]+", local) if p)
    personal = domain in _PERSONAL_DOMAINS
    return DemoResponse(
        200,
        {
            "account": {
                "id": f"ACC-{_digest(email if personal else domain) % 1000000:06d}",
                "name": contact_name if personal else domain.split(".")[0].capitalize(),
                "kind": "person" if personal else "company",
                "tier": _plan(domain),
                "region": ("EMEA", "AMER", "APAC")[_digest(domain) % 3],
                "open_cases": _digest(email) % 4,
            },
            "contact": {"email": email, "name": contact_name},
        },
    )


# ---------------------------------------------------------------------------- claims


@_route("POST", "fraud", "/v2/score")
def _fraud_score(request: DemoRequest) -> DemoResponse:
    payload = request.payload
    claim = _field(payload, ("claim_number",), (str,))
    amount = _field(payload, ("claimed_amount", "amount"), (int, float))
    if claim is None and amount is None:
        raise _Unprocessable(
            "expected a claim number, a claimed amount, or {'claim_number': ..., "
            f"'claimed_amount': ...}}, got {payload!r}"
        )
    # A small, stable share from the claim itself; the amount carries the rest.
    score = (_digest(claim) % 15) / 100 if claim else 0.0
    signals = []
    if amount is not None:
        score += min(0.8, max(0.0, float(amount)) / 40000)
        if amount > 10000:
            signals.append("claimed amount above 10,000")
        if amount > 25000:
            signals.append("claimed amount above 25,000")
    score = round(min(score, 0.99), 2)
    band = "high" if score >= 0.7 else "medium" if score >= 0.3 else "low"
    return DemoResponse(
        200,
        {"claim_number": claim, "claimed_amount": amount, "score": score, "band": band,
         "refer_to_investigator": band == "high", "signals": signals},
    )  # fmt: skip


@_route("POST", "policies", "/v1/coverage")
def _coverage(request: DemoRequest) -> DemoResponse:
    policy = _field(request.payload, ("policy_number",), (str,))
    if not policy or not policy.strip():
        raise _Unprocessable(
            f"expected a policy number (a JSON string or {{'policy_number': ...}}), "
            f"got {request.payload!r}"
        )
    policy = policy.strip()
    lapsed = policy.upper().startswith("POL-9")
    return DemoResponse(
        200,
        {
            "policy_number": policy,
            "status": "lapsed" if lapsed else "active",
            "covered": not lapsed,
            "perils": [] if lapsed else ["auto", "property", "liability", "travel"],
            "deductible": (250, 500, 1000)[_digest(policy) % 3],
            "limit": 50000,
        },
    )


@_route("POST", "payments", "/v1/payouts")
def _payout(request: DemoRequest) -> DemoResponse:
    amount = _field(request.payload, ("amount", "approved_amount"), (int, float))
    if amount is None or amount <= 0:
        raise _Unprocessable(
            f"expected a positive amount (a JSON number or {{'amount': ...}}), "
            f"got {request.payload!r}"
        )
    # The idempotency key names the payout, as a payment provider's would: a retried
    # attempt of the same step gets the same payout back.
    key = request.headers.get("Idempotency-Key") or repr(amount)
    return DemoResponse(
        201,
        {"payout_id": f"PO-{_digest(key) % 10**10:010d}", "amount": amount, "currency": "EUR",
         "status": "scheduled"},
    )  # fmt: skip


# ---------------------------------------------------------------------------- access


@_route("POST", "iam", "/v1/grants")
def _grant(request: DemoRequest) -> DemoResponse:
    email, _ = _email(request.payload)
    return DemoResponse(
        201,
        {"grant_id": f"GR-{_digest(email) % 10**8:08d}", "subject": email, "status": "active",
         "expires_in_days": 90},
    )  # fmt: skip


@_route("DELETE", "iam", "/v1/grants")
def _revoke(request: DemoRequest) -> DemoResponse:
    email, _ = _email(request.payload)
    return DemoResponse(
        200, {"grant_id": f"GR-{_digest(email) % 10**8:08d}", "subject": email,
              "status": "revoked"},
    )  # fmt: skip
