"""Commands about workflow documents: ``validate``, ``schema`` and ``examples``.

Every failure a user can cause (a missing file, malformed JSON, an unknown field, an
invalid graph) is printed as a located message and turned into an exit status; none
ends in a traceback.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from graphs.errors import WorkflowFormatError
from graphs.examples import example_names, example_text, load_example
from graphs.io import load_workflow
from graphs.model import StageNode, Workflow
from graphs.problems import Problem
from graphs.schema import workflow_json_schema
from graphs.validation import validate
from runtime.actions.registry import action_catalogue

__all__ = ["register"]

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow"}


@dataclass
class _Checked:
    """The outcome of checking one file: a format error, or the graph's problems."""

    file: str
    workflow: Workflow | None = None
    format_error: WorkflowFormatError | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        if self.format_error is not None:
            return max(1, len(self.format_error.issues))
        return sum(problem.severity == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return sum(problem.severity == "warning" for problem in self.problems)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "valid": self.errors == 0}
        if self.format_error is not None:
            data["error"] = self.format_error.to_dict()
        else:
            data["errors"] = self.errors
            data["warnings"] = self.warnings
            data["problems"] = [problem.model_dump(mode="json") for problem in self.problems]
        return data


def _check(name: str) -> _Checked:
    try:
        if name == "-":
            workflow = load_workflow(sys.stdin.buffer.read())
        else:
            workflow = load_workflow(Path(name))
    except WorkflowFormatError as exc:
        return _Checked(file=name, format_error=exc)
    return _Checked(
        file=name, workflow=workflow, problems=validate(workflow, actions=action_catalogue())
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _print_checked(checked: _Checked) -> None:
    name = checked.file
    if checked.format_error is not None:
        error = checked.format_error
        for issue in error.issues or []:
            click.secho(f"{name}: error [{error.code}] {issue}", fg="red")
        if not error.issues:
            click.secho(f"{name}: error [{error.code}] {error.summary}", fg="red")
        return
    for problem in checked.problems:
        click.secho(
            f"{name}: {problem.severity} [{problem.code.value}] "
            f"{problem.location()}: {problem.message}",
            fg=_SEVERITY_COLOURS[problem.severity],
        )
    if not checked.problems:
        click.secho(f"{name}: ok", fg="green")


@click.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable results.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def validate_command(files: tuple[str, ...], as_json: bool, strict: bool) -> None:
    """Check workflow files (``-`` reads standard input); exit 1 if any has an error."""
    results = [_check(name) for name in files]
    errors = sum(result.errors for result in results)
    warnings = sum(result.warnings for result in results)
    failed = errors > 0 or (strict and warnings > 0)
    if as_json:
        click.echo(json.dumps([result.to_dict() for result in results], indent=2))
    else:
        for result in results:
            _print_checked(result)
        invalid = sum(result.errors > 0 for result in results)
        click.echo(
            f"{_plural(len(results), 'file')} checked, {invalid} invalid: "
            f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
        )
    if failed:
        raise SystemExit(1)


@click.command("schema")
@click.option("--indent", default=2, show_default=True, help="Spaces of indentation.")
def schema_command(indent: int) -> None:
    """Print the JSON Schema of the workflow format."""
    click.echo(json.dumps(workflow_json_schema(), indent=indent or None))


def _status(problems: list[Problem]) -> str:
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    if not problems:
        return "valid"
    parts = [_plural(errors, "error")] if errors else []
    if warnings:
        parts.append(_plural(warnings, "warning"))
    return ", ".join(parts)


@click.command("examples")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def examples_command(name: str | None, as_json: bool) -> None:
    """List the shipped example workflows, or print the one called NAME as JSON."""
    if name is not None:
        if name not in example_names():
            raise click.BadParameter(
                f"no example called {name!r}; there are: {', '.join(example_names())}",
                param_hint="NAME",
            )
        click.echo(example_text(name), nl=False)
        return
    rows: list[dict[str, Any]] = []
    for example in example_names():
        workflow = load_example(example)
        stages = [node for node in workflow.nodes if isinstance(node, StageNode)]
        problems = validate(workflow, actions=action_catalogue())
        rows.append(
            {
                "name": example,
                "title": workflow.name,
                "nodes": len(workflow.nodes),
                "stages": len(stages),
                "steps": sum(len(stage.steps) for stage in stages),
                "edges": len(workflow.edges),
                "status": _status(problems),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    header = ("name", "title", "nodes", "stages", "steps", "edges", "status")
    table = [header, *[tuple(str(row[key]) for key in header) for row in rows]]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(validate_command)
    cli.add_command(schema_command)
    cli.add_command(examples_command)
