"""One settings object, read from the environment (``BATON_*`` and a few standard names)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from runtime.ai.config import AiSettings
from runtime.salesforce.config import SalesforceSettings

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Baton's configuration. Nothing here is read at import time; build one and pass it."""

    model_config = SettingsConfigDict(env_prefix="BATON_", extra="ignore")

    instance_path: Path = Field(default=Path("instance"))
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "BATON_DATABASE_URL"),
        description="SQLAlchemy URL; default: SQLite file under the instance folder",
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "BATON_REDIS_URL")
    )
    secret_key: str = "dev-only-change-me"
    env: str = Field(default="development", description="development or production")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "baton@localhost"
    worker_threads: int = Field(default=4, ge=1)
    clock_interval_seconds: float = Field(default=0.5, gt=0)
    socket_recheck_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How often each web process checks that its open sockets' accounts "
        "and tokens are still valid (changes made through that process: at once)",
    )
    probe_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Where a process without a web server (`baton worker`, the relay, a "
        "Celery worker) answers /healthz, /readyz and /metrics (runtime/observability)",
    )
    load_examples: bool = True
    demo_password: str | None = Field(
        default=None,
        description="Development only: the password of the demo accounts `baton run` "
        "creates in an empty store (default: a random one, printed)",
    )
    demo_services: bool | None = Field(
        default=None,
        description="Answer `http_request` calls to `*.example.internal` hosts in-process with "
        "the built-in demo services (runtime/demo/services.py) that the shipped examples "
        "call (default: on in development, off in production)",
    )
    # Generated 10,000-node workflows are ~20 MB; graphs.io refuses documents over 32 MiB.
    max_upload_bytes: int = 32 * 1024 * 1024
    # Read from BATON_SALESFORCE_* (and its secrets file) when Settings is built.
    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    # Read from BATON_AI_* (and its secrets file): the provider of AI steps.
    ai: AiSettings = Field(default_factory=AiSettings)

    def demo_services_enabled(self) -> bool:
        """Whether ``*.example.internal`` calls go to the demo services: as set, else in
        development only (like the demo accounts and cases ``baton run`` creates)."""
        if self.demo_services is not None:
            return self.demo_services
        return self.env == "development"

    def resolved_database_url(self) -> str:
        """The database URL to connect to, defaulting to SQLite under the instance folder."""
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants psycopg 3.
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgres://")
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.instance_path / 'baton.db').resolve()}"
