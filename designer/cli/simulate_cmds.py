"""``baton simulate``: walk a case through a workflow with the pure engine, no side effects.

Nothing is stored, no action runs, nobody is notified: background steps complete at
once with the outputs given in ``--outputs``, interactive steps with the form data given
there, and timers fire on a simulated clock. The command prints the path the case took,
each decision with the reason, and how the run ended.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from graphs.errors import WorkflowFormatError
from graphs.io import load_workflow
from graphs.validation import validate
from runtime.actions.registry import action_catalogue
from runtime.engine import DefinitionError, compile_workflow
from runtime.engine.simulate import SimulationResult, simulate
from runtime.engine.types import log_json

__all__ = ["register"]


def _read_json(path: str, what: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {what} file {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{what} file {path} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc


def _read_object(path: str, what: str) -> dict[str, Any]:
    data = _read_json(path, what)
    if not isinstance(data, dict):
        raise click.ClickException(f"{what} file {path} must hold a JSON object")
    return data


def _read_updates(path: str) -> list[tuple[float, dict[str, Any]]]:
    data = _read_json(path, "updates")
    problem = click.ClickException(
        f"updates file {path} must hold a list of "
        '{"at_minutes": <number>, "case": {<changed fields>}} objects'
    )
    if not isinstance(data, list):
        raise problem
    updates = []
    for item in data:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("at_minutes"), int | float)
            or not isinstance(item.get("case"), dict)
        ):
            raise problem
        updates.append((float(item["at_minutes"]), item["case"]))
    return updates


def _as_json(result: SimulationResult) -> dict[str, Any]:
    state = result.state
    return {
        "status": state.status.value,
        "node_id": state.node_id,
        "resolution": state.resolution,
        "incident": state.model_dump(mode="json", include={"incident"})["incident"],
        "stopped": result.stopped,
        "path": result.path,
        "edges": result.edges,
        "decisions": result.decisions,
        "case": state.case,
        "log": [log_json(entry) for entry in result.log],
    }


@click.command("simulate")
@click.argument("workflow_file", metavar="WORKFLOW.json")
@click.option(
    "--case",
    "case_file",
    required=True,
    metavar="CASE.json",
    help="The case record the run starts with (a JSON object of fields).",
)
@click.option(
    "--outputs",
    "outputs_file",
    metavar="OUTPUTS.json",
    help='Outputs or form data per step id: {"step": {...}} or '
    '{"step": [{...}, ...]} per attempt; "$fail" fails an attempt, '
    '"$after_minutes" delays it.',
)
@click.option(
    "--updates",
    "updates_file",
    metavar="UPDATES.json",
    help='Case changes over time: [{"at_minutes": 30, "case": {"priority": "high"}}].',
)
@click.option("--json", "as_json", is_flag=True, help="Print the result (and log) as JSON.")
def simulate_command(
    workflow_file: str,
    case_file: str,
    outputs_file: str | None,
    updates_file: str | None,
    as_json: bool,
) -> None:
    """Run a case through WORKFLOW.json in memory and print the path it takes."""
    try:
        workflow = load_workflow(Path(workflow_file))
    except WorkflowFormatError as exc:
        raise click.ClickException(f"{workflow_file}: {exc}") from exc
    errors = [p for p in validate(workflow, actions=action_catalogue()) if p.severity == "error"]
    if errors:
        lines = [f"{workflow_file}: {p.location()}: {p.message}" for p in errors]
        raise click.ClickException("the workflow is not valid:\n" + "\n".join(lines))
    case = _read_object(case_file, "case")
    outputs = _read_object(outputs_file, "outputs") if outputs_file else {}
    for step_id, given in outputs.items():
        if not isinstance(given, dict) and not (
            isinstance(given, list) and all(isinstance(g, dict) for g in given)
        ):
            raise click.ClickException(
                f"outputs for step {step_id!r} must be an object or a list of objects"
            )
    updates = _read_updates(updates_file) if updates_file else []
    try:
        definition = compile_workflow(workflow)
    except DefinitionError as exc:
        raise click.ClickException(f"{workflow_file}: {exc}") from exc
    result = simulate(definition, case, outputs=outputs, updates=updates)
    if as_json:
        click.echo(json.dumps(_as_json(result), indent=2, default=str))
        return
    click.echo(f"{workflow.name} ({workflow.id}): simulated run")
    for line in result.describe():
        click.echo(line)
    click.echo("path: " + " -> ".join(result.path))


def register(cli: click.Group) -> None:
    """Add ``baton simulate`` to ``cli``."""
    cli.add_command(simulate_command)
