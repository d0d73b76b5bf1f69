"""The audit of AI calls: the call account's row and an ``ai.call`` line in the run log.

Both are written in one transaction, so the log, the exports (which read the log) and the
metrics (which read the account) never disagree about a call. The prompt is kept as its
text, or only its SHA-256 where the step marks prompts sensitive; the raw answer is kept
up to :data:`MAX_TEXT` characters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from runtime.ai.budget import add_usage, counted
from runtime.services.run_events import append_note, lock_run
from runtime.store import statements as sql
from runtime.store.ai_tables import AiCallRow

__all__ = ["LOG_KIND", "MAX_TEXT", "record_call"]

LOG_KIND = "ai.call"
MAX_TEXT = 4000


# On the driver (runtime.store.statements): a local call is audited inside its step's
# transaction, where the ORM's get and flush cost several times the statements.
_calls: Table = AiCallRow.__table__  # type: ignore[attr-defined]
_CALL_READ = ("run_id", "step_id", "attempt", "provider", "model", "prompt_hash", "workflow_id",
              "day", "cost", "verdict")  # fmt: skip
_CALL = select(*(_calls.c[name] for name in _CALL_READ)).where(_calls.c.id == bindparam("_id"))
#: The row's columns a finished call's figures set.
_FINISHED = ("verdict", "reason", "confidence", "tokens_in", "tokens_out", "latency_ms",
             "cost", "provider", "model", "answer")  # fmt: skip
_FINISH_CALL = update(_calls).where(_calls.c.id == bindparam("_id"))


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f"... ({len(text) - MAX_TEXT} more characters)"


def record_call(
    session: Session,
    *,
    call_id: int,
    now: datetime,
    figures: dict[str, Any],
    prompt: str | None,
    raw_answer: str | None,
) -> dict[str, Any]:
    """Finish call ``call_id`` with ``figures`` and log it on its run; the logged data.

    ``figures`` holds the verdict, reason, confidence, tokens, latency, cost, provider and
    model (the row's columns) and whatever else the log line should carry.
    """
    found = sql.read_first(session, _CALL, {"_id": call_id})
    if found is None:
        raise LookupError(f"AI call {call_id} is not recorded")
    row = dict(zip(_CALL_READ, found, strict=True))
    finished = {name: figures[name] for name in _FINISHED if name in figures}
    if finished:
        sql.write(session, _FINISH_CALL, [{"_id": call_id, **finished}])
        # The day's usage follows the account in this transaction (runtime.ai.budget).
        was, now_counted = counted(row["verdict"]), counted(finished.get("verdict", row["verdict"]))
        add_usage(
            session, workflow_id=row["workflow_id"], day=row["day"], calls=now_counted - was,
            cost=now_counted * float(finished.get("cost", row["cost"])) - was * float(row["cost"]),
        )  # fmt: skip
    data = {
        "call_id": call_id,
        "attempt": row["attempt"],
        "provider": finished.get("provider", row["provider"]),
        "model": finished.get("model", row["model"]),
        "prompt_sha256": row["prompt_hash"],
        **({"prompt": _cut(prompt)} if prompt is not None else {"prompt": None}),
        "raw_answer": _cut(raw_answer),
        **{k: v for k, v in figures.items() if k != "answer"},
    }
    _, run = lock_run(session, row["run_id"])
    append_note(
        session, run=run, now=now, actor=f"ai:{row['step_id']}", kind=LOG_KIND,
        step_id=row["step_id"], data=data,
    )  # fmt: skip
    return data
