"""Baton's embedded classifier: trained on generated cases with a known accuracy, and from a
workflow's resolved cases in the store, versioned."""

from __future__ import annotations

import random
from typing import Any

import pytest
from runtime_flows import T0
from sqlalchemy.engine import Engine
from sqlmodel import col, update

from runtime import services
from runtime.ai import training
from runtime.ai.local import Classifier, TooFewCases, train
from runtime.db import session_scope
from runtime.demo.ai_training import CATEGORIES, support_history
from runtime.store.tables import RunRow


def test_on_cases_with_3_percent_wrong_labels_held_back_accuracy_is_near_97_percent() -> None:
    texts, labels = support_history(1000, seed=5, noise=0.03)
    trained = train(texts, labels)
    assert trained.held_out == 200 and trained.cases_used == 1000
    assert trained.accuracy is not None and 0.9 <= trained.accuracy <= 1.0
    classifier = Classifier.load(trained.blob)
    assert classifier.labels == list(CATEGORIES)
    assert classifier.predict("Cannot reset my password, the reset email never arrives")[0] == (
        "account_access"
    )


def test_labels_unrelated_to_the_text_give_chance_accuracy() -> None:
    # The figure measures something: shuffled labels cannot be learnt.
    texts, labels = support_history(1000, seed=5, noise=0.0)
    random.Random(1).shuffle(labels)
    trained = train(texts, labels)
    assert trained.accuracy is not None and trained.accuracy < 0.4


def test_too_few_cases_or_a_single_label_teach_nothing() -> None:
    with pytest.raises(TooFewCases, match="at least 10"):
        train(["a"] * 5, ["x"] * 5)
    with pytest.raises(TooFewCases, match="nothing to tell apart"):
        train(["a b c"] * 20, ["x"] * 20)


def _resolved_case(db: Engine, install: Any, fields: dict[str, Any], *, done: bool) -> None:
    with session_scope(db) as s:
        case = services.create_case(s, fields=fields, actor="ada", now=T0)
        run = services.start_run(s, workflow_id="wf", case_id=case.id, actor="ada", now=T0)
        if done:
            s.exec(update(RunRow).where(col(RunRow.id) == run.id).values(status="completed"))


def test_baton_trains_from_the_workflows_resolved_cases_and_keeps_versions(
    db: Engine, install: Any
) -> None:
    install({
        "id": "wf", "name": "wf",
        "nodes": [{"id": "start", "kind": "start"},
                  {"id": "s", "kind": "stage", "steps": [
                      {"id": "t", "kind": "interactive", "form": []}]},
                  {"id": "end", "kind": "end"}],
        "edges": [{"id": "e1", "source": "start", "target": "s"},
                  {"id": "e2", "source": "s", "target": "end"}],
    })  # fmt: skip
    texts, labels = support_history(60, seed=2, noise=0.0)
    for text, label in zip(texts, labels, strict=True):
        subject, _, rest = text.partition(". ")
        _resolved_case(db, install, {"subject": subject, "description": rest,
                                     "category": label}, done=True)  # fmt: skip
    # Open cases and cases without the field are not the organisation's decisions yet.
    _resolved_case(db, install, {"subject": "Portal is down", "category": "billing"}, done=False)
    _resolved_case(db, install, {"subject": "Refund not received"}, done=True)
    with session_scope(db) as s:
        first = training.train_workflow(s, workflow_id="wf", field="category")
        second = training.train_workflow(s, workflow_id="wf", field="category")
    assert (first.version, second.version) == (1, 2)
    assert first.cases_used == 60 and first.held_out == 12
    assert first.labels == list(CATEGORIES)
    with session_scope(db) as s:
        found = training.classifier_for(s, workflow_id="wf", field="category")
        assert found is not None and found[1].version == 2
        assert found[0].predict("We were charged twice this month")[0] == "billing"
        assert [m.version for m in training.list_models(s, workflow_id="wf")] == [2, 1]
        with pytest.raises(TooFewCases):
            training.train_workflow(s, workflow_id="wf", field="priority")
