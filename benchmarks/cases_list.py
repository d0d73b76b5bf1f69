"""Benchmark: the cases list and the monitor over 100,000 runs.

Seeds N runs (default 100,000) of the shipped ``support-case`` workflow straight into
the store (rows as the engine writes them: a state snapshot with the current stage's
SLA clock, an open work item for runs at an interactive step, started over the last 60
days), then times the REST endpoints through the real app (routing, auth, queries,
serialisation), each the median of several calls:

- the first page, unfiltered and with each filter (workflow, node, status, SLA state,
  assignee, age) and a combination;
- the 200th page of the workflow's open runs, reached by its keyset cursor (as fast as
  the first: no OFFSET);
- the monitor of the workflow (figures per node, stuck cases, incidents).

Usage::

    .venv/bin/python benchmarks/cases_list.py                 # 100,000 runs on SQLite
    .venv/bin/python benchmarks/cases_list.py --runs 20000
    .venv/bin/python benchmarks/cases_list.py --database-url postgresql+psycopg://...

The last line printed is one JSON object with every figure (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from designer.app import create_app  # noqa: E402
from designer.auth.testing import SignedInClient  # noqa: E402
from designer.extensions import state  # noqa: E402
from graphs.examples import load_example  # noqa: E402
from runtime.db import session_scope  # noqa: E402
from runtime.services.workflows import install_examples  # noqa: E402
from runtime.settings import Settings  # noqa: E402
from runtime.store.tables import CaseRow, RunRow, WorkItemRow  # noqa: E402

WORKFLOW = "support-case"
# Where the seeded runs stand: stage, share of runs, whether an agent holds a work item.
PLACES = [
    ("intake", 0.10, None),
    ("triage", 0.15, None),
    ("routing", 0.20, "accept_case"),
    ("execution", 0.25, "work_case"),
    ("resolution", 0.05, "confirm_resolution"),
    (None, 0.25, None),  # finished
]
AGENTS = [f"agent{n:02d}" for n in range(40)]
CHUNK = 5000


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def seed(engine: Any, runs: int, now: datetime) -> None:
    rng = random.Random(7)
    places = [place for place, share, _ in PLACES for _ in range(int(share * 100))]
    steps = {place: step for place, _, step in PLACES}
    with engine.begin() as conn:
        for start in range(0, runs, CHUNK):
            cases, rows, items = [], [], []
            for n in range(start, min(runs, start + CHUNK)):
                started = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 60))
                entered = started + (now - started) * rng.uniform(0.2, 1.0)
                place = places[n % len(places)]
                case_id = f"case{n:07d}"
                run_id = f"run{n:07d}"
                status = "running" if place else rng.choice(["completed", "completed", "cancelled"])
                if place and n % 97 == 0:
                    status = "incident"
                sla_minutes = rng.choice([60, 240, 480, 2880])
                clock = {
                    "started_at": _iso(entered),
                    "warning_at": _iso(entered + timedelta(minutes=sla_minutes * 0.75)),
                    "due_at": _iso(entered + timedelta(minutes=sla_minutes)),
                    "state": "on_track",
                    "stopped_at": None if place else _iso(entered),
                }
                snapshot = {
                    "run_id": run_id, "workflow_id": WORKFLOW, "version": 1, "case_id": case_id,
                    "status": status, "node_id": place, "sla": clock,
                    "case": {"subject": f"Case {n}", "priority": "normal"},
                    "incident": {"code": "step_failed", "message": "CRM answered 502"}
                    if status == "incident" else None,
                }  # fmt: skip
                cases.append({
                    "id": case_id, "fields": {"subject": f"Case {n}", "priority": "normal"},
                    "source": "baton", "version": 1, "created_at": started, "updated_at": entered,
                    "created_by": "bench", "updated_by": "bench",
                })  # fmt: skip
                rows.append({
                    "id": run_id, "workflow_id": WORKFLOW, "version": 1, "case_id": case_id,
                    "status": status, "node_id": place or "closed", "node_entered_at": entered,
                    "sla_state": "on_track" if place else None,
                    "sla_due_at": entered + timedelta(minutes=sla_minutes) if place else None,
                    "sla_warning_at": entered + timedelta(minutes=sla_minutes * 0.75)
                    if place else None,
                    "state": snapshot, "seq": 20, "inputs": 10, "started_at": started,
                    "finished_at": None if place else entered, "updated_at": entered,
                })  # fmt: skip
                step = steps.get(place)
                if step and status == "running":
                    items.append({
                        "key": f"{run_id}:{step}:1", "run_id": run_id, "case_id": case_id,
                        "step_id": step, "attempt": 1, "title": step, "queue": "support",
                        "assignee": AGENTS[n % len(AGENTS)], "skills": [], "form": [],
                        "status": "open", "created_at": entered, "data": {},
                    })  # fmt: skip
            conn.execute(insert(CaseRow.__table__), cases)  # type: ignore[attr-defined]
            conn.execute(insert(RunRow.__table__), rows)  # type: ignore[attr-defined]
            if items:
                conn.execute(insert(WorkItemRow.__table__), items)  # type: ignore[attr-defined]
            print(f"  seeded {min(runs, start + CHUNK):,} runs", file=sys.stderr, flush=True)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def timed(client: Any, url: str, repeat: int) -> tuple[float, Any]:
    times = []
    body = None
    for _ in range(repeat):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.get_data(as_text=True)}")
        body = response.json
    return statistics.median(times), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        settings = Settings(
            _env_file=None, instance_path=Path(folder), database_url=url, load_examples=False
        )  # type: ignore[call-arg]
        app = create_app(settings, TESTING=True, BATON_SPA_DIR=folder)
        app.test_client_class = SignedInClient
        engine = state(app).engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE work_item, run, cases, workflow CASCADE"))
        with session_scope(engine) as session:
            install_examples(session=session, workflows=[load_example(WORKFLOW)])
        now = datetime.now(UTC)
        began = time.perf_counter()
        seed(engine, args.runs, now)
        seeded_s = time.perf_counter() - began
        client = app.test_client()

        queries = {
            "first_page": "/api/runs?limit=50",
            "workflow": f"/api/runs?workflow_id={WORKFLOW}&limit=50",
            "workflow_node": f"/api/runs?workflow_id={WORKFLOW}&node_id=execution&limit=50",
            "status_active": "/api/runs?status=active&limit=50",
            "status_incident": "/api/runs?status=incident&limit=50",
            "sla_breached": "/api/runs?sla=breached&limit=50",
            "sla_at_risk": "/api/runs?sla=at_risk&limit=50",
            "assignee": "/api/runs?assignee=agent07&limit=50",
            "older_than_30d": "/api/runs?older_than_minutes=43200&limit=50",
            "combined": f"/api/runs?workflow_id={WORKFLOW}&node_id=routing&status=running"
            "&sla=breached&older_than_minutes=1440&limit=50",
        }
        figures: dict[str, Any] = {"runs": args.runs, "database": engine.dialect.name,
                                   "seed_s": round(seeded_s, 1)}  # fmt: skip
        print(f"{'query':<22} {'ms (median)':>12} {'rows':>6}")
        for name, path in queries.items():
            ms, body = timed(client, path, args.repeat)
            figures[f"{name}_ms"] = round(ms, 2)
            print(f"{name:<22} {ms:12.2f} {len(body['items']):6d}")

        # The 200th page of the open runs, walked there by cursor.
        cursor = None
        path = f"/api/runs?workflow_id={WORKFLOW}&status=active&limit=50"
        for _ in range(199):
            body = client.get(path + (f"&cursor={cursor}" if cursor else "")).json
            cursor = body["next_cursor"]
        ms, body = timed(client, path + f"&cursor={cursor}", args.repeat)
        figures["page_200_ms"] = round(ms, 2)
        print(f"{'page_200 (keyset)':<22} {ms:12.2f} {len(body['items']):6d}")

        ms, body = timed(client, f"/api/monitor/{WORKFLOW}?stuck_minutes=1440", args.repeat)
        figures["monitor_ms"] = round(ms, 2)
        figures["monitor_active_runs"] = body["total_active"]
        print(f"{'monitor':<22} {ms:12.2f} {body['total_active']:6d} active")
        engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
