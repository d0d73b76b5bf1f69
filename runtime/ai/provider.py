"""A client of OpenAI-compatible chat completions (hosted services, vLLM, Ollama, ...).

One function, :func:`chat_json`: it POSTs ``<base_url>/chat/completions`` asking for a JSON
answer that follows a schema (``response_format: {"type": "json_schema"}``), retries 429
(honouring ``Retry-After``), 5xx and lost connections with exponential backoff, and
returns the answer's text with its token counts and latency. Baton checks the text itself
(:mod:`runtime.ai.governance`) whatever the endpoint promised.

Failures are :class:`~runtime.ai.errors.ProviderError`: 401/403 and other 4xx are not
retryable (a wrong key or model will not improve), a timeout, 429 and 5xx left after the
client's own tries are; the key never appears in a message.
"""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from runtime.ai.config import AiSettings
from runtime.ai.errors import ProviderError
from runtime.http_body import read_capped

__all__ = ["ProviderAnswer", "chat_json"]

_SNIPPET = 300


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """The text the model answered, or its refusal, with what the call cost."""

    content: str
    refusal: str | None
    tokens_in: int
    tokens_out: int
    latency_ms: int
    model: str


class _Transient(ProviderError):
    def __init__(self, message: str, *, status: int | None, retry_after: float | None) -> None:
        super().__init__(message, retryable=True, status=status)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or None.

    >>> _retry_after("3"), _retry_after(None), _retry_after("soon")
    (3.0, None, None)
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _scrub(text: str, settings: AiSettings) -> str:
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    return text.replace(key, "**********") if key else text


def _post_once(
    session: requests.Session, url: str, body: dict[str, Any], headers: dict[str, str],
    settings: AiSettings,
) -> dict[str, Any]:  # fmt: skip
    try:
        with session.post(
            url, json=body, headers=headers, timeout=settings.timeout_seconds, stream=True
        ) as response:
            raw, oversized = read_capped(response, settings.max_answer_bytes)
            status = response.status_code
            if oversized:
                raise ProviderError(
                    f"the provider's answer is larger than {settings.max_answer_bytes} bytes "
                    "(oversized)",
                    retryable=True,
                    status=status,
                )
            retry_after = _retry_after(response.headers.get("Retry-After"))
    except requests.Timeout as exc:
        raise ProviderError(
            f"the provider did not answer within {settings.timeout_seconds:g} s (timeout)",
            retryable=True,
        ) from exc
    except requests.RequestException as exc:
        raise _Transient(
            f"the provider could not be reached: {_scrub(str(exc), settings)}",
            status=None, retry_after=None,
        ) from exc  # fmt: skip
    snippet = _scrub(raw[:_SNIPPET].decode("utf-8", errors="replace"), settings)
    if status == 429 or status >= 500:
        raise _Transient(
            f"the provider answered {status}" + (f": {snippet}" if snippet else ""),
            status=status, retry_after=retry_after,
        )  # fmt: skip
    if status in (401, 403):
        raise ProviderError(
            f"the provider refused Baton's key ({status}); check BATON_AI_API_KEY",
            retryable=False, status=status,
        )  # fmt: skip
    if not 200 <= status < 300:
        raise ProviderError(
            f"the provider answered {status}" + (f": {snippet}" if snippet else ""),
            retryable=False, status=status,
        )  # fmt: skip
    try:
        envelope = json.loads(raw)
    except ValueError:
        raise ProviderError(
            f"the provider's reply is not JSON: {snippet!r}", retryable=True, status=status
        ) from None
    if not isinstance(envelope, dict):
        raise ProviderError("the provider's reply is not a JSON object", retryable=True)
    return envelope


def _wait(settings: AiSettings) -> Any:
    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        backoff = settings.backoff_seconds * 2 ** (state.attempt_number - 1)
        if isinstance(error, _Transient) and error.retry_after is not None:
            backoff = error.retry_after
        return float(min(backoff, settings.max_backoff_seconds))

    return wait


def _message(envelope: dict[str, Any]) -> tuple[str, str | None]:
    try:
        message = envelope["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError(
            "the provider's reply has no choices[0].message", retryable=True
        ) from None
    if not isinstance(message, dict):
        raise ProviderError("the provider's choices[0].message is not an object", retryable=True)
    refusal = message.get("refusal")
    content = message.get("content")
    if refusal:
        return (content if isinstance(content, str) else ""), str(refusal)
    if not isinstance(content, str):
        raise ProviderError("the provider's answer has no text content", retryable=True)
    return content, None


def _count(usage: Any, name: str) -> int:
    value = usage.get(name) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and value >= 0 else 0


def chat_json(
    settings: AiSettings,
    *,
    model: str,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    idempotency_key: str,
    session: requests.Session | None = None,
) -> ProviderAnswer:
    """Ask the configured endpoint for a JSON answer following ``schema``."""
    if not settings.base_url:
        raise ProviderError(
            "no AI provider is configured: set BATON_AI_BASE_URL (and BATON_AI_API_KEY)",
            retryable=False,
        )
    url = settings.base_url.rstrip("/") + "/chat/completions"
    body = {
        "model": model,
        "messages": messages,
        "temperature": 0,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "baton_answer", "schema": schema, "strict": False},
        },
    }
    headers = {"Idempotency-Key": idempotency_key}
    if settings.api_key is not None:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    retrying = Retrying(
        retry=retry_if_exception(lambda exc: isinstance(exc, _Transient)),
        stop=stop_after_attempt(settings.max_attempts),
        wait=_wait(settings),
        reraise=True,
    )
    started = time.perf_counter()
    own = session is None
    http = session if session is not None else requests.Session()
    try:
        envelope = retrying(_post_once, http, url, body, headers, settings)
    except _Transient as exc:
        tries = settings.max_attempts
        raise ProviderError(
            f"{exc.message} (after {tries} {'try' if tries == 1 else 'tries'})",
            retryable=True, status=exc.status,
        ) from None  # fmt: skip
    finally:
        if own:
            http.close()
    latency_ms = int((time.perf_counter() - started) * 1000)
    content, refusal = _message(envelope)
    usage = envelope.get("usage")
    answered_by = envelope.get("model")
    return ProviderAnswer(
        content=content,
        refusal=refusal,
        tokens_in=_count(usage, "prompt_tokens"),
        tokens_out=_count(usage, "completion_tokens"),
        latency_ms=latency_ms,
        model=answered_by if isinstance(answered_by, str) and answered_by else model,
    )
