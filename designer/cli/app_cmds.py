"""``baton run`` (Baton under gunicorn) and ``baton load-examples`` (the shipped workflows)."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask

from designer.auth.demo import describe, seed_demo_accounts
from designer.extensions import state
from graphs.examples import example_names, load_example
from runtime.db import session_scope
from runtime.services.workflows import install_examples
from runtime.settings import Settings

__all__ = ["DEMO_SERVICES_NOTE", "register"]

DEMO_SERVICES_NOTE = (
    "Demo services: calls to *.example.internal are answered in-process "
    "(BATON_DEMO_SERVICES=false turns them off)"
)


def _load_examples(app: Flask, *, only_if_empty: bool) -> list[str]:
    workflows = [load_example(name) for name in example_names()]
    with session_scope(state(app).engine) as session:
        return install_examples(session=session, workflows=workflows, only_if_empty=only_if_empty)


def _seed_routing(app: Flask) -> list[str]:
    # Agents, queues and skills the examples name, so routing works out of the box.
    from runtime.demo.routing import seed_demo_routing
    from runtime.store.tables import utcnow

    workflows = [load_example(name) for name in example_names()]
    with session_scope(state(app).engine) as session:
        return seed_demo_routing(session, workflows, utcnow())


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run the executor and timer clock in this process (one machine); "
    "--no-worker when `baton worker` processes do it.",
)
def run_command(host: str, port: int, worker: bool) -> None:
    """Start Baton: migrate the database, load the examples into an empty one, serve."""
    # Imported here so that `baton --help` and other commands stay quick.
    from designer.app import create_app
    from designer.serving import BatonServer, freeze_startup_heap

    settings = Settings()
    try:
        app = create_app(settings)
    except RuntimeError as exc:  # a refused configuration, said without a traceback
        raise click.ClickException(str(exc)) from exc
    if settings.load_examples:
        loaded = _load_examples(app, only_if_empty=True)
        if loaded:
            click.echo(f"Loaded the shipped examples: {', '.join(loaded)}")
        agents = _seed_routing(app)
        if agents:
            click.echo(f"Demo routing: agents {', '.join(agents)}, with queues and skills")
        if loaded and settings.env == "development":
            # A fresh store gets a few cases, so the cases list and monitor show work.
            from runtime.demo.cases import seed_demo_cases

            with session_scope(state(app).engine) as session:
                count = seed_demo_cases(session)
            click.echo(f"Demo cases: {count}, started on their workflows")
    engine = state(app).engine
    click.echo(f"Database: {engine.url.render_as_string(hide_password=True)}")
    if settings.demo_services_enabled():
        click.echo(DEMO_SERVICES_NOTE)
    if worker:
        click.echo(f"Executor: in this process, {settings.worker_threads} step threads")
    made = seed_demo_accounts(state(app).engine, settings)
    for line in describe(made):
        click.echo(line)
    if not made and settings.env == "development":
        # Passwords were printed on the first start only; say how to get back in.
        click.echo(
            "Accounts: `baton users list`; a forgotten password: `baton users set-password NAME`"
        )
    click.echo(f"Baton is running at {_url(host, port)} (Ctrl+C to stop)")
    freeze_startup_heap()
    BatonServer(
        app, host=host, port=port, in_worker=lambda: _start_executor(app, settings, worker)
    ).run()


def _start_executor(app: Flask, settings: Settings, worker: bool) -> Callable[[], None]:
    """In the serving process: the executor and timer clock (``worker``), the Salesforce
    poller if configured; what stops them."""
    from designer.live import app_publisher
    from runtime.executor import Worker
    from runtime.salesforce.poller import start_poller

    if not worker:
        return lambda: None
    # Run updates go out through this app's Socket.IO server (and Redis, when set).
    executor = Worker(settings, state(app).engine, publisher=app_publisher(app))
    executor.start()
    poller = start_poller(settings, state(app).engine)  # None unless Salesforce is configured
    if poller is not None:
        click.echo(f"Salesforce: polling every {poller.interval:g}s")

    def stop() -> None:
        if poller is not None:
            poller.stop()
        executor.stop()

    return stop


@click.command("load-examples")
def load_examples_command() -> None:
    """Add every shipped example that is not stored yet (published as v1 and active)."""
    from designer.app import create_app

    app = create_app(Settings())
    loaded = _load_examples(app, only_if_empty=False)
    if loaded:
        click.echo(f"Loaded: {', '.join(loaded)}")
    else:
        click.echo("Every shipped example is already stored; nothing to do.")


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(run_command)
    cli.add_command(load_examples_command)
