"""The OpenAI-compatible client and the answer checks, against the loopback stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from runtime.ai.config import AiSettings
from runtime.ai.errors import ProviderError
from runtime.ai.governance import judge, request_schema
from runtime.ai.provider import chat_json
from tests.ai_standin import Reply, StandIn, running_standin

OUTPUTS = {
    "type": "object",
    "properties": {"category": {"enum": ["billing", "outage", "account_access"]}},
    "required": ["category"],
}
KEY = "sk-test-very-secret"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running_standin(StandIn(answer={"category": "billing", "confidence": 0.93})) as s:
        yield s


def _settings(standin: StandIn, **overrides: object) -> AiSettings:
    values: dict[str, object] = {
        "base_url": standin.base_url, "api_key": KEY, "backoff_seconds": 0.0,
        "timeout_seconds": 2.0, "max_attempts": 3, "price_per_1k_input": 0.5,
        "price_per_1k_output": 2.0, **overrides,
    }  # fmt: skip
    return AiSettings.model_validate(values)


def _ask(standin: StandIn, **overrides: object) -> str:
    answer = chat_json(
        _settings(standin, **overrides), model="gpt-test",
        messages=[{"role": "user", "content": "VAT is wrong"}],
        schema=request_schema(OUTPUTS), idempotency_key="r1:s1:1",
    )  # fmt: skip
    return answer.content


def test_a_call_asks_for_json_schema_output_with_the_key_and_counts_tokens(
    standin: StandIn,
) -> None:
    answer = chat_json(
        _settings(standin), model="gpt-test", messages=[{"role": "user", "content": "hi"}],
        schema=request_schema(OUTPUTS), idempotency_key="r1:s1:1",
    )  # fmt: skip
    assert json.loads(answer.content)["category"] == "billing"
    assert (answer.tokens_in, answer.tokens_out, answer.model) == (120, 30, "gpt-test")
    request = standin.seen[0]
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["headers"]["Idempotency-Key"] == "r1:s1:1"
    assert request["body"]["response_format"]["type"] == "json_schema"
    assert request["body"]["response_format"]["json_schema"]["schema"] == request_schema(OUTPUTS)
    assert _settings(standin).cost(answer.tokens_in, answer.tokens_out) == pytest.approx(0.12)


def test_429_is_retried_after_the_time_retry_after_names(standin: StandIn) -> None:
    standin.then(Reply(status=429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    assert json.loads(_ask(standin))["category"] == "billing"
    assert time.monotonic() - started >= 0.9  # backoff_seconds is 0: the header set the wait
    assert len(standin.seen) == 2


def test_5xx_is_retried_and_gives_up_retryable_after_max_attempts(standin: StandIn) -> None:
    standin.then(Reply(status=500), Reply(status=503))
    assert json.loads(_ask(standin))["category"] == "billing"
    standin.then(*[Reply(status=500)] * 3)
    with pytest.raises(ProviderError) as failed:
        _ask(standin)
    assert failed.value.retryable and failed.value.status == 500
    assert "answered 500" in failed.value.message and "after 3 tries" in failed.value.message


def test_401_is_not_retried_and_never_shows_the_key(standin: StandIn) -> None:
    standin.then(Reply(status=401))
    with pytest.raises(ProviderError) as failed:
        _ask(standin)
    assert not failed.value.retryable and failed.value.status == 401
    assert "refused Baton's key (401)" in failed.value.message
    assert KEY not in failed.value.message
    assert len(standin.seen) == 1


def test_a_timeout_is_retryable_and_says_so(standin: StandIn) -> None:
    standin.then(Reply(delay=3.0))
    with pytest.raises(ProviderError) as failed:
        _ask(standin, timeout_seconds=0.3)
    assert failed.value.retryable and "(timeout)" in failed.value.message


def test_an_oversized_answer_is_refused(standin: StandIn) -> None:
    standin.then(Reply(size=300_000))
    with pytest.raises(ProviderError) as failed:
        _ask(standin, max_answer_bytes=64 * 1024)
    assert failed.value.retryable and "oversized" in failed.value.message


def test_a_reply_that_is_not_json_is_a_retryable_failure(standin: StandIn) -> None:
    standin.then(Reply(raw=b"<html>gateway</html>"))
    with pytest.raises(ProviderError) as failed:
        _ask(standin)
    assert failed.value.retryable and "not JSON" in failed.value.message


def test_malformed_or_out_of_schema_answers_are_judged_retried(standin: StandIn) -> None:
    standin.then(Reply(content='{"category": '), Reply(content='{"category": "sales"}'))
    malformed = judge(_ask(standin), OUTPUTS, threshold=None)
    assert (malformed.verdict, malformed.reason[:23]) == ("retried", "the answer is not JSON ")
    outside = judge(_ask(standin), OUTPUTS, threshold=None)
    assert outside.verdict == "retried"
    assert outside.reason == (
        "the answer breaks the declared outputs: category: 'sales' is not one of "
        "['billing', 'outage', 'account_access']"
    )


def test_a_refusal_hands_over_to_a_person(standin: StandIn) -> None:
    standin.then(Reply(refusal="I cannot classify medical records"))
    answer = chat_json(_settings(standin), model="m", messages=[], schema={}, idempotency_key="k")
    verdict = judge(answer.content, OUTPUTS, threshold=0.5, refusal=answer.refusal)
    assert verdict.verdict == "handed_to_person"
    assert verdict.reason == "the model declined: I cannot classify medical records"


def test_without_a_base_url_the_call_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ProviderError, match="BATON_AI_BASE_URL") as failed:
        chat_json(AiSettings(), model="m", messages=[], schema={}, idempotency_key="k")
    assert not failed.value.retryable
