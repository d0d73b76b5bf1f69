"""``baton salesforce check`` and ``baton salesforce sync``: the connection from a terminal."""

from __future__ import annotations

import json
import logging
import signal
import threading
from types import FrameType

import click

from runtime.db import make_engine
from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.errors import SalesforceError
from runtime.salesforce.sync import SalesforceSync, summarise
from runtime.settings import Settings
from runtime.store import migrate

__all__ = ["register"]


def _client(settings: Settings) -> SalesforceClient:
    config = settings.salesforce
    if not config.configured:
        raise click.ClickException(
            "Salesforce is not configured: set " + ", ".join(config.missing())
            + " (or a consumer key and private key, or a session id)."
        )  # fmt: skip
    return SalesforceClient(config)


@click.group("salesforce")
def salesforce_group() -> None:
    """The Salesforce connection (BATON_SALESFORCE_* settings)."""


@salesforce_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check_command(as_json: bool) -> None:
    """Log in to Salesforce and read the org's API limits; exit 1 if that fails."""
    settings = Settings()
    public = settings.salesforce.public()
    try:
        info = _client(settings).check()
    except SalesforceError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "error": exc.to_dict(), "connection": public}))
            raise SystemExit(1) from None
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps({"ok": True, **info, "connection": public}))
        return
    daily = info["daily_api_requests"]
    click.echo(f"Connected to {info['instance']} (API {info['api_version']}, {info['auth_mode']})")
    click.echo(f"User: {public['username'] or '(session id)'}")
    if daily["max"] is not None:
        click.echo(f"API requests left today: {daily['remaining']:,} of {daily['max']:,}")


@salesforce_group.command("sync")
@click.option("--once", is_flag=True, help="Poll every stream once and exit.")
@click.option("--no-migrate", is_flag=True, help="Do not upgrade the schema first.")
def sync_command(once: bool, no_migrate: bool) -> None:
    """Poll Salesforce for changed records and turn them into cases.

    With --once, one poll of every stream (exit 1 if any stream failed); without it,
    poll every BATON_SALESFORCE_POLL_INTERVAL_SECONDS until SIGTERM/SIGINT.
    """
    settings = Settings()
    client = _client(settings)
    engine = make_engine(settings.resolved_database_url())
    if not no_migrate:
        migrate(engine)
    sync = SalesforceSync(engine, client)
    try:
        if once:
            results = sync.poll_once()
            click.echo(summarise(results))
            if any(r.error for r in results):
                raise SystemExit(1)
            return
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        while not stop.is_set():
            click.echo(summarise(sync.poll_once()))
            stop.wait(settings.salesforce.poll_interval_seconds)
    finally:
        engine.dispose()


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(salesforce_group)
