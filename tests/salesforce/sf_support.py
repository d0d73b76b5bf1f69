"""Settings that point Baton at the stand-in org (shared by the tests of this folder)."""

from __future__ import annotations

from typing import Any

from fake_salesforce import FakeSalesforce

from runtime.salesforce.config import SalesforceSettings


def sf_settings(fake: FakeSalesforce, **overrides: Any) -> SalesforceSettings:
    """Settings for a password (SOAP) login to ``fake``, with instant backoff."""
    values: dict[str, Any] = {
        "instance_url": "https://acme.my.salesforce.com",
        "username": fake.login.username,
        "password": fake.login.password,
        "security_token": fake.login.security_token,
        "endpoint_override": fake.url,
        "backoff_seconds": 0.5,
        "bulk_poll_seconds": 0.25,
        "max_attempts": 4,
    }
    values.update(overrides)
    return SalesforceSettings(_env_file=None, **values)  # type: ignore[call-arg]
