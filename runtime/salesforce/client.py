"""simple-salesforce behind one careful door: retries, session refresh, backoff, clear errors.

Every call goes through :meth:`SalesforceClient.call`, which

- retries transient failures (5xx, timeouts, lost connections) with exponential backoff
  (tenacity), up to ``max_attempts`` tries;
- backs off longer on ``REQUEST_LIMIT_EXCEEDED`` (the org's API limit) and tries again;
- refreshes the session on ``INVALID_SESSION_ID`` (simple-salesforce does so itself for
  REST calls; Bulk API calls and a concurrent expiry land here) and tries at once;
- turns field errors (``INVALID_FIELD``, ``REQUIRED_FIELD_MISSING``, ...) into a
  :class:`~runtime.salesforce.errors.SalesforceFieldError` naming the fields, which is
  never retried: the same request will be refused again.

Secrets never appear in an error message or a log line: every message is scrubbed of
the configured secret values before it leaves this module.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from runtime.salesforce.config import SalesforceSettings
from runtime.salesforce.errors import (
    SalesforceAuthError,
    SalesforceError,
    SalesforceFieldError,
    SalesforceNotConfigured,
    SalesforceRateLimited,
    SalesforceRequestError,
    SalesforceUnavailable,
)

__all__ = ["FIELD_ERROR_CODES", "SalesforceClient", "client_for", "forget_clients"]

logger = logging.getLogger("baton.salesforce")
T = TypeVar("T")

#: Error codes that mean "this field (or its value) is wrong": never retried.
FIELD_ERROR_CODES = frozenset(
    {
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_FIELD_WHEN_USING_TEMPLATE",
        "REQUIRED_FIELD_MISSING",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "FIELD_INTEGRITY_EXCEPTION",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "STRING_TOO_LONG",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "MALFORMED_ID",
        "INVALID_CROSS_REFERENCE_KEY",
        "JSON_PARSER_ERROR",
    }
)
_NO_SUCH_COLUMN = re.compile(r"No such column '([A-Za-z0-9_.]+)'")


class _Transient(Exception):
    """A failure worth another try; ``final`` is what to raise when tries run out."""

    def __init__(self, final: SalesforceError, *, immediate: bool = False, rate: bool = False):
        super().__init__(final.message)
        self.final = final
        self.immediate = immediate
        self.rate = rate


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout (simple-salesforce sets none)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


class _EndpointOverride(HTTPAdapter):
    """Sends every request to one base URL, keeping path and query (a local emulator)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(request.url or "")
        request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


def _first_error(content: Any) -> dict[str, Any]:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0]
    if isinstance(content, dict):
        return content
    return {}


