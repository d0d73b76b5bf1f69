"""One AI step call, governed from end to end (see :mod:`runtime.ai` for the order).

:func:`run_ai_step` is what the ``ai`` action does. Its transactions are short and never
span a remote model call: (1) read the run's case schema and reserve the call against
the budget; (2) ask the model; (3) record the verdict and the audit line. A crash
between them leaves a ``pending`` call in the account (counted against the budget, as
the call may have been sent) and the step is delivered again by the executor's usual
recovery. A local classifier answers in-process in about a millisecond, so its call
is reserved, made and audited in one transaction: the executor's own, the one that
records the step and its result (:func:`answers_in_process`), so a crash undoes the call
with the step and the audit line commits with the result it explains.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Table, bindparam, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.ai import budget, training
from runtime.ai.audit import record_call
from runtime.ai.config import AiSettings
from runtime.ai.errors import AiError, ProviderError
from runtime.ai.governance import Verdict, judge, request_schema
from runtime.ai.prompt import Prompt, Task, build_prompt
from runtime.ai.provider import chat_json
from runtime.ai.training import case_text, classifier_for
from runtime.db import session_scope
from runtime.demo.ai_training import demo_model
from runtime.services.run_events import definition_for
from runtime.store import statements as sql
from runtime.store.tables import RunRow

__all__ = ["AiStep", "StepAnswer", "answers_in_process", "run_ai_step"]

Provider = Literal["local", "openai"]
_SUMMARY = ("call_id", "provider", "model", "verdict", "confidence", "tokens_in", "tokens_out",
            "latency_ms", "cost", "prompt_sha256")  # fmt: skip


@dataclass(frozen=True, slots=True)
class AiStep:
    """An AI step's settings, as its inputs give them."""

    task: Task
    fields: list[str]
    outputs: dict[str, Any]
    confidence_threshold: float | None
    provider: Provider
    model: str | None
    label_field: str | None
    instructions: str
    sensitive_prompt: bool


@dataclass(frozen=True, slots=True)
class StepAnswer:
    """What the step outputs: the verdict, the answer and the audit summary."""

    verdict: Verdict
    audit: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Reply:
    text: str
    refusal: str | None
    confidence: float | None
    tokens_in: int
    tokens_out: int
    latency_ms: int
    model: str
    cost: float


def answer_key(step: AiStep) -> str:
    """The output a local classifier's label goes to: ``label_field``, else the schema's
    first required property, else its first property."""
    if step.label_field:
        return step.label_field
    required = step.outputs.get("required") or []
    if required:
        return str(required[0])
    return str(next(iter(step.outputs.get("properties") or {"label": None})))


#: The run's workflow version, without loading its row (and its state snapshot).
_runs: Table = RunRow.__table__  # type: ignore[attr-defined]
_RUN_VERSION = select(_runs.c.workflow_id, _runs.c.version).where(
    _runs.c.id == bindparam("_run_id")
)

_seeding = threading.Lock()
# Per database (keyed by its connection pool, as the run snapshots are): the (workflow,
# field) pairs known to have a model, so each call is spared a write transaction.
_seeded: weakref.WeakKeyDictionary[Any, set[tuple[str, str]]] = weakref.WeakKeyDictionary()


def _seed_demo_model(engine: Engine, workflow_id: str, field: str) -> None:
    """Store the demo classifier of (workflow, field) if it has none yet (demo mode only)."""
    known = _seeded.get(engine.pool)
    if known is not None and (workflow_id, field) in known:
        return
    trained = demo_model(workflow_id, field)
    if trained is None:
        return
    with _seeding, session_scope(engine) as session:
        if training.latest_model(session, workflow_id=workflow_id, field=field) is None:
            training.save_model(
                session, workflow_id=workflow_id, field=field,
                text_fields=list(training.DEFAULT_TEXT_FIELDS), trained=trained,
            )  # fmt: skip
        _seeded.setdefault(engine.pool, set()).add((workflow_id, field))


def _local(session: Session, step: AiStep, workflow_id: str, prompt: Prompt) -> _Reply:
    key = answer_key(step)
    found = classifier_for(session, workflow_id=workflow_id, field=key)
    if found is None:
        return _Reply("", f"no local classifier is trained for {workflow_id}.{key}; train "
                      f"one with `baton ai train --workflow {workflow_id} --field {key}`",
                      None, 0, 0, 0, "local", 0.0)  # fmt: skip
    classifier, info = found
    started = time.perf_counter()
    label, confidence = classifier.predict(case_text(prompt.sent, list(prompt.sent)))
    latency_ms = int((time.perf_counter() - started) * 1000)
    text = json.dumps({key: label, "confidence": confidence})
    model = f"local:{workflow_id}.{key}@v{info.version}"
    return _Reply(text, None, confidence, 0, 0, latency_ms, model, 0.0)


