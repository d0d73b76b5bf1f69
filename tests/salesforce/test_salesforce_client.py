"""The Salesforce client: logins, retries, session refresh, rate limits and field errors,
with the real simple-salesforce talking to the stand-in org."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fake_salesforce import RATE_LIMITED, SESSION_EXPIRED, UNAVAILABLE, FakeSalesforce
from sf_support import sf_settings

from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.errors import (
    SalesforceAuthError,
    SalesforceFieldError,
    SalesforceNotConfigured,
    SalesforceRateLimited,
    SalesforceUnavailable,
)


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_a_password_login_checks_the_connection(client: SalesforceClient) -> None:
    info = client.check()
    assert info["instance"] == "acme.my.salesforce.com"
    assert info["auth_mode"] == "password"
    assert info["daily_api_requests"] == {"max": 15000, "remaining": 14250}


def test_the_oauth_username_password_flow(fake: FakeSalesforce) -> None:
    settings = sf_settings(
        fake, consumer_key=fake.login.consumer_key, consumer_secret=fake.login.consumer_secret
    )
    assert SalesforceClient(settings).check()["instance"] == "acme.my.salesforce.com"
    assert fake.count("POST", "/services/oauth2/token") == 1
    assert fake.count("POST", "/services/Soap") == 0


@pytest.mark.parametrize("as_file", [False, True], ids=["key in a secret", "key file"])
def test_the_jwt_bearer_flow(fake: FakeSalesforce, tmp_path: Path, as_file: bool) -> None:
    private, public = _key_pair()
    fake.login.public_key = public
    key: dict[str, object] = {"private_key": private}
    if as_file:
        path = tmp_path / "baton.key"
        path.write_text(private)
        key = {"private_key_file": path}
    settings = sf_settings(
        fake, password=None, security_token=None, consumer_key=fake.login.consumer_key, **key
    )
    assert settings.auth_mode == "jwt"
    assert SalesforceClient(settings).check()["auth_mode"] == "jwt"


def test_a_jwt_signed_with_another_key_is_refused(fake: FakeSalesforce) -> None:
    fake.login.public_key = _key_pair()[1]
    settings = sf_settings(
        fake,
        password=None,
        security_token=None,
        consumer_key=fake.login.consumer_key,
        private_key=_key_pair()[0],
    )
    with pytest.raises(SalesforceAuthError, match="invalid_grant"):
        SalesforceClient(settings).check()


def test_a_session_id_works_until_it_expires_then_says_what_to_do(fake: FakeSalesforce) -> None:
    fake.tokens.add("00D!handed-out-session")
    settings = sf_settings(
        fake,
        username=None,
        password=None,
        security_token=None,
        session_id="00D!handed-out-session",
    )
    client = SalesforceClient(settings, sleep=lambda s: None)
    assert client.check()["auth_mode"] == "session"
    fake.expire_sessions()
    with pytest.raises(SalesforceAuthError, match="cannot be refreshed"):
        client.query("SELECT Id FROM Case")


def test_a_wrong_password_is_a_clear_refusal(fake: FakeSalesforce) -> None:
    client = SalesforceClient(sf_settings(fake, password="wrong"), sleep=lambda s: None)
    with pytest.raises(SalesforceAuthError, match="INVALID_LOGIN") as caught:
        client.check()
    assert "wrong" not in caught.value.message
    assert not caught.value.retryable


def test_nothing_configured_names_what_to_set(fake: FakeSalesforce) -> None:
    client = SalesforceClient(sf_settings(fake, username=None, password=None))
    with pytest.raises(SalesforceNotConfigured, match="BATON_SALESFORCE_USERNAME"):
        client.check()


def test_server_errors_are_retried_with_growing_backoff(
    fake: FakeSalesforce, client: SalesforceClient, sleeps: list[float]
) -> None:
    fake.insert("Case", Subject="Printer on fire")
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=2)
    page = client.query("SELECT Id, Subject FROM Case")
    assert [r["Subject"] for r in page["records"]] == ["Printer on fire"]
    assert sleeps == [0.5, 1.0]


def test_server_errors_that_last_fail_as_retryable(
    fake: FakeSalesforce, client: SalesforceClient, sleeps: list[float]
) -> None:
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=10)
    with pytest.raises(SalesforceUnavailable, match="503") as caught:
        client.query("SELECT Id FROM Case")
    assert caught.value.retryable
    assert len(sleeps) == 3  # four tries


def test_a_rate_limit_is_waited_out_with_a_longer_backoff(
    fake: FakeSalesforce, client: SalesforceClient, sleeps: list[float]
) -> None:
    fake.fail("GET", "/query", 403, RATE_LIMITED, times=2)
    assert client.query("SELECT Id FROM Case")["records"] == []
    assert sleeps == [2.0, 4.0]


def test_a_rate_limit_that_lasts_is_a_retryable_failure(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    fake.fail("PATCH", "/sobjects/Case/", 403, RATE_LIMITED, times=10)
    case_id = fake.insert("Case", Subject="x")
    with pytest.raises(SalesforceRateLimited, match="request limit") as caught:
        client.update("Case", case_id, {"Status": "Working"})
    assert caught.value.retryable


def test_a_field_error_names_the_field_and_is_not_retried(
    fake: FakeSalesforce, client: SalesforceClient, sleeps: list[float]
) -> None:
    case_id = fake.insert("Case", Subject="x")
    with pytest.raises(SalesforceFieldError) as caught:
        client.update("Case", case_id, {"Foo__c": 1})
    error = caught.value
    assert error.fields == ["Foo__c"] and not error.retryable
    assert error.message == (
        "Salesforce refused field Foo__c on Case: No such column 'Foo__c' on entity 'Case' "
        "(INVALID_FIELD)"
    )
    assert fake.count("PATCH", "/sobjects/Case/") == 1 and sleeps == []


def test_an_unknown_column_in_a_query_is_a_field_error(client: SalesforceClient) -> None:
    with pytest.raises(SalesforceFieldError) as caught:
        client.query("SELECT Id, Foo__c FROM Case", sobject="Case")
    assert caught.value.fields == ["Foo__c"]


def test_an_expired_session_is_refreshed_and_the_call_goes_through(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    case_id = fake.insert("Case", Subject="x")
    client.get("Case", case_id)
    fake.expire_sessions()
    assert client.get("Case", case_id, ["Subject"])["Subject"] == "x"
    assert fake.logins == 2


def test_an_expired_session_during_a_bulk_job_is_refreshed(
    fake: FakeSalesforce, client: SalesforceClient
) -> None:
    for n in range(5):
        fake.insert("Case", Subject=f"case {n}")
    fake.bulk_page_size = 2
    fake.bulk_polls = 2
    client.check()
    fake.fail("GET", "/jobs/query/", 401, SESSION_EXPIRED, times=1)
    pages = list(client.bulk_query("SELECT Id, Subject FROM Case", sobject="Case"))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(r["Subject"] for p in pages for r in p) == [f"case {n}" for n in range(5)]
    assert fake.logins == 2


def test_secrets_never_reach_the_log(
    fake: FakeSalesforce, caplog: pytest.LogCaptureFixture, sleeps: list[float]
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = sf_settings(fake)
    client = SalesforceClient(settings, sleep=sleeps.append)
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=1)
    client.query("SELECT Id FROM Case")
    fake.expire_sessions()
    client.query("SELECT Id FROM Case")
    with pytest.raises(SalesforceAuthError):
        SalesforceClient(sf_settings(fake, password="not-it"), sleep=sleeps.append).check()
    assert caplog.records, "the client logs what it does"
    for secret in (fake.login.password, fake.login.security_token, "not-it", *fake.tokens):
        assert secret not in caplog.text
    assert "correct horse" not in repr(settings) and "TOKEN123" not in str(settings.public())
