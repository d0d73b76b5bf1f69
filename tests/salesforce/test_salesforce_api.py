"""The designer's Salesforce endpoints: connection state without secrets, the test button,
describe for field mapping, and a sync on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_salesforce import UNAVAILABLE, FakeSalesforce
from flask import Flask
from sf_flows import install, sf_flow
from sf_support import sf_settings

from designer.app import create_app
from designer.auth.testing import SignedInClient
from designer.extensions import state
from runtime.salesforce.config import SalesforceSettings
from runtime.settings import Settings


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    def build(salesforce: SalesforceSettings) -> Flask:
        instance = tmp_path / "instance"
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            instance_path=instance,
            database_url=f"sqlite:///{instance / 'baton.db'}",
            redis_url=None,
            load_examples=False,
            salesforce=salesforce,
        )
        app = create_app(settings, TESTING=True, BATON_SPA_DIR=str(tmp_path / "no-build"))
        app.test_client_class = SignedInClient
        return app

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask], fake: FakeSalesforce) -> Flask:
    return make_app(sf_settings(fake, backoff_seconds=0.001))


def test_the_connection_state_names_no_secret(app: Flask, fake: FakeSalesforce) -> None:
    install(state(app).engine, sf_flow())
    response = app.test_client().get("/api/salesforce/connection")
    assert response.status_code == 200
    body = response.get_json()
    assert body["configured"] and body["auth_mode"] == "password"
    assert body["username"] == "baton@acme.com" and body["login_domain"] == "acme.my"
    assert body["secrets"]["password"] and body["secrets"]["security_token"]
    assert not body["secrets"]["private_key"]
    assert [(s["workflow_id"], s["sobject"], s["active"]) for s in body["streams"]] == [
        ("sf_cases", "Case", True)
    ]
    text = response.get_data(as_text=True)
    assert fake.login.password not in text and fake.login.security_token not in text


def test_an_unconfigured_connection_says_what_to_set(
    make_app: Callable[..., Flask], fake: FakeSalesforce
) -> None:
    app = make_app(SalesforceSettings(_env_file=None))  # type: ignore[call-arg]
    client = app.test_client()
    body = client.get("/api/salesforce/connection").get_json()
    assert body["configured"] is False and "BATON_SALESFORCE_USERNAME" in body["missing"]
    result = client.post("/api/salesforce/connection/test").get_json()
    assert result["ok"] is False and result["error_code"] == "salesforce_not_configured"
    response = client.get("/api/salesforce/sobjects/Case/fields")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "salesforce_not_configured"


def test_testing_the_connection_logs_in_and_reports_the_limits(app: Flask) -> None:
    result = app.test_client().post("/api/salesforce/connection/test").get_json()
    assert result["ok"] is True
    assert result["instance"] == "acme.my.salesforce.com"
    assert (result["daily_api_requests_max"], result["daily_api_requests_remaining"]) == (
        15000,
        14250,
    )


def test_a_failed_test_says_why_without_the_password(
    make_app: Callable[..., Flask], fake: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(sf_settings(fake, password="hunter2-wrong"))
    response = app.test_client().post("/api/salesforce/connection/test")
    result = response.get_json()
    assert result["ok"] is False and result["error_code"] == "salesforce_auth_failed"
    assert "INVALID_LOGIN" in result["error"]
    assert "hunter2-wrong" not in response.get_data(as_text=True)
    assert "hunter2-wrong" not in caplog.text


def test_only_admins_test_the_connection(app: Flask) -> None:
    viewer = app.test_client(user="vi", role="viewer")
    assert viewer.get("/api/salesforce/connection").status_code == 200
    assert viewer.post("/api/salesforce/connection/test").status_code == 403
    assert app.test_client(user=None).get("/api/salesforce/connection").status_code == 401


def test_describe_offers_the_sobject_fields(app: Flask) -> None:
    body = app.test_client().get("/api/salesforce/sobjects/Case/fields").get_json()
    assert body["sobject"] == "Case"
    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["Contacts__c"] == {
        "name": "Contacts__c", "label": "Contacts", "type": "double", "updateable": True,
        "picklist_values": [],
    }  # fmt: skip
    assert not by_name["SystemModstamp"]["updateable"]


def test_describe_refuses_a_name_that_is_not_an_api_name(app: Flask) -> None:
    response = app.test_client().get("/api/salesforce/sobjects/Case;DROP/fields")
    assert response.status_code == 400
    assert "API name" in response.get_json()["error"]["message"]


def test_describe_when_salesforce_is_down_is_a_503(app: Flask, fake: FakeSalesforce) -> None:
    fake.fail("GET", "/describe", 503, UNAVAILABLE, times=10)
    response = app.test_client().get("/api/salesforce/sobjects/Case/fields")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "salesforce_unavailable" and error["details"]["retryable"] is True


def test_sync_now_polls_and_the_state_shows_it(app: Flask, fake: FakeSalesforce) -> None:
    install(state(app).engine, sf_flow())
    fake.insert("Case", Subject="Printer on fire", Status="New", Priority="High")
    client = app.test_client()
    result = client.post("/api/salesforce/sync").get_json()
    assert [(s["workflow_id"], s["created"], s["error"]) for s in result["streams"]] == [
        ("sf_cases", 1, None)
    ]
    (stream,) = client.get("/api/salesforce/connection").get_json()["streams"]
    assert stream["records_synced"] == 1 and stream["last_success_at"] is not None
    assert stream["watermark"] is not None
