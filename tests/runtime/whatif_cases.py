"""Recorded cases for what-if tests: shipped workflows run through the real runtime.

Each case is created through the service, its steps performed by the real executor
(``Worker.drain``; only ``http_request`` answers from a canned reply), its work items
completed through the service after a number of minutes that depends on the case, and
its timers fired at their due times, so the store holds what a day of real work leaves:
runs, logs and input events with their times.

Of ``count`` support cases: even numbers are high-priority enterprise cases (the
``priority`` decision sends them through ``expedite``); numbers 1 mod 4 are sent back
once for more work (the ``rework`` go-to); numbers 3 mod 10 take ten hours over the
work, past the execution stage's eight-hour work item SLA.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from graphs.examples import load_example
from graphs.model import CaseField, FieldType, FormField, InteractiveStep, Workflow
from runtime.actions import ActionResult, get_action
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.services.cases import create_case
from runtime.services.execution import next_timer_due
from runtime.services.work_items import complete_work_item
from runtime.services.workflows import install_examples
from runtime.settings import Settings
from runtime.store.tables import RunRow, WorkItemRow, WorkItemStatus

__all__ = [
    "SUPPORT",
    "install_support",
    "let_time_pass",
    "record_cases",
    "record_open_case",
    "record_support_cases",
    "sample_case",
]

#: How case ``number`` answers a step at its ``visit``: form data, and after how many minutes.
Answer = Callable[[int, str, int], tuple[dict[str, Any], float]] | None

SUPPORT = load_example("support-case")

_HTTP_REPLY = {"status": 200, "json": {"entitled": True}, "text": None, "truncated": False,
               "elapsed_ms": 12}  # fmt: skip


class _CannedHttp:
    """``http_request`` with a canned answer: the tests reach no network."""

    def __init__(self) -> None:
        self.real = get_action("http_request")
        self.name = self.real.name
        self.Input = self.real.Input
        self.Output = self.real.Output

    def run(self, inputs: Any, ctx: Any) -> ActionResult:
        return ActionResult(outputs=dict(_HTTP_REPLY))


def _lookup(name: str) -> Any:
    return _CannedHttp() if name == "http_request" else get_action(name)


def install_support(engine: Engine) -> None:
    """Publish and activate the shipped support case (version 1)."""
    with session_scope(engine) as session:
        install_examples(session=session, workflows=[SUPPORT], only_if_empty=False)


def _fields(number: int, start: datetime) -> dict[str, Any]:
    high = number % 2 == 0
    return {
        "subject": f"Cannot export invoices ({number})",
        "description": "The export button spins forever since this morning.",
        "priority": "high" if high else "normal",
        "product": "billing",
        "account_tier": "enterprise" if high else "standard",
        "contact_email": f"customer{number}@example.com",
        "contact_count": 1,
        "customer_sentiment": "neutral",
        "status": "new",
        "created_at": start.isoformat(),
    }


def _answer(number: int, step_id: str, visit: int) -> tuple[dict[str, Any], float]:
    """What the person answers on ``step_id`` of case ``number``, and after how many minutes."""
    if step_id == "work_case":
        code = "needs_more_work" if number % 4 == 1 and visit == 1 else "fixed"
        minutes = 600.0 if number % 10 == 3 else 60.0 + 30 * (number % 5)
        return (
            {"resolution_summary": "Cleared the export queue", "resolution_code": code,
             "customer_contacted": True},
            minutes,
        )  # fmt: skip
    if step_id == "accept_case":
        return {"first_response": "We are on it"}, 10.0 + number % 7
    if step_id == "review_classification":
        return {"category": "billing"}, 5.0
    if step_id == "tier2_resolution":
        return {"resolution_summary": "Fixed by tier 2", "resolution_code": "fixed"}, 120.0
    if step_id == "request_missing_fields":
        return {"contact_email": "someone@example.com", "product": "billing"}, 30.0
    return {}, 1.0


class _Office:
    """The executor and the people, on a clock the test sets."""

    def __init__(self, engine: Engine, instance: Path) -> None:
        self.engine = engine
        self.now = datetime.min.replace(tzinfo=UTC)
        self.worker = Worker(
            Settings(instance_path=instance, smtp_host=None),
            engine,
            publisher=lambda topic, data: None,
            get_action=_lookup,
            clock=lambda: self.now,
        )

    def until(self, moment: datetime) -> None:
        """Let time pass to ``moment``: every timer fires at its due time, steps run."""
        while True:
            with session_scope(self.engine) as session:
                due = next_timer_due(session)
            if due is None or due > moment:
                break
            self.now = max(self.now, due)
            self.worker.drain(now=self.now)
        self.now = moment
        self.worker.drain(now=moment)

    def open_item(self, run_id: str) -> tuple[str, str] | None:
        with session_scope(self.engine) as session:
            found = session.exec(
                select(WorkItemRow.key, WorkItemRow.step_id)
                .where(WorkItemRow.run_id == run_id, WorkItemRow.status == WorkItemStatus.OPEN)
                .order_by(col(WorkItemRow.created_at))
            ).first()
            return None if found is None else (found[0], found[1])

    def start_case(
        self, number: int, start: datetime, workflow_id: str, fields: dict[str, Any]
    ) -> str:
        """Create case ``number`` at ``start``; its run's id."""
        case_id = f"case-{number}"
        self.now = start
        with session_scope(self.engine) as session:
            create_case(
                session, fields=fields, case_id=case_id, workflow_id=workflow_id,
                actor="intake", now=start,
            )  # fmt: skip
            run_id: str = session.exec(select(RunRow.id).where(RunRow.case_id == case_id)).one()
        return run_id

    def run_case(
        self, number: int, start: datetime, workflow: Workflow, answer: Answer = None
    ) -> str:
        if answer is None:
            run_id = self.start_case(number, start, workflow.id, _fields(number, start))
            answer = _answer
        else:
            run_id = self.start_case(number, start, workflow.id, sample_case(workflow, number))
        visits: Counter[str] = Counter()
        for _ in range(50):
            self.until(self.now)
            item = self.open_item(run_id)
            if item is None:
                break
            key, step_id = item
            visits[step_id] += 1
            data, minutes = answer(number, step_id, visits[step_id])
            self.until(self.now + timedelta(minutes=minutes))
            with session_scope(self.engine) as session:
                if session.get(WorkItemRow, key).status == WorkItemStatus.OPEN:  # type: ignore[union-attr]
                    complete_work_item(session, key=key, data=data, actor="ada", now=self.now)
        # The reopen window (a wait step) ends three days on.
        self.until(self.now + timedelta(days=4))
        return run_id


