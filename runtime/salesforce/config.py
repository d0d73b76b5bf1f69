"""The Salesforce connection's settings: where the org is and how Baton logs in.

Read from the environment (``BATON_SALESFORCE_*``) and, for the secrets, optionally
from a secrets file named by ``BATON_SALESFORCE_SECRETS_FILE`` (``KEY=value`` lines,
the same names; the environment wins). Secrets are :class:`~pydantic.SecretStr`: they
print as ``**********``, are never written to the database, never sent to the
browser and never logged. Only :meth:`SalesforceSettings.public` leaves this module
for display, and it says which secrets are set, not what they are.

Three ways to log in, chosen by what is set:

- ``password``: username, password and security token (SOAP login), or with a connected
  app's consumer key and secret the OAuth username-password flow;
- ``jwt``: username, consumer key and a private key (``private_key_file`` or
  ``private_key``): the OAuth JWT bearer flow, the usual one for integrations;
- ``session``: a session id (access token) and the instance URL; it cannot be
  refreshed, so it suits short jobs and tests.

>>> s = SalesforceSettings(instance_url="https://acme.my.salesforce.com",
...                        username="baton@acme.com", password="pw", security_token="tok")
>>> s.auth_mode, s.login_domain(), s.configured
('password', 'acme.my', True)
>>> "pw" in repr(s)
False
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.secrets_file import read_key_values

__all__ = ["AuthMode", "SalesforceSettings"]

AuthMode = Literal["password", "jwt", "session", "none"]

_SECRET_FIELDS = ("password", "security_token", "consumer_secret", "private_key", "session_id")
_VERSION = re.compile(r"^\d{2,3}\.0$")


class SalesforceSettings(BaseSettings):
    """Where the Salesforce org is, how to log in, and how patiently to talk to it."""

    model_config = SettingsConfigDict(env_prefix="BATON_SALESFORCE_", extra="ignore")

    instance_url: str | None = Field(
        default=None, description="The org's URL, such as https://acme.my.salesforce.com"
    )
    domain: str | None = Field(
        default=None,
        description="Login domain: login, test, or a My Domain such as acme.my "
        "(default: from the instance URL)",
    )
    api_version: str = "62.0"
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    private_key_file: Path | None = None
    private_key: SecretStr | None = None
    session_id: SecretStr | None = None
    secrets_file: Path | None = Field(
        default=None, description="A KEY=value file with the secrets (environment wins)"
    )
    endpoint_override: str | None = Field(
        default=None,
        description="Send every Salesforce request, logins included, to this base URL "
        "instead (a local emulator in tests; never set in production)",
    )
    poll_interval_seconds: float = Field(default=30.0, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, le=20, description="Tries per call")
    backoff_seconds: float = Field(default=1.0, ge=0, description="First retry delay")
    max_backoff_seconds: float = Field(default=60.0, ge=0)
    bulk_poll_seconds: float = Field(default=2.0, gt=0, description="Bulk job status interval")
    page_records: int = Field(default=2000, ge=200, le=2000, description="REST query batch")

    @model_validator(mode="before")
    @classmethod
    def _read_secrets_file(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        path = data.get("secrets_file")
        if not path:
            return data
        merged = dict(data)
        for key, value in read_key_values(Path(path), what="Salesforce").items():
            name = key.lower().removeprefix("baton_salesforce_")
            if name in _SECRET_FIELDS or name in ("username", "consumer_key"):
                merged.setdefault(name, value)
        return merged

    # ------------------------------------------------------------------ derived

    @property
    def auth_mode(self) -> AuthMode:
        """Which login the settings make possible (``none`` when not enough is set)."""
        if self.username and self.consumer_key and (self.private_key_file or self.private_key):
            return "jwt"
        if self.username and self.password and (self.security_token or self.consumer_secret):
            return "password"
        if self.session_id and self.instance_url:
            return "session"
        return "none"

    @property
    def configured(self) -> bool:
        """Whether a connection can be attempted at all."""
        return self.auth_mode != "none"

    def login_domain(self) -> str:
        """The login domain: as set, else the My Domain of the instance URL, else ``login``."""
        if self.domain:
            return self.domain
        host = urlsplit(self.instance_url or "").hostname or ""
        if host.endswith(".salesforce.com") and ".my." in f".{host}":
            return host.removesuffix(".salesforce.com")
        if host.startswith("test.") or ".sandbox." in host:
            return "test"
        return "login"

    def missing(self) -> list[str]:
        """For a password login, the environment variables still to set (empty when configured)."""
        if self.configured:
            return []
        needed = {
            "BATON_SALESFORCE_USERNAME": self.username,
            "BATON_SALESFORCE_PASSWORD": self.password,
            "BATON_SALESFORCE_SECURITY_TOKEN": self.security_token or self.consumer_secret,
        }
        return [name for name, value in needed.items() if not value]

    def public(self) -> dict[str, Any]:
        """What may be shown to an admin: everything but secret values (only whether set)."""
        return {
            "configured": self.configured,
            "auth_mode": self.auth_mode,
            "instance_url": self.instance_url,
            "login_domain": self.login_domain(),
            "api_version": self.api_version,
            "username": self.username,
            "consumer_key_set": bool(self.consumer_key),
            "secrets": {name: getattr(self, name) is not None for name in _SECRET_FIELDS}
            | {"private_key_file": self.private_key_file is not None},
            "secrets_file": str(self.secrets_file) if self.secrets_file else None,
            "missing": self.missing(),
            "poll_interval_seconds": self.poll_interval_seconds,
        }

    def secret_values(self) -> list[str]:
        """Every secret value that is set (for scrubbing text that might echo one)."""
        values = [
            secret.get_secret_value()
            for name in _SECRET_FIELDS
            if (secret := getattr(self, name)) is not None
        ]
        return [value for value in values if value]
