"""``baton worker`` (the executor and clock alone, on one machine), ``baton relay`` (the
doorbell for Celery workers), ``baton db upgrade`` and ``baton cases repair``."""

from __future__ import annotations

import json
import logging
import signal
import threading
from types import FrameType

import click
from sqlalchemy.engine import Engine

from designer.cli.app_cmds import DEMO_SERVICES_NOTE
from runtime.db import make_engine
from runtime.settings import Settings
from runtime.store import migrate
from runtime.store.case_repair import repair_cases


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.resolved_database_url())


def _open_store(settings: Settings, *, no_migrate: bool) -> Engine:
    """The configured database, its schema upgraded first unless told not to."""
    engine = _engine(settings)
    if not no_migrate:
        migrate(engine)
    return engine


def _stop_on_signals(stopping: str) -> threading.Event:
    """An event set by SIGTERM or SIGINT, saying on stderr what stopping means."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"signal {signum}: {stopping}", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Step threads (default: settings).")
@click.option("--no-migrate", is_flag=True, help="Do not upgrade the schema first.")
def worker_command(threads: int | None, no_migrate: bool) -> None:
    """Run the executor (outbox, step threads) and the timer clock until SIGTERM/SIGINT."""
    from runtime.executor import Worker
    from runtime.observability.probes import serve_configured_probes
    from runtime.salesforce.poller import start_poller

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    if threads is not None:
        settings = settings.model_copy(update={"worker_threads": threads})
    engine = _open_store(settings, no_migrate=no_migrate)
    stop = _stop_on_signals("finishing running steps, then stopping")
    from designer.live import publisher_for

    # Without REDIS_URL a separate worker cannot reach the browsers: they catch up from
    # the log when they next subscribe.
    worker = Worker(settings, engine, publisher=publisher_for(settings))
    worker.start()
    # /healthz, /readyz (the database, and Redis if set) and /metrics on BATON_PROBE_PORT.
    serve_configured_probes(settings, engine, "worker")
    poller = start_poller(settings, engine)  # None unless Salesforce is configured
    click.echo(
        f"baton worker on {engine.url.render_as_string()} ({settings.worker_threads} threads)"
    )
    if settings.demo_services_enabled():
        click.echo(DEMO_SERVICES_NOTE)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        if poller is not None:
            poller.stop()
        worker.stop()
        engine.dispose()


@click.command("relay")
@click.option(
    "--poll",
    type=float,
    default=0.1,
    show_default=True,
    help="Seconds between rounds: a step starts on average half of it after its commit.",
)
@click.option("--no-migrate", is_flag=True, help="Do not upgrade the schema first.")
def relay_command(poll: float, no_migrate: bool) -> None:
    """Send due outbox rows and timers to Celery workers until SIGTERM/SIGINT.

    Run two for availability: one leads at a time, the other takes over when it stops.
    The workers: ``celery -A runtime.scale.celery_app worker``.
    """
    from runtime.observability.probes import serve_configured_probes
    from runtime.salesforce.poller import start_poller
    from runtime.scale.celery_app import broker_url
    from runtime.scale.relay import Relay

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    try:
        broker = broker_url(settings)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    engine = _open_store(settings, no_migrate=no_migrate)
    stop = _stop_on_signals("stopping the relay")
    from designer.live import publisher_for

    relay = Relay(
        engine,
        publisher=publisher_for(settings),
        poll_seconds=poll,
    )
    # /healthz, /readyz (the database and the broker) and /metrics on BATON_PROBE_PORT.
    serve_configured_probes(settings, engine, "relay", broker_url=broker)
    poller = start_poller(settings, engine)  # None unless Salesforce is configured
    click.echo(f"baton relay on {engine.url.render_as_string()}, broker {_hidden(broker)}")
    try:
        relay.run(stop)
    finally:
        if poller is not None:
            poller.stop()
        engine.dispose()


def _hidden(url: str) -> str:
    """``url`` without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


@click.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema (DATABASE_URL, default SQLite under the instance folder)."""
    settings = Settings()
    engine = _engine(settings)
    migrate(engine, revision)
    click.echo(f"database at {engine.url.render_as_string()} upgraded to {revision}")
    engine.dispose()


@click.group("cases")
def cases_group() -> None:
    """Case data commands."""


@cases_group.command("repair")
@click.option("--dry-run", is_flag=True, help="Only say what would be repaired.")
def cases_repair(dry_run: bool) -> None:
    """Repair cases stored before the limits on case data, so that every list reads them.

    Values nested too deeply, lone surrogates, control characters and numbers past the
    float range are stored in a readable form, as a new version of each case (by
    baton:repair). Upgrading the database does this once; run it again after restoring
    an old backup. Stop the server first: it keeps recent run snapshots in memory.
    One JSON line per case; the last line sums up.
    """
    engine = _engine(Settings())
    try:
        with engine.begin() as conn:
            repairs = repair_cases(conn, dry_run=dry_run)
    finally:
        engine.dispose()
    for repair in repairs:
        click.echo(json.dumps(repair.as_dict()))
    summary = {
        "repaired": sum(1 for r in repairs if r.repaired),
        "left_breaking_limits": sum(1 for r in repairs if r.left),
        "dry_run": dry_run,
    }
    click.echo(json.dumps(summary))


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(worker_command)
    cli.add_command(relay_command)
    cli.add_command(db_group)
    cli.add_command(cases_group)
