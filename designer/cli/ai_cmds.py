"""``baton ai``: the AI steps' classifiers, budgets and figures from a terminal.

baton ai train --workflow support-case --field category   # from its resolved cases
baton ai models [--workflow support-case]
baton ai budget --workflow support-case --calls 500 --cost 5   # per UTC day
baton ai budget --workflow support-case --lift
baton ai metrics [--workflow support-case] [--json]
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import click
from sqlmodel import Session

from runtime.ai import budget, training
from runtime.ai.errors import TooFewCases
from runtime.db import make_engine, session_scope
from runtime.services.ai_metrics import ai_step_metrics
from runtime.settings import Settings
from runtime.store import migrate

__all__ = ["register"]

T = TypeVar("T")


def _run(work: Callable[[Session], T]) -> T:
    engine = make_engine(Settings().resolved_database_url())
    migrate(engine)
    try:
        with session_scope(engine) as session:
            return work(session)
    finally:
        engine.dispose()


@click.group("ai")
def ai_group() -> None:
    """AI steps: local classifiers, daily budgets, metrics."""


@ai_group.command("train")
@click.option("--workflow", "workflow_id", required=True, help="The workflow whose cases teach.")
@click.option("--field", required=True, help="The case field to predict, such as category.")
@click.option(
    "--text-field", "text_fields", multiple=True,
    help="A case field to read (repeat); default: subject and description.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the model's figures as JSON.")
def train_command(
    workflow_id: str, field: str, text_fields: tuple[str, ...], as_json: bool
) -> None:
    """Train a new version of the local classifier from the workflow's resolved cases."""
    fields = text_fields or training.DEFAULT_TEXT_FIELDS
    try:
        info = _run(
            lambda s: training.train_workflow(
                s, workflow_id=workflow_id, field=field, text_fields=fields
            )
        )
    except TooFewCases as exc:
        raise click.ClickException(
            f"cannot train {workflow_id}.{field}: {exc} (cases whose run completed with "
            f"{field!r} set)"
        ) from None
    if as_json:
        click.echo(json.dumps(info.as_dict()))
        return
    accuracy = f"{info.accuracy:.1%}" if info.accuracy is not None else "not measured"
    click.echo(
        f"Trained {workflow_id}.{field} v{info.version} on {info.cases_used} cases "
        f"({', '.join(info.labels)}): accuracy {accuracy} on {info.held_out} held back, "
        f"{info.train_seconds:.2f} s"
    )


@ai_group.command("models")
@click.option("--workflow", "workflow_id", default=None)
def models_command(workflow_id: str | None) -> None:
    """List the stored classifier versions with their training figures."""
    models = _run(lambda s: training.list_models(s, workflow_id=workflow_id))
    for info in models:
        accuracy = f"{info.accuracy:.1%}" if info.accuracy is not None else "-"
        click.echo(f"{info.workflow_id}.{info.field} v{info.version}: {info.cases_used} cases, "
                   f"accuracy {accuracy}, {info.created_at}")  # fmt: skip
    if not models:
        click.echo("No classifier trained yet.")


@ai_group.command("budget")
@click.option("--workflow", "workflow_id", required=True)
@click.option("--calls", type=click.IntRange(min=0), default=None, help="Calls per UTC day.")
@click.option("--cost", type=click.FloatRange(min=0), default=None, help="Estimated cost a day.")
@click.option("--lift", is_flag=True, help="Remove both limits.")
def budget_command(workflow_id: str, calls: int | None, cost: float | None, lift: bool) -> None:
    """Show or set a workflow's daily AI budget."""
    settings = Settings()

    def work(session: Session) -> budget.Budget:
        if lift or calls is not None or cost is not None:
            return budget.set_budget(
                session, workflow_id=workflow_id, max_calls=None if lift else calls,
                max_cost=None if lift else cost, now=datetime.now(UTC),
            )  # fmt: skip
        return budget.get_budget(
            session, workflow_id=workflow_id, default_calls=settings.ai.daily_calls
        )

    found = _run(work)
    click.echo(json.dumps(found.as_dict()))


@ai_group.command("metrics")
@click.option("--workflow", "workflow_id", default=None)
@click.option("--json", "as_json", is_flag=True)
def metrics_command(workflow_id: str | None, as_json: bool) -> None:
    """Per AI step: calls, share handed to people, share they changed, cost."""
    figures = _run(lambda s: ai_step_metrics(s, workflow_id=workflow_id))
    if as_json:
        click.echo(json.dumps([f.model_dump() for f in figures]))
        return
    for f in figures:
        handed = f"{f.handed_share:.0%}" if f.handed_share is not None else "-"
        changed = f"{f.changed_share:.0%}" if f.changed_share is not None else "-"
        click.echo(f"{f.workflow_id}.{f.step_id}: {f.calls} calls, {handed} to people, "
                   f"{changed} of those changed, cost {f.cost:.4f}")  # fmt: skip
    if not figures:
        click.echo("No AI calls yet.")


def register(cli: click.Group) -> None:
    """Add ``baton ai`` to the root group."""
    cli.add_command(ai_group)