class SalesforceClient:
    """One logged-in connection to one org, shared by the threads of a process.

    ``sleep`` is what backoff waits with (tests pass a recorder); the login happens on
    the first call, and again whenever the session expires.
    """

    def __init__(
        self, settings: SalesforceSettings, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._sf: Salesforce | None = None
        self._lock = threading.Lock()
        self._secrets = settings.secret_values()

    # ------------------------------------------------------------------ plumbing

    def scrub(self, text: str) -> str:
        """``text`` with every configured secret value masked."""
        for secret in self._secrets:
            text = text.replace(secret, "**********")
        return text

    def _http(self) -> requests.Session:
        http = _TimeoutSession(self.settings.timeout_seconds)
        if self.settings.endpoint_override:
            adapter = _EndpointOverride(self.settings.endpoint_override)
            http.mount("https://", adapter)
            http.mount("http://", adapter)
        return http

    def _login(self) -> Salesforce:
        s = self.settings
        common: dict[str, Any] = {"version": s.api_version, "session": self._http()}
        mode = s.auth_mode
        if mode == "none":
            raise SalesforceNotConfigured(
                "Salesforce is not configured: set "
                + ", ".join(s.missing())
                + " (or a consumer key and private key, or a session id)."
            )
        try:
            if mode == "jwt":
                key: dict[str, Any] = (
                    {"privatekey_file": str(s.private_key_file)}
                    if s.private_key_file
                    else {"privatekey": s.private_key.get_secret_value()}  # type: ignore[union-attr]
                )
                # The JWT's audience is login (or test) unless a domain is set explicitly.
                domain = s.domain or ("test" if s.login_domain() == "test" else "login")
                return Salesforce(
                    username=s.username,
                    consumer_key=s.consumer_key,
                    domain=domain,
                    **key,
                    **common,
                )
            if mode == "password":
                password = s.password.get_secret_value()  # type: ignore[union-attr]
                token = s.security_token.get_secret_value() if s.security_token else ""
                if s.consumer_key and s.consumer_secret:
                    # The OAuth username-password flow takes the token appended to the password.
                    return Salesforce(
                        username=s.username,
                        password=password + token,
                        consumer_key=s.consumer_key,
                        consumer_secret=s.consumer_secret.get_secret_value(),
                        domain=s.login_domain(),
                        **common,
                    )
                return Salesforce(
                    username=s.username,
                    password=password,
                    security_token=token,
                    domain=s.login_domain(),
                    **common,
                )
            return Salesforce(
                instance_url=s.instance_url,
                session_id=s.session_id.get_secret_value(),  # type: ignore[union-attr]
                **common,
            )
        except SalesforceAuthenticationFailed as exc:
            code = exc.code
            if isinstance(code, int) and code >= 500:
                raise _Transient(
                    SalesforceUnavailable(f"Salesforce login answered {code}; try again later")
                ) from None
            raise SalesforceAuthError(
                self.scrub(f"Salesforce refused the login ({code}): {exc.auth_message}")
            ) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise _Transient(
                SalesforceUnavailable(self.scrub(f"cannot reach Salesforce to log in: {exc}"))
            ) from None

    def _connection(self) -> Salesforce:
        with self._lock:
            if self._sf is None:
                self._sf = self._login()
                logger.info(
                    "logged in to Salesforce instance %s (%s)",
                    self._sf.sf_instance,
                    self.settings.auth_mode,
                )
            return self._sf

    def _refresh(self, stale: Salesforce) -> None:
        with self._lock:
            if self._sf is not stale:
                return  # another thread refreshed already
            if stale._salesforce_login_partial is None:  # a bare session id
                self._sf = None
                raise SalesforceAuthError(
                    "The Salesforce session id expired and cannot be refreshed; configure a "
                    "new BATON_SALESFORCE_SESSION_ID or a login (password or JWT)."
                )
            logger.info("Salesforce session expired; logging in again")
            self._sf = self._login()

    def _classify(self, exc: Exception, what: str, sf: Salesforce, sobject: str) -> Exception:
        """The error to raise (or retry, as :class:`_Transient`) for a failed call."""
        if isinstance(exc, (_Transient, SalesforceError)):
            return exc
        if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
            kind = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
            return _Transient(SalesforceUnavailable(f"Salesforce {what} {kind}"))
        if isinstance(exc, SalesforceExpiredSession):
            self._refresh(sf)
            return _Transient(
                SalesforceAuthError(f"Salesforce {what}: the session kept expiring"),
                immediate=True,
            )
        if isinstance(exc, SimpleSalesforceError):
            detail = _first_error(exc.content)
            code = str(detail.get("errorCode") or "")
            message = self.scrub(str(detail.get("message") or exc.content))[:500]
            if code == "REQUEST_LIMIT_EXCEEDED" or exc.status == 429:
                return _Transient(
                    SalesforceRateLimited(
                        f"Salesforce {what}: the org's API request limit is exceeded ({message})"
                    ),
                    rate=True,
                )
            if isinstance(exc, SalesforceGeneralError) and exc.status >= 500:
                return _Transient(
                    SalesforceUnavailable(f"Salesforce {what} answered {exc.status}: {message}")
                )
            if isinstance(exc, SalesforceMalformedRequest):
                fields = [str(f) for f in detail.get("fields") or []]
                if not fields and (column := _NO_SUCH_COLUMN.search(message)):
                    fields = [column.group(1)]
                if code in FIELD_ERROR_CODES or fields:
                    return SalesforceFieldError(sobject, fields, message, code or None)
            if isinstance(exc, SalesforceResourceNotFound):
                return SalesforceRequestError(
                    f"Salesforce {what}: not found ({message})", error_code=code or "NOT_FOUND"
                )
            if isinstance(exc, SalesforceRefusedRequest | SalesforceMalformedRequest):
                return SalesforceRequestError(
                    f"Salesforce refused {what}: {message}", error_code=code or None
                )
            return SalesforceRequestError(
                f"Salesforce {what} answered {exc.status}: {message}", error_code=code or None
            )
        if isinstance(exc, SalesforceOperationError):
            return SalesforceRequestError(self.scrub(f"Salesforce {what} failed: {exc}"))
        return exc

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.immediate:
            return 0.0
        base = self.settings.backoff_seconds * (4 if getattr(error, "rate", False) else 1)
        return float(min(base * 2 ** (state.attempt_number - 1), self.settings.max_backoff_seconds))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "Salesforce call failed (try %d of %d), trying again: %s",
            state.attempt_number,
            self.settings.max_attempts,
            error,
        )

    def call(self, what: str, fn: Callable[[Salesforce], T], *, sobject: str = "") -> T:
        """Run ``fn`` with the logged-in simple-salesforce client, carefully (see module doc)."""
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    sf = self._connection()
                    try:
                        return fn(sf)
                    except Exception as exc:
                        raise self._classify(exc, what, sf, sobject) from None
        except _Transient as exc:
            raise exc.final from None
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ operations

    @staticmethod
    def _sobject(sf: Salesforce, name: str) -> SFType:
        # Built directly, not via sf.<name>, so no sObject name can reach another attribute.
        return SFType(
            name,
            sf.session_id,
            sf.sf_instance,
            sf.sf_version,
            sf.proxies,
            session=sf.session,
            salesforce=sf,
        )

    def check(self) -> dict[str, Any]:
        """Log in afresh and read the org's API limits: what "Test connection" shows."""
        with self._lock:
            self._sf = None
        limits = self.call("limits", lambda sf: sf.limits())
        daily = limits.get("DailyApiRequests", {}) if isinstance(limits, dict) else {}
        sf = self._connection()
        return {
            "instance": sf.sf_instance,
            "api_version": sf.sf_version,
            "auth_mode": self.settings.auth_mode,
            "daily_api_requests": {"max": daily.get("Max"), "remaining": daily.get("Remaining")},
        }

    def query(self, soql: str, *, sobject: str = "") -> dict[str, Any]:
        """The first page of a SOQL query (``records``, ``done``, ``nextRecordsUrl``)."""
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.page_records}"}
        return dict(self.call("query", lambda sf: sf.query(soql, headers=headers), sobject=sobject))

    def query_more(self, next_url: str, *, sobject: str = "") -> dict[str, Any]:
        """The page behind a ``nextRecordsUrl``."""
        return dict(
            self.call(
                "query", lambda sf: sf.query_more(next_url, identifier_is_url=True), sobject=sobject
            )
        )

    def get(self, sobject: str, record_id: str, fields: list[str] | None = None) -> dict[str, Any]:
        """The record as it is now (only ``fields`` when given)."""
        params = {"fields": ",".join(fields)} if fields else None
        return dict(
            self.call(
                f"read of {sobject} {record_id}",
                lambda sf: self._sobject(sf, sobject).get(record_id, params=params),
                sobject=sobject,
            )
        )

    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None:
        """Write ``values`` to the record."""
        self.call(
            f"update of {sobject} {record_id}",
            lambda sf: self._sobject(sf, sobject).update(record_id, values),
            sobject=sobject,
        )

    def create(self, sobject: str, values: dict[str, Any]) -> str:
        """Create a record; its Id."""
        result = self.call(
            f"create of {sobject}",
            lambda sf: self._sobject(sf, sobject).create(values),
            sobject=sobject,
        )
        return str(result["id"])

    def upsert(
        self, sobject: str, field: str, value: str, values: dict[str, Any]
    ) -> tuple[str, bool]:
        """Create the record whose External ID ``field`` holds ``value``, or update it.

        Returns its Id and whether it was created. Salesforce matches on the field, so
        sending the same ``value`` twice leaves one record.
        """
        path = f"{field}/{quote(value, safe='')}"
        response = self.call(
            f"upsert of {sobject} by {field}",
            lambda sf: self._sobject(sf, sobject).upsert(path, values, raw_response=True),
            sobject=sobject,
        )
        body = response.json() if response.content else {}
        if isinstance(body, dict) and body.get("id"):
            return str(body["id"]), response.status_code == 201
        # Before API 46.0 an update by upsert answers 204 with no body: read the Id.
        record = self.call(
            f"read of {sobject} by {field}",
            lambda sf: self._sobject(sf, sobject).get_by_custom_id(field, value),
            sobject=sobject,
        )
        return str(record["Id"]), False

    def describe(self, sobject: str) -> dict[str, Any]:
        """The sObject's describe result (its fields with types and labels)."""
        return dict(
            self.call(
                f"describe of {sobject}",
                lambda sf: self._sobject(sf, sobject).describe(),
                sobject=sobject,
            )
        )

    def bulk_query(
        self, soql: str, *, sobject: str, page_records: int = 50_000
    ) -> Iterator[list[dict[str, str]]]:
        """Run ``soql`` as a Bulk API 2.0 query job; yield its result pages as CSV rows.

        Each step (create the job, poll its state, fetch each page by its locator) is a
        call of its own, so a failure costs one retry of one step, not the whole job.
        """

        def bulk_client(sf: Salesforce) -> Any:
            # simple-salesforce's per-call client for one sObject; built anew each call so
            # a refreshed session id is used.
            return getattr(sf.bulk2, sobject)._client

        job = self.call(
            "bulk query", lambda sf: bulk_client(sf).create_job("query", soql), sobject=sobject
        )
        job_id = str(job["id"])
        logger.info("Salesforce bulk query job %s started", job_id)
        while True:
            info = self.call("bulk job status", lambda sf: bulk_client(sf).get_job(job_id, True))
            state = info.get("state")
            if state == "JobComplete":
                break
            if state in ("Failed", "Aborted"):
                raise SalesforceRequestError(
                    f"Salesforce bulk query job {job_id} {state.lower()}: "
                    f"{info.get('errorMessage') or 'no reason given'}"
                )
            self._sleep(self.settings.bulk_poll_seconds)
        locator = ""
        while True:
            at = locator
            page: dict[str, Any] = self.call(
                "bulk query results",
                lambda sf: bulk_client(sf).get_query_results(job_id, at, page_records),  # noqa: B023 - called at once
            )
            yield list(csv.DictReader(io.StringIO(page["records"])))
            locator = page["locator"]
            if not locator:
                return


_clients: dict[str, SalesforceClient] = {}
_clients_lock = threading.Lock()


def client_for(settings: SalesforceSettings) -> SalesforceClient:
    """The process's client for these settings (one login shared by every thread)."""
    key = settings.model_dump_json(exclude={"poll_interval_seconds"})
    # The key holds secrets only as masks; hash the real values in so a changed secret
    # gets a new client.
    key += "|" + str(hash(tuple(settings.secret_values())))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = SalesforceClient(settings)
        return client


def forget_clients() -> None:
    """Drop every cached client (tests; a configuration change)."""
    with _clients_lock:
        _clients.clear()
