"""Workflows and look-ups for the scale-out tests and the benchmark."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from runtime import services
from runtime.db import session_scope
from runtime.store.tables import OutboxRow, OutboxStatus, RunEventRow, RunRow


def http_step(step_id: str, url: str, **kw: Any) -> dict[str, Any]:
    """A background step POSTing to ``url`` (with the step's idempotency key)."""
    inputs = {"method": {"value": "POST"}, "url": {"value": url}}
    return {"id": step_id, "kind": "background", "action": "http_request", "inputs": inputs, **kw}


def flow(workflow_id: str, steps: list[dict[str, Any]], **stage: Any) -> dict[str, Any]:
    """start -> one stage holding ``steps`` -> end, started by every new case."""
    return {
        "id": workflow_id,
        "name": workflow_id,
        "trigger": {"kind": "record", "on": "create"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "work", "kind": "stage", "steps": steps, **stage},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def install(engine: Engine, definition: dict[str, Any]) -> None:
    from tests.runtime.runtime_flows import install_workflow

    with session_scope(engine) as s:
        install_workflow(s, definition)


def create_cases(engine: Engine, ids: list[str]) -> None:
    """One case (and so one run) per id, each in its own transaction."""
    for case_id in ids:
        with session_scope(engine) as s:
            services.create_case(s, fields={}, actor="feeder", case_id=case_id)


def run_statuses(engine: Engine) -> Counter[str]:
    with session_scope(engine, read_only=True) as s:
        return Counter(s.exec(select(RunRow.status)).all())


def log_kinds(engine: Engine) -> Counter[str]:
    with session_scope(engine, read_only=True) as s:
        return Counter(s.exec(select(RunEventRow.kind)).all())


def undone_outbox(engine: Engine) -> int:
    with session_scope(engine, read_only=True) as s:
        return int(
            s.exec(
                select(func.count())
                .select_from(OutboxRow)
                .where(col(OutboxRow.status) != OutboxStatus.DONE)
            ).one()
        )
