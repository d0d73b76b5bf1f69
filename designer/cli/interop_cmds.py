"""Commands that move workflows in and out of other tools: ``import`` and ``export``.

``baton import FILE`` reads Baton JSON, BPMN 2.0 or a Salesforce orchestration (the
format told from content unless ``--format`` names it) and prints the workflow, or
writes it with ``-o``; the report of what did not map one to one and the validation
problems go to standard error (with ``--json``, all three go out as one object).

Exit status: 0 when a workflow was produced, even with reported elements; 1 when the
document was read but nothing could be imported (a document of another kind, a Salesforce
flow that is not an orchestration, one without stages); 2 when the input could not be
read (a missing file, malformed or unsafe XML, malformed JSON, a file over the limit).
None ends in a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graphs.errors import (
    DocumentTooLarge,
    MalformedJSONError,
    UnreadableDocumentError,
    WorkflowFormatError,
)
from graphs.interop import (
    MAX_IMPORT_BYTES,
    ImportResult,
    InteropFormat,
    MalformedXMLError,
    UnsafeXMLError,
    export_workflow,
    import_document,
)
from graphs.io import dump_workflow, load_workflow

__all__ = ["register"]

#: Format errors that mean the input could not be read at all (exit 2), not that it held
#: nothing Baton imports (exit 1).
_UNREADABLE = (
    DocumentTooLarge,
    MalformedJSONError,
    MalformedXMLError,
    UnreadableDocumentError,
    UnsafeXMLError,
)
_FORMATS = click.Choice([f.value for f in InteropFormat])


def _read(name: str) -> bytes:
    """The bytes of ``name`` (``-``: standard input), at most the import limit; else exit 2."""
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
        else:
            path = Path(name)
            size = path.stat().st_size
            if size > MAX_IMPORT_BYTES:
                _fail(name, DocumentTooLarge(size, MAX_IMPORT_BYTES), 2)
            data = path.read_bytes()
    except OSError as exc:
        click.secho(
            f"{name}: error [unreadable_document] {exc.strerror or exc}", fg="red", err=True
        )
        raise SystemExit(2) from None
    return data


def _fail(name: str, error: WorkflowFormatError, status: int) -> None:
    for issue in error.issues or []:
        click.secho(f"{name}: error [{error.code}] {error.summary}: {issue}", fg="red", err=True)
    if not error.issues:
        click.secho(f"{name}: error [{error.code}] {error.summary}", fg="red", err=True)
    raise SystemExit(status)


def _write(text: str, out: str | None) -> None:
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        click.secho(f"{out}: error [unwritable] {exc.strerror or exc}", fg="red", err=True)
        raise SystemExit(2) from None


def _print_report(name: str, result: ImportResult) -> None:
    for item in result.report:
        where = f" -> {item.baton_id}" if item.baton_id else ""
        click.secho(f"{name}: {item}{where}", fg="yellow", err=True)
    for problem in result.problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(
            f"{name}: {problem.severity} [{problem.code.value}] "
            f"{problem.location()}: {problem.message}",
            fg=colour,
            err=True,
        )
    click.echo(
        f"{name}: imported from {result.format.value} as {result.workflow.id!r}: "
        f"{len(result.report)} reported element(s), {len(result.problems)} problem(s)",
        err=True,
    )


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option(
    "--format", "format_name", type=_FORMATS, help="Read as this format (default: detected)."
)
@click.option("-o", "--output", "out", metavar="OUT", help="Write here instead of standard output.")
@click.option("--json", "as_json", is_flag=True, help="One object: workflow, report, problems.")
def import_command(file: str, format_name: str | None, out: str | None, as_json: bool) -> None:
    """Read FILE (Baton JSON, BPMN 2.0 or a Salesforce .flow-meta.xml) into a Baton workflow."""
    data = _read(file)
    chosen = InteropFormat(format_name) if format_name else None
    try:
        result = import_document(data, format=chosen)
    except _UNREADABLE as exc:
        _fail(file, exc, 2)
        return
    except WorkflowFormatError as exc:
        _fail(file, exc, 1)
        return
    if as_json:
        _write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", out)
        return
    _write(dump_workflow(result.workflow), out)
    _print_report(file, result)


@click.command("export")
@click.argument("workflow_file", metavar="WORKFLOW_FILE")
@click.option(
    "--format",
    "format_name",
    type=click.Choice([InteropFormat.BPMN.value, InteropFormat.SALESFORCE.value]),
    required=True,
    help="bpmn (BPMN 2.0 with diagram) or salesforce (an orchestration's .flow-meta.xml).",
)
@click.option("-o", "--output", "out", metavar="OUT", help="Write here instead of standard output.")
def export_command(workflow_file: str, format_name: str, out: str | None) -> None:
    """Write the Baton workflow in WORKFLOW_FILE as BPMN 2.0 or a Salesforce orchestration."""
    data = _read(workflow_file)
    try:
        workflow = load_workflow(data)
    except WorkflowFormatError as exc:
        _fail(workflow_file, exc, 2)
        return
    _write(export_workflow(workflow, InteropFormat(format_name)), out)


def register(cli: click.Group) -> None:
    """Add the interop commands to the ``baton`` group."""
    cli.add_command(import_command)
    cli.add_command(export_command)