def _remote(settings: AiSettings, step: AiStep, prompt: Prompt, key: str) -> _Reply:
    model = step.model or settings.model
    answer = chat_json(
        settings, model=model, messages=prompt.messages,
        schema=request_schema(step.outputs), idempotency_key=key,
    )  # fmt: skip
    cost = round(settings.cost(answer.tokens_in, answer.tokens_out), 6)
    return _Reply(answer.content, answer.refusal, None, answer.tokens_in, answer.tokens_out,
                  answer.latency_ms, answer.model, cost)  # fmt: skip


def run_ai_step(
    engine: Engine,
    settings: AiSettings,
    step: AiStep,
    *,
    run_id: str,
    step_id: str,
    attempt: int,
    case: Mapping[str, Any],
    now: datetime,
    idempotency_key: str,
    demo: bool = False,
    session: Session | None = None,
) -> StepAnswer:
    """Govern one call; raises :class:`AiError` for a failed or refused call.

    ``demo``: demo services are on, so a shipped workflow's missing local classifier is
    trained from the demo history (:mod:`runtime.demo.ai_training`) at its first call.
    ``session``: the transaction that records the step, for a call that
    :func:`answers_in_process`: the reservation, the answer and the audit line are
    written there and commit with the step's result.
    """
    call = _Call(settings, step, run_id, step_id, attempt, case, now)
    if session is not None:
        if not answers_in_process(step.provider):
            raise AiError("a remote model is not called inside a transaction", retryable=False)
        begun = _begin(
            session, call,
            local=lambda workflow_id: _seed_within(session, engine, workflow_id, step, demo),
        )  # fmt: skip
    else:
        with session_scope(engine) as own:
            begun = _begin(
                own, call,
                local=lambda workflow_id: step.provider == "local"
                and not (demo and _needs_seeding(engine, workflow_id, answer_key(step))),
            )  # fmt: skip
    reservation, prompt, workflow_id, base, answered = begun
    if reservation.refused is not None:
        raise AiError(reservation.refused, retryable=False)
    if answered is None:
        answered = _apart(engine, settings, step, prompt, reservation.call_id, workflow_id,
                          base, now=now, idempotency_key=idempotency_key, demo=demo)  # fmt: skip
    if answered.verdict.verdict == "retried":
        raise AiError(answered.verdict.reason, retryable=True)
    return answered


@dataclass(frozen=True, slots=True)
class _Call:
    """What one call is for."""

    settings: AiSettings
    step: AiStep
    run_id: str
    step_id: str
    attempt: int
    case: Mapping[str, Any]
    now: datetime


def _begin(
    session: Session, call: _Call, *, local: Callable[[str], bool]
) -> tuple[budget.Reservation, Prompt, str, dict[str, Any], StepAnswer | None]:
    """Reserve the call and, where ``local(workflow_id)`` says it answers in-process, make
    it and write its audit line, all in ``session``; the answer is None otherwise."""
    step, settings, now = call.step, call.settings, call.now
    run = sql.read_first(session, _RUN_VERSION, {"_run_id": call.run_id})
    if run is None:
        raise AiError(f"run {call.run_id!r} is not in the store", retryable=False)
    workflow_id, version = run
    schema = definition_for(session, workflow_id, version).workflow.case_schema
    prompt = build_prompt(
        task=step.task, fields=step.fields, instructions=step.instructions, case=call.case,
        schema=schema, outputs=step.outputs,
    )  # fmt: skip
    row = budget.CallRecord(
        run_id=call.run_id, workflow_id=workflow_id, step_id=call.step_id,
        attempt=call.attempt, day=budget.day_of(now), at=now, provider=step.provider,
        model=step.model or (settings.model if step.provider == "openai" else "local"),
        prompt_hash=prompt.sha256,
    )  # fmt: skip
    reservation = budget.reserve(session, call=row, default_calls=settings.daily_calls)
    base = {"withheld": prompt.withheld, "fields_sent": sorted(prompt.sent)}
    answered: StepAnswer | None = None
    if reservation.refused is not None:
        _audit(session, reservation.call_id, now, step, prompt, None,
               {**base, "verdict": budget.REFUSED, "reason": reservation.refused})  # fmt: skip
    elif local(workflow_id):
        # Nothing leaves the process: the reservation, the classifier's answer and the
        # audit line commit together (or a crash undoes all three: nothing was sent, so
        # there is nothing to count). Two commits a call fewer, or, inside the step's
        # own transaction, three.
        reply = _local(session, step, workflow_id, prompt)
        answered = _answered(session, reservation.call_id, now, step, prompt, reply, base)
    return reservation, prompt, workflow_id, base, answered


