"""The process that ``test_crash_redelivery.py`` kills during an HTTP step, then restarts.

Usage: ``python crash_http_worker.py DATABASE_URL SERVICE_URL``. It installs a workflow
(once) whose one background step POSTs to SERVICE_URL with the step's default 60 s
timeout, starts a :class:`~runtime.executor.Worker` with the default lease margin,
creates case ``case-1`` if it does not exist yet (its creation starts the run), prints
``STARTED`` and, once the run has finished, ``ALL DONE`` before it exits.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runtime_flows import install_workflow
from sqlmodel import select

from runtime import services
from runtime.db import make_engine, session_scope
from runtime.errors import Conflict
from runtime.executor import Worker
from runtime.settings import Settings
from runtime.store import migrate
from runtime.store.tables import RunRow
from runtime.store.workflow_tables import WorkflowRow

CASE = "case-1"


def workflow(url: str) -> dict[str, Any]:
    step = {
        "id": "call", "kind": "background", "action": "http_request",
        "inputs": {"method": {"value": "POST"}, "url": {"value": url}},
    }  # fmt: skip
    return {
        "id": "calls-out",
        "name": "Calls out",
        "trigger": {"kind": "record", "on": "create"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "work", "kind": "stage", "steps": [step]},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def main(url: str, service: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as s:
        if s.get(WorkflowRow, "calls-out") is None:
            install_workflow(s, workflow(service))
    worker = Worker(Settings(worker_threads=2, clock_interval_seconds=0.2), engine)
    worker.start()
    print("STARTED", flush=True)
    try:
        with session_scope(engine) as s:
            services.create_case(s, fields={}, actor="feeder", case_id=CASE)
    except Conflict:
        pass  # made before the crash
    while True:
        with session_scope(engine) as s:
            run = s.exec(select(RunRow).where(RunRow.case_id == CASE)).first()
            if run is not None and run.finished_at is not None:
                break
        threading.Event().wait(0.1)
    worker.stop()
    print("ALL DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
