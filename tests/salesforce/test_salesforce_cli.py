"""``baton salesforce check`` / ``sync --once``, settings from the environment and a secrets
file, and the poller that ``baton run``/``baton worker`` start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_salesforce import UNAVAILABLE, FakeSalesforce
from sf_flows import cases, install, runs, sf_flow
from sf_support import sf_settings
from sqlalchemy.engine import Engine

from designer.cli import cli
from runtime.db import make_engine
from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.poller import start_poller
from runtime.salesforce.sync import SalesforceSync
from runtime.settings import Settings
from runtime.store import migrate


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake: FakeSalesforce, tmp_path: Path) -> Path:
    """Salesforce settings in the environment (the secrets in a file); a fresh database."""
    secrets = tmp_path / "salesforce.env"
    secrets.write_text(
        "# Salesforce secrets for Baton\n"
        f"BATON_SALESFORCE_PASSWORD='{fake.login.password}'\n"
        f"export BATON_SALESFORCE_SECURITY_TOKEN={fake.login.security_token}\n"
    )
    for name, value in {
        "BATON_SALESFORCE_INSTANCE_URL": "https://acme.my.salesforce.com",
        "BATON_SALESFORCE_USERNAME": fake.login.username,
        "BATON_SALESFORCE_SECRETS_FILE": str(secrets),
        "BATON_SALESFORCE_ENDPOINT_OVERRIDE": fake.url,
        "BATON_SALESFORCE_BACKOFF_SECONDS": "0.001",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_settings_read_the_secrets_file_and_never_show_it(env: Path, fake: FakeSalesforce) -> None:
    settings = Settings().salesforce
    assert settings.auth_mode == "password"
    assert settings.password is not None
    assert settings.password.get_secret_value() == fake.login.password
    shown = json.dumps(settings.public())
    assert fake.login.password not in shown and fake.login.security_token not in shown


def test_check_reports_the_org(env: Path) -> None:
    result = CliRunner().invoke(cli, ["salesforce", "check"])
    assert result.exit_code == 0, result.output
    assert "Connected to acme.my.salesforce.com" in result.output
    assert "API requests left today: 14,250 of 15,000" in result.output


def test_check_fails_clearly_with_a_wrong_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BATON_SALESFORCE_SECURITY_TOKEN", "stale-token")
    result = CliRunner().invoke(cli, ["salesforce", "check", "--json"])
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["ok"] is False and body["error"]["code"] == "salesforce_auth_failed"
    assert "stale-token" not in result.output


def test_check_without_configuration_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATON_SALESFORCE_USERNAME", raising=False)
    result = CliRunner().invoke(cli, ["salesforce", "check"])
    assert result.exit_code == 1
    assert "BATON_SALESFORCE_USERNAME" in result.output


def test_sync_once_runs_one_poll(env: Path, fake: FakeSalesforce) -> None:
    engine = make_engine(f"sqlite:///{env / 'baton.db'}")
    migrate(engine)
    install(engine, sf_flow())
    record_id = fake.insert("Case", Subject="Printer on fire", Status="New")
    result = CliRunner().invoke(cli, ["salesforce", "sync", "--once"])
    assert result.exit_code == 0, result.output
    assert "sf_cases (Case, changes): 1 created, 0 updated" in result.output
    assert list(cases(engine)) == [record_id]
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=20)
    result = CliRunner().invoke(cli, ["salesforce", "sync", "--once"])
    assert result.exit_code == 1 and "503" in result.output
    engine.dispose()


def test_the_poller_polls_until_stopped(
    sqlite_db: Engine, fake: FakeSalesforce, client: SalesforceClient
) -> None:
    install(sqlite_db, sf_flow())
    fake.insert("Case", Subject="one", Status="New")
    settings = Settings(_env_file=None, salesforce=sf_settings(fake, poll_interval_seconds=60))  # type: ignore[call-arg]
    poller = start_poller(settings, sqlite_db)
    assert poller is not None
    try:
        assert poller.wait_rounds(1, timeout=30)
        fake.insert("Case", Subject="two", Status="New")
        poller.wake()
        assert poller.wait_rounds(2, timeout=30)
    finally:
        poller.stop()
    assert len(cases(sqlite_db)) == 2 and len(runs(sqlite_db)) == 2


def test_no_poller_without_a_connection(sqlite_db: Engine) -> None:
    assert start_poller(Settings(_env_file=None), sqlite_db) is None  # type: ignore[call-arg]


def test_sync_reuses_one_login_across_polls(
    sqlite_db: Engine, fake: FakeSalesforce, client: SalesforceClient
) -> None:
    install(sqlite_db, sf_flow())
    sync = SalesforceSync(sqlite_db, client)
    for _ in range(3):
        sync.poll_once()
    assert fake.logins == 1