def answers_in_process(provider: str) -> bool:
    """Whether a call may be made inside the transaction that records its step: a local
    classifier answers in-process in about a millisecond, and nothing leaves the process."""
    return provider == "local"


def _seed_within(
    session: Session, engine: Engine, workflow_id: str, step: AiStep, demo: bool
) -> bool:
    """In demo mode, store the demo classifier of the call's (workflow, field) if it has
    none, in ``session`` (it commits with the step; the next call finds it). True."""
    field = answer_key(step)
    if not demo or not _needs_seeding(engine, workflow_id, field):
        return True
    trained = demo_model(workflow_id, field)
    if trained is None:
        return True
    if training.latest_model(session, workflow_id=workflow_id, field=field) is None:
        training.save_model(
            session, workflow_id=workflow_id, field=field,
            text_fields=list(training.DEFAULT_TEXT_FIELDS), trained=trained,
        )  # fmt: skip
    else:
        with _seeding:
            _seeded.setdefault(engine.pool, set()).add((workflow_id, field))
    return True


def _needs_seeding(engine: Engine, workflow_id: str, field: str) -> bool:
    """Whether this process has yet to make sure the demo classifier of (workflow, field)
    is stored: seeding takes a write transaction of its own."""
    known = _seeded.get(engine.pool)
    return known is None or (workflow_id, field) not in known


def _apart(
    engine: Engine, settings: AiSettings, step: AiStep, prompt: Prompt, call_id: int,
    workflow_id: str, base: dict[str, Any], *, now: datetime, idempotency_key: str, demo: bool,
) -> StepAnswer:  # fmt: skip
    """The call in transactions of its own: the model is asked between two commits."""
    try:
        if step.provider == "local":
            if demo:
                _seed_demo_model(engine, workflow_id, answer_key(step))
            with session_scope(engine, read_only=True) as session:
                reply = _local(session, step, workflow_id, prompt)
        else:
            reply = _remote(settings, step, prompt, idempotency_key)
    except ProviderError as exc:
        verdict_name = "retried" if exc.retryable else "failed"
        with session_scope(engine) as session:
            _audit(session, call_id, now, step, prompt, None,
                   {**base, "verdict": verdict_name, "reason": exc.message,
                    "status": exc.status})  # fmt: skip
        raise
    with session_scope(engine) as session:
        return _answered(session, call_id, now, step, prompt, reply, base)


def _answered(
    session: Session, call_id: int, now: datetime, step: AiStep, prompt: Prompt,
    reply: _Reply, base: dict[str, Any],
) -> StepAnswer:  # fmt: skip
    """Judge ``reply`` and write its audit line; the answer with its audit summary."""
    verdict = judge(
        reply.text, step.outputs, threshold=step.confidence_threshold,
        refusal=reply.refusal, confidence=reply.confidence,
    )  # fmt: skip
    figures = {
        **base,
        "verdict": verdict.verdict,
        "reason": verdict.reason,
        "confidence": verdict.confidence,
        "tokens_in": reply.tokens_in,
        "tokens_out": reply.tokens_out,
        "latency_ms": reply.latency_ms,
        "cost": reply.cost,
        "model": reply.model,
        "answer": verdict.answer,
        **verdict.notes,
    }
    logged = _audit(session, call_id, now, step, prompt, reply.text, figures)
    return StepAnswer(verdict, {key: logged[key] for key in _SUMMARY})


def _audit(
    session: Session, call_id: int, now: datetime, step: AiStep, prompt: Prompt,
    raw: str | None, figures: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    return record_call(
        session, call_id=call_id, now=now, figures=figures,
        prompt=None if step.sensitive_prompt else prompt.text, raw_answer=raw,
    )  # fmt: skip