def record_support_cases(
    engine: Engine, instance: Path, *, count: int, start: datetime, every_minutes: float = 60
) -> list[str]:
    """Run ``count`` support cases, one every ``every_minutes`` from ``start``; their run ids."""
    office = _Office(engine, instance)
    return [
        office.run_case(n, start + timedelta(minutes=n * every_minutes), SUPPORT)
        for n in range(count)
    ]


def record_open_case(engine: Engine, instance: Path, *, number: int, start: datetime) -> str:
    """Start support case ``number`` and leave it where its first work item waits."""
    office = _Office(engine, instance)
    run_id = office.start_case(number, start, SUPPORT.id, _fields(number, start))
    office.until(start)
    return run_id


def let_time_pass(engine: Engine, instance: Path, *, until: datetime) -> None:
    """The clock runs to ``until``: every timer due by then fires at its due time."""
    _Office(engine, instance).until(until)


def _sample(field: CaseField | FormField, number: int) -> Any:
    """A value of ``field``'s type that varies with the case number."""
    if field.type is FieldType.BOOLEAN:
        return number % 3 != 0
    if field.type is FieldType.NUMBER:
        return 100 * (number + 1)
    if field.type is FieldType.PICKLIST:
        return field.values[number % len(field.values)] if field.values else None
    if field.type is FieldType.DATETIME:
        return "2026-01-05T09:00:00Z"
    if "email" in field.name:
        return f"person{number}@example.com"
    return f"{field.name} of case {number}"


def sample_case(workflow: Workflow, number: int) -> dict[str, Any]:
    """A case record for ``workflow``: every field of its case schema, varied by number."""
    return {field.name: _sample(field, number) for field in workflow.case_schema}


def record_cases(
    engine: Engine,
    instance: Path,
    workflow: Workflow,
    *,
    count: int,
    start: datetime,
    until: datetime,
) -> list[str]:
    """Install ``workflow`` and run ``count`` cases of it, one an hour from ``start``, each
    form answered with values varied by case number after 10 to 38 minutes; then let time
    pass to ``until``, every timer firing when due (long waits end)."""
    with session_scope(engine) as session:
        install_examples(session=session, workflows=[workflow], only_if_empty=False)
    forms = {
        step.id: step.form
        for node in workflow.nodes
        for step in getattr(node, "steps", [])
        if isinstance(step, InteractiveStep)
    }

    def answer(number: int, step_id: str, visit: int) -> tuple[dict[str, Any], float]:
        data = {field.name: _sample(field, number + visit) for field in forms[step_id]}
        return data, 10.0 + 7 * ((number + visit) % 5)

    office = _Office(engine, instance)
    runs = [office.run_case(n, start + timedelta(hours=n), workflow, answer) for n in range(count)]
    # A fresh executor: the one above saw its clock go back for each new case.
    _Office(engine, instance).until(until)
    return runs
