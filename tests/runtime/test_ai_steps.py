"""AI steps in real runs: accepted answers, hand-over to a reviewer who corrects it, the
metrics that count it, retries into an incident, the budget, sensitive fields, the audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from runtime_flows import T0
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select

from runtime import services
from runtime.ai import budget, training
from runtime.ai import step as ai_step
from runtime.ai.local import train
from runtime.ai.review import suggestion_for_item
from runtime.db import session_scope
from runtime.demo.ai_training import support_history
from runtime.engine.types import RunState
from runtime.executor import Worker
from runtime.services.ai_metrics import ai_step_metrics
from runtime.services.exports import export_run_log
from runtime.settings import Settings
from runtime.store.ai_tables import AiCallRow
from tests.ai_standin import Reply, StandIn, running_standin

CATEGORIES = ["account_access", "billing", "data", "outage"]
OUTPUTS = {
    "type": "object",
    "properties": {"category": {"type": "string", "enum": CATEGORIES}},
    "required": ["category"],
}


def _flow(provider: str = "local", threshold: float | None = 0.8, **extra: Any) -> dict[str, Any]:
    inputs = {
        "task": {"value": "classify"},
        "fields": {"value": ["subject", "description", "iban"]},
        "outputs": {"value": OUTPUTS},
        "provider": {"value": provider},
        **({"confidence_threshold": {"type": "number", "value": threshold}}
           if threshold is not None else {}),
        **{name: {"value": value} for name, value in extra.items()},
    }  # fmt: skip
    needs_review = {
        "kind": "group",
        "rules": [
            {"kind": "rule", "field": "step.classify.needs_review", "op": "eq", "value": True}
        ],
    }
    return {
        "id": "triage-ai",
        "name": "Triage with AI",
        "case_schema": [
            {"name": "subject"}, {"name": "description"},
            {"name": "iban", "sensitive": True},
            {"name": "category", "type": "picklist", "values": CATEGORIES},
        ],
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "triage", "kind": "stage", "steps": [
                {"id": "classify", "kind": "background", "action": "ai", "inputs": inputs,
                 "retry": {"max_attempts": 2, "initial_backoff_seconds": 0}},
                {"id": "review", "kind": "interactive", "after": ["classify"],
                 "entry_condition": needs_review,
                 "assignment": {"queue": "triage", "agent": "ada"},
                 "form": [{"name": "category", "type": "picklist", "values": CATEGORIES,
                           "required": True}]},
            ]},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "triage"},
            {"id": "e2", "source": "triage", "target": "end"},
        ],
    }  # fmt: skip


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running_standin(StandIn(answer={"category": "billing", "confidence": 0.95})) as s:
        yield s


def _settings(standin: StandIn | None = None, **ai: Any) -> Settings:
    values: dict[str, Any] = {
        "backoff_seconds": 0.0, "timeout_seconds": 2.0, "max_attempts": 2,
        "price_per_1k_input": 1.0, "price_per_1k_output": 2.0, **ai,
    }  # fmt: skip
    if standin is not None:
        values["base_url"] = standin.base_url
    return Settings.model_validate({"worker_threads": 2, "ai": values})


def _train(db: Engine) -> None:
    texts, labels = support_history(400, seed=11)
    with session_scope(db) as s:
        training.save_model(
            s, workflow_id="triage-ai", field="category",
            text_fields=["subject", "description"], trained=train(texts, labels),
        )  # fmt: skip


def _start(db: Engine, **fields: Any) -> str:
    with session_scope(db) as s:
        case = services.create_case(s, fields=fields, actor="ada", now=T0)
        return services.start_run(
            s, workflow_id="triage-ai", case_id=case.id, actor="ada", now=T0
        ).id


def _drain(db: Engine, settings: Settings, rounds: int = 3) -> None:
    worker = Worker(settings, db)
    for n in range(rounds):
        worker.drain(now=T0 + timedelta(seconds=5 * n))


def _run(db: Engine, run_id: str) -> Any:
    with session_scope(db) as s:
        return services.get_run(s, run_id=run_id)


def _log(db: Engine, run_id: str, kind: str) -> list[Any]:
    with session_scope(db) as s:
        return [e for e in services.read_log(s, run_id=run_id) if e.kind == kind]


def _replays(db: Engine, run_id: str) -> None:
    with session_scope(db) as s:
        run = services.get_run(s, run_id=run_id)
        assert services.replay_run(s, run_id=run_id) == RunState.model_validate(run.state)


def test_a_sure_local_answer_is_accepted_and_the_review_step_skipped(
    db: Engine, install: Any
) -> None:
    install(_flow())
    _train(db)
    run_id = _start(db, subject="Invoice shows the wrong VAT rate",
                    description="Please issue a refund, we were charged twice")  # fmt: skip
    _drain(db, _settings())
    run = _run(db, run_id)
    assert run.status == "completed"
    outputs = run.state["step_outputs"]["classify"]
    assert outputs["category"] == "billing" and outputs["needs_review"] is False
    assert outputs["confidence"] >= 0.8
    assert outputs["ai"]["provider"] == "local" and outputs["ai"]["verdict"] == "accepted"
    assert [e.step_id for e in _log(db, run_id, "step.skipped")] == ["review"]
    (call,) = _log(db, run_id, "ai.call")
    assert call.data["verdict"] == "accepted" and call.data["model"].startswith("local:")
    _replays(db, run_id)


def test_a_low_confidence_answer_goes_to_a_reviewer_who_corrects_it_and_metrics_count_it(
    db: Engine, install: Any
) -> None:
    install(_flow(threshold=0.99))
    _train(db)
    run_id = _start(db, subject="Invoice shows the wrong VAT rate",
                    description="the dashboard shows a blank page")  # fmt: skip
    _drain(db, _settings())
    run = _run(db, run_id)
    outputs = run.state["step_outputs"]["classify"]
    assert outputs["needs_review"] is True and "category" not in outputs
    assert (
        outputs["reason"].startswith("confidence ")
        and "below the threshold 0.99" in (outputs["reason"])
    )
    suggested = outputs["ai_answer"]["category"]
    corrected = next(c for c in CATEGORIES if c != suggested)
    key = run.state["steps"]["review"]["work_item_key"]
    assert key is not None
    with session_scope(db) as s:  # what the reviewer's form is pre-filled with
        suggestion = suggestion_for_item(s, key=key)
    assert suggestion is not None and suggestion["answer"] == {"category": suggested}
    assert (suggestion["ai_step"], suggestion["reason"]) == ("classify", outputs["reason"])
    with session_scope(db) as s:
        services.complete_work_item(s, key=key, data={"category": corrected}, actor="ada", now=T0)
    _drain(db, _settings())
    assert _run(db, run_id).status == "completed"
    with session_scope(db) as s:
        (figures,) = ai_step_metrics(s, workflow_id="triage-ai")
    assert (figures.calls, figures.handed_to_person, figures.handed_share) == (1, 1, 1.0)
    assert (figures.reviewed, figures.changed_by_person, figures.changed_share) == (1, 1, 1.0)
    _replays(db, run_id)


def test_an_answer_outside_the_declared_outputs_is_retried_then_an_incident_names_it(
    db: Engine, install: Any, standin: StandIn
) -> None:
    install(_flow(provider="openai"))
    standin.answer = {"category": "sales", "confidence": 0.99}
    run_id = _start(db, subject="Wrong VAT", description="refund")
    _drain(db, _settings(standin))
    run = _run(db, run_id)
    assert run.status == "incident"
    assert (
        "the answer breaks the declared outputs: category: 'sales' is not one of"
        in (run.state["incident"]["message"])
    )
    calls = _log(db, run_id, "ai.call")
    assert [c.data["verdict"] for c in calls] == ["retried", "retried"]
    assert calls[0].data["raw_answer"] == json.dumps(standin.answer)
    assert len(standin.seen) == 2


def test_a_refused_key_is_an_incident_at_once_naming_the_setting(
    db: Engine, install: Any, standin: StandIn
) -> None:
    install(_flow(provider="openai"))
    standin.then(Reply(status=401))
    run_id = _start(db, subject="Wrong VAT")
    _drain(db, _settings(standin, api_key="sk-secret"))
    run = _run(db, run_id)
    assert run.status == "incident" and "BATON_AI_API_KEY" in run.state["incident"]["message"]
    assert [c.data["verdict"] for c in _log(db, run_id, "ai.call")] == ["failed"]
    assert len(standin.seen) == 1


def test_provider_answers_are_audited_with_cost_and_sensitive_fields_never_leave(
    db: Engine, install: Any, standin: StandIn
) -> None:
    install(_flow(provider="openai", threshold=0.5, model="gpt-audit", into="category->category"))
    run_id = _start(db, subject="Wrong VAT", description="refund please", iban="NL91ABNA0417")
    _drain(db, _settings(standin, api_key="sk-secret"))
    run = _run(db, run_id)
    assert run.status == "completed"
    assert run.state["step_outputs"]["classify"]["category"] == "billing"
    with session_scope(db) as s:  # an accepted answer writes the case field 'into' names
        assert services.get_case(s, case_id=run.case_id).fields["category"] == "billing"
    assert "NL91ABNA0417" not in standin.sent_text() and "iban" not in standin.sent_text()
    assert standin.seen[0]["body"]["model"] == "gpt-audit"
    (call,) = _log(db, run_id, "ai.call")
    assert call.data["withheld"] == ["iban"]
    assert (call.data["tokens_in"], call.data["tokens_out"]) == (120, 30)
    assert call.data["cost"] == pytest.approx(0.18)
    with session_scope(db) as s:  # the day's usage row took the audited cost
        calls, cost = budget.usage(s, workflow_id="triage-ai", day=budget.day_of(T0))
    assert (calls, cost) == (1, pytest.approx(0.18))
    assert call.data["prompt"] is not None and "refund please" in call.data["prompt"]
    assert len(call.data["prompt_sha256"]) == 64 and call.data["latency_ms"] >= 0
    with session_scope(db) as s:
        exported = "".join(export_run_log(s, run_id=run_id, fmt="json"))
    assert '"ai.call"' in exported and "gpt-audit" in exported
    _replays(db, run_id)
    assert len(standin.seen) == 1  # replay read the recorded outputs: no second call


def test_a_sensitive_prompt_is_logged_by_its_hash_only(
    db: Engine, install: Any, standin: StandIn
) -> None:
    install(_flow(provider="openai", threshold=None, sensitive_prompt=True))
    run_id = _start(db, subject="Wrong VAT", description="secret detail")
    _drain(db, _settings(standin))
    (call,) = _log(db, run_id, "ai.call")
    assert call.data["prompt"] is None and len(call.data["prompt_sha256"]) == 64
    assert "secret detail" not in json.dumps(call.data)


def test_the_daily_budget_stops_calls_with_a_clear_incident(
    db: Engine, install: Any, standin: StandIn
) -> None:
    install(_flow(provider="openai"))
    with session_scope(db) as s:
        budget.set_budget(s, workflow_id="triage-ai", max_calls=1, max_cost=None, now=T0)
    first, second = _start(db, subject="Wrong VAT"), _start(db, subject="Also VAT")
    _drain(db, _settings(standin))
    statuses = sorted(_run(db, r).status for r in (first, second))
    assert statuses == ["completed", "incident"]
    stopped = next(r for r in (first, second) if _run(db, r).status == "incident")
    message = _run(db, stopped).state["incident"]["message"]
    assert "the AI budget of workflow 'triage-ai' is spent: 1 of 1 calls on 2026-01-05" in message
    assert len(standin.seen) == 1  # the refused call was never sent
    with session_scope(db) as s:
        verdicts = sorted(c.verdict for c in s.exec(select(AiCallRow)))
        (figures,) = ai_step_metrics(s, workflow_id="triage-ai")
    assert verdicts == ["accepted", "refused_budget"]
    assert (figures.calls, figures.refused_by_budget) == (1, 1)


def test_without_a_trained_model_the_local_step_hands_over_saying_how_to_train(
    db: Engine, install: Any
) -> None:
    install(_flow())
    run_id = _start(db, subject="Wrong VAT")
    _drain(db, _settings())
    outputs = _run(db, run_id).state["step_outputs"]["classify"]
    assert outputs["needs_review"] is True
    assert "baton ai train --workflow triage-ai --field category" in outputs["reason"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(content='{"category": '), "the answer is not JSON"),
        (Reply(status=500), "the provider answered 500"),
        (Reply(status=429, headers={"Retry-After": "0"}), "the provider answered 429"),
        (Reply(size=300_000), "oversized"),
        (Reply(delay=1.0), "(timeout)"),
    ],
    ids=["malformed", "500", "429", "oversized", "timeout"],
)
def test_each_bad_provider_answer_ends_as_an_incident_with_its_reason_and_writes_nothing(
    db: Engine, install: Any, standin: StandIn, reply: Reply, reason: str
) -> None:
    install(_flow(provider="openai", into="category->category"))
    standin.then(*[reply] * 4)  # every try of both attempts
    run_id = _start(db, subject="Wrong VAT")
    _drain(db, _settings(standin, timeout_seconds=0.3, max_answer_bytes=64 * 1024))
    run = _run(db, run_id)
    assert run.status == "incident" and reason in run.state["incident"]["message"]
    calls = _log(db, run_id, "ai.call")
    assert len(calls) == 2 and all(reason in c.data["reason"] for c in calls)
    assert [c.data["verdict"] for c in calls] == ["retried", "retried"]
    with session_scope(db) as s:
        assert "category" not in services.get_case(s, case_id=run.case_id).fields
        assert "classify" not in services.get_run(s, run_id=run_id).state["step_outputs"]


def test_a_local_call_that_dies_midway_leaves_no_call_counted_and_one_that_answers_commits_once(
    db: Engine, install: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(_flow())
    _train(db)
    run_id = _start(db, subject="Invoice shows the wrong VAT rate", description="refund")
    settings = _settings().ai
    step = ai_step.AiStep(
        task="classify", fields=["subject", "description"], outputs=OUTPUTS,
        confidence_threshold=0.8, provider="local", model=None, label_field=None,
        instructions="", sensitive_prompt=False,
    )  # fmt: skip

    def call() -> ai_step.StepAnswer:
        return ai_step.run_ai_step(
            db, settings, step, run_id=run_id, step_id="classify", attempt=1,
            case={"subject": "Invoice shows the wrong VAT rate", "description": "refund"},
            now=T0, idempotency_key=f"{run_id}:classify:1",
        )  # fmt: skip

    def dies(*_: Any) -> Any:
        raise RuntimeError("the worker died while the classifier ran")

    with monkeypatch.context() as patched:
        patched.setattr(ai_step, "_local", dies)
        with pytest.raises(RuntimeError):
            call()
    # Nothing was sent anywhere: no pending call is left to count against the budget.
    with session_scope(db) as s:
        assert s.exec(select(AiCallRow)).all() == []
        assert budget.usage(s, workflow_id="triage-ai", day=budget.day_of(T0)) == (0, 0.0)
    commits: list[int] = []

    def count(*_: Any) -> None:
        commits.append(1)

    event.listen(db, "commit", count)
    try:
        answer = call()
    finally:
        event.remove(db, "commit", count)
    assert answer.audit["provider"] == "local"
    assert len(commits) == 1  # reserved, answered and audited together
    (row,) = _calls(db)
    assert row.verdict == answer.verdict.verdict
    assert [line.data["call_id"] for line in _log(db, run_id, "ai.call")] == [row.id]


def _calls(db: Engine) -> list[AiCallRow]:
    with session_scope(db) as s:
        return list(s.exec(select(AiCallRow)).all())
