"""``baton migrate``: move a workflow's running cases to another version from a terminal.

baton migrate support-case --from 1 --to 2 --map routing=assignment --dry-run
baton migrate support-case --from 1 --to 2 --map routing=assignment --reason "new stage"

``--dry-run`` prints the impact and changes nothing. Without it the move runs here, in
batches, each run in its own transaction; a move cut off (the process killed) is finished
by running the same command again.
"""

from __future__ import annotations

import json

import click

from designer.api.version_schemas import MigrationImpact, MigrationOut
from graphs.errors import BatonError
from runtime.db import make_engine, session_scope
from runtime.services import migrations
from runtime.settings import Settings
from runtime.store import migrate

__all__ = ["register"]


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{pair!r} is not OLD=NEW", param_hint="--map")
        mapping[old.strip()] = new.strip()
    return mapping


def _print_impact(impact: MigrationImpact) -> None:
    click.echo(
        f"{impact.workflow_id} v{impact.from_version} -> v{impact.to_version}: "
        f"{impact.runs} unfinished run(s), {impact.movable} can move, "
        f"{impact.unmapped} cannot"
    )
    for node in impact.nodes:
        target = node.target_node or "(gone)"
        click.echo(f"  {node.source_node} -> {target}: {node.movable} of {node.runs} move")
        for reason in node.reasons:
            click.echo(f"    {reason.runs} cannot: {reason.code}: {reason.message}")
    flight = impact.in_flight
    click.echo(
        f"  under way: {flight.steps_carried} step(s) carried, {flight.steps_restarted} "
        f"restarted; work items {flight.work_items_carried} kept, "
        f"{flight.work_items_reissued} issued again, {flight.work_items_cancelled} withdrawn; "
        f"{flight.timers_rescheduled} timer(s) rescheduled"
    )


@click.command("migrate")
@click.argument("workflow")
@click.option("--from", "from_version", type=int, required=True, help="The runs' version now.")
@click.option("--to", "to_version", type=int, required=True, help="The version to move them to.")
@click.option(
    "--map", "pairs", multiple=True, metavar="OLD=NEW",
    help="A renamed node or step (repeat); ids not named map to themselves.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print the impact; move nothing.")
@click.option("--reason", default="", help="Why the runs move (kept on each run's log).")
@click.option("--by", default="baton:cli", show_default=True, help="Who moves them.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's shapes).")
def migrate_command(
    workflow: str,
    from_version: int,
    to_version: int,
    pairs: tuple[str, ...],
    dry_run: bool,
    reason: str,
    by: str,
    as_json: bool,
) -> None:
    """Move WORKFLOW's unfinished runs from one version to another (impact first)."""
    mapping = _mapping(pairs)
    if not dry_run and not reason.strip():
        raise click.UsageError("a move needs --reason (or use --dry-run to see its impact)")
    engine = make_engine(Settings().resolved_database_url())
    migrate(engine)
    try:
        if dry_run:
            with session_scope(engine, read_only=True) as session:
                found = migrations.migration_impact(
                    session,
                    workflow_id=workflow,
                    from_version=from_version,
                    to_version=to_version,
                    mapping=mapping,
                )
                impact = MigrationImpact.of(found)
            if as_json:
                click.echo(json.dumps(impact.model_dump(mode="json")))
            else:
                _print_impact(impact)
            return
        row = migrations.move_runs(
            engine, workflow_id=workflow, from_version=from_version, to_version=to_version,
            mapping=mapping, by=by, reason=reason,
        )  # fmt: skip
    except BatonError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    out = MigrationOut.of(row)
    if as_json:
        click.echo(json.dumps(out.model_dump(mode="json")))
        return
    click.echo(
        f"migration {out.id}: {out.status}; {out.moved} run(s) moved to v{out.to_version}, "
        f"{out.unmapped} left on v{out.from_version}"
    )
    for run in out.unmapped_runs:
        click.echo(f"  {run.run_id} at {run.node_id}: {run.code}: {run.message}")


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(migrate_command)
