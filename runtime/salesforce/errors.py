"""What can go wrong talking to Salesforce, sorted by what the caller should do about it.

``retryable`` tells a step's retry policy (and the poller) whether a later attempt can
help: an exhausted rate limit or an outage can; a refused field or a bad login cannot.

>>> err = SalesforceFieldError("Case", ["Foo__c"], "No such column 'Foo__c'", "INVALID_FIELD")
>>> err.retryable, err.message
(False, "Salesforce refused field Foo__c on Case: No such column 'Foo__c' (INVALID_FIELD)")
"""

from __future__ import annotations

from typing import ClassVar

from runtime.errors import BatonRuntimeError

__all__ = [
    "SalesforceAuthError",
    "SalesforceError",
    "SalesforceFieldError",
    "SalesforceNotConfigured",
    "SalesforceRateLimited",
    "SalesforceRequestError",
    "SalesforceUnavailable",
]


class SalesforceError(BatonRuntimeError):
    """Base of the Salesforce connector's errors."""

    code = "salesforce_error"
    # Annotated where a subclass names more context, so that it may.
    context: ClassVar[tuple[str, ...]] = ("retryable",)
    retryable = False


class SalesforceNotConfigured(SalesforceError):
    """No Salesforce connection is configured (or not enough of one to log in)."""

    code = "salesforce_not_configured"


class SalesforceAuthError(SalesforceError):
    """Salesforce refused the login, or a session id that cannot be refreshed expired."""

    code = "salesforce_auth_failed"


class SalesforceUnavailable(SalesforceError):
    """Salesforce did not answer usefully (5xx, timeout, no connection) after every retry."""

    code = "salesforce_unavailable"
    retryable = True


class SalesforceRateLimited(SalesforceUnavailable):
    """The org's API request limit is used up (REQUEST_LIMIT_EXCEEDED) after every retry."""

    code = "salesforce_rate_limited"


class SalesforceRequestError(SalesforceError):
    """Salesforce refused the request itself (a malformed query, a missing record)."""

    code = "salesforce_request_refused"
    context: ClassVar[tuple[str, ...]] = ("error_code",)

    def __init__(self, message: str, *, error_code: str | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code


class SalesforceFieldError(SalesforceRequestError):
    """Salesforce refused one or more fields; ``fields`` names them."""

    code = "salesforce_field_error"
    context = ("sobject", "fields")

    def __init__(
        self, sobject: str, fields: list[str], detail: str, error_code: str | None = None
    ) -> None:
        named = ", ".join(fields) if fields else "(unnamed)"
        plural = "s" if len(fields) > 1 else ""
        suffix = f" ({error_code})" if error_code else ""
        super().__init__(
            f"Salesforce refused field{plural} {named} on {sobject}: {detail}{suffix}",
            error_code=error_code,
        )
        self.sobject = sobject
        self.fields = list(fields)
