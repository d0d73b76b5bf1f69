"""``baton whatif``: test a draft on a workflow's recorded cases, from a terminal.

baton whatif DRAFT.json --workflow support-case              # cases of the last 30 days
baton whatif DRAFT.json --workflow support-case --days 7 --json
baton whatif DRAFT.json --workflow support-case --cases CASES.txt   # ids, one a line

Replays the cases in memory, as they ran and through the draft (as ``POST
/api/workflows/<id>/whatif`` does), and prints both sides' figures. Nothing is written,
sent or assigned.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from graphs.errors import BatonError, WorkflowFormatError
from graphs.io import load_workflow
from runtime.db import make_engine, session_scope
from runtime.errors import InvalidWorkflow
from runtime.settings import Settings
from runtime.whatif import WhatIf, what_if
from runtime.whatif.errors import MAX_DAYS

__all__ = ["register"]


def _case_ids(path: str) -> list[str]:
    """Case ids from a file: a JSON list of strings, or one id a line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read cases file {path}: {exc.strerror}") from exc
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"cases file {path} is not JSON: {exc.msg}") from exc
        if not isinstance(data, list) or not all(isinstance(c, str) and c for c in data):
            raise click.ClickException(f"cases file {path} must hold a list of case ids")
        ids = list(data)
    else:
        ids = [line.strip() for line in text.splitlines() if line.strip()]
    if not ids:
        raise click.ClickException(f"cases file {path} names no case")
    return ids


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _rows(title: str, active: dict[str, Any], draft: dict[str, Any], show: Any = str) -> list[str]:
    keys = sorted(set(active) | set(draft))
    if not keys:
        return []
    lines = [title]
    for key in keys:
        a, d = active.get(key), draft.get(key)
        mark = "" if a == d else "   *"
        lines.append(f"  {key:<32} {show(a) if a is not None else '-':>12} "
                     f"{show(d) if d is not None else '-':>12}{mark}")  # fmt: skip
    return lines


def _describe(result: WhatIf) -> list[str]:
    a = result.active.model_dump()
    d = result.draft.model_dump()
    since = f"since {result.since:%Y-%m-%d %H:%M}" if result.since else "chosen by id"
    lines = [
        f"{result.workflow_id}: draft against {result.cases} recorded case(s), {since} "
        f"(active version {result.active_version}); * marks a difference",
        f"  {'':<32} {'recorded':>12} {'draft':>12}",
    ]
    lines += _rows("share of cases down each edge", a["edge_share"], d["edge_share"], _share)
    lines += _rows(
        "minutes in each stage (mean / p90)",
        {k: f"{v['mean']:.0f}/{v['p90']:.0f}" for k, v in a["stage_minutes"].items()},
        {k: f"{v['mean']:.0f}/{v['p90']:.0f}" for k, v in d["stage_minutes"].items()},
    )
    lines += _rows("work items per queue", a["queue_load"], d["queue_load"])
    lines += _rows("work items per agent", a["agent_load"], d["agent_load"])
    lines += _rows("cases per end", a["outcomes"], d["outcomes"])
    totals = ("sla_attainment", "unassigned", "open", "incidents", "loop_guard", "path_changed")
    lines += _rows(
        "totals",
        {k: a[k] for k in totals},
        {k: d[k] for k in totals},
        lambda v: _share(v) if isinstance(v, float) else str(v),
    )
    changes = result.changes
    changed = [f"{what} {', '.join(ids)}" for what, ids in changes.model_dump().items() if ids]
    lines.append("changes: " + ("; ".join(changed) if changed else "none"))
    for item in result.listed:
        lines.append(f"  {item.case_id} ({item.what}): {item.message}")
    return lines


@click.command("whatif")
@click.argument("draft_file", metavar="DRAFT.json")
@click.option("--workflow", "workflow_id", required=True, help="The workflow whose cases replay.")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    help="Replay the cases started in the last N days (default 30).",
)
@click.option(
    "--cases",
    "cases_file",
    metavar="FILE",
    help="Replay these cases instead: a JSON list of ids, or one id a line.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def whatif_command(
    draft_file: str, workflow_id: str, days: int | None, cases_file: str | None, as_json: bool
) -> None:
    """Replay a workflow's recorded cases through DRAFT.json and compare."""
    if days is not None and cases_file is not None:
        raise click.UsageError("give either --days or --cases, not both")
    try:
        draft = load_workflow(Path(draft_file))
    except WorkflowFormatError as exc:
        raise click.ClickException(f"{draft_file}: {exc}") from exc
    case_ids = _case_ids(cases_file) if cases_file else None
    engine = make_engine(Settings().resolved_database_url())
    try:
        with session_scope(engine, read_only=True) as session:
            result = what_if(
                session,
                workflow_id=workflow_id,
                draft=draft,
                days=days,
                case_ids=case_ids,
                processes=os.cpu_count() or 1,
            )
    except InvalidWorkflow as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        lines = [f"{draft_file}: {p.location()}: {p.message}" for p in errors]
        raise click.ClickException("the draft is not valid:\n" + "\n".join(lines)) from exc
    except BatonError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    for line in _describe(result):
        click.echo(line)


def register(cli: click.Group) -> None:
    """Add ``baton whatif`` to ``cli``."""
    cli.add_command(whatif_command)
