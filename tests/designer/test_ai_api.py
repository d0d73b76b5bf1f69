"""The AI API: budgets, classifiers, figures and the provider's settings; bad input is a 4xx
that changes nothing, and the key never leaves the server."""

from __future__ import annotations

from typing import Any

from designer_helpers import Api, error_of
from flask import Flask
from flask.testing import FlaskClient

from designer.extensions import state
from runtime.ai import training
from runtime.ai.local import train
from runtime.db import session_scope
from runtime.demo.ai_training import support_history


def test_a_budget_is_set_read_and_refused_when_malformed(
    api: Api, client: FlaskClient, tiny: dict[str, Any]
) -> None:
    api.created(tiny)
    assert client.get("/api/ai/budgets/tiny").json["max_calls"] is None
    put = client.put("/api/ai/budgets/tiny", json={"max_calls": 50, "max_cost": 2.5})
    assert put.status_code == 200
    assert (put.json["max_calls"], put.json["max_cost"], put.json["calls_today"]) == (50, 2.5, 0)
    assert "max_calls" in error_of(client.put("/api/ai/budgets/tiny", json={"max_calls": -1}),
                                   400)["message"]  # fmt: skip
    assert client.put("/api/ai/budgets/tiny", json={"calls": 3}).status_code == 400
    assert client.put("/api/ai/budgets/ghost", json={"max_calls": 3}).status_code == 404
    assert client.get("/api/ai/budgets/tiny").json["max_calls"] == 50


def test_training_with_too_few_cases_is_a_400_naming_the_field(
    api: Api, client: FlaskClient, tiny: dict[str, Any]
) -> None:
    api.created(tiny)
    refused = client.post("/api/ai/models", json={"workflow_id": "tiny", "field": "category"})
    assert "cannot train tiny.category" in error_of(refused, 400)["message"]
    assert client.get("/api/ai/models").json["models"] == []
    assert (
        client.post("/api/ai/models", json={"workflow_id": "ghost", "field": "c"}).status_code
        == 404
    )


def test_models_list_their_training_figures(app: Flask, client: FlaskClient) -> None:
    texts, labels = support_history(100, seed=4)
    with session_scope(state(app).engine) as s:
        training.save_model(s, workflow_id="w", field="category", text_fields=["subject"],
                            trained=train(texts, labels))  # fmt: skip
    (model,) = client.get("/api/ai/models?workflow_id=w").json["models"]
    assert (model["version"], model["cases_used"], model["held_out"]) == (1, 100, 20)
    assert model["accuracy"] > 0.8 and "blob" not in model


def test_the_provider_settings_never_show_the_key(make_app: Any) -> None:
    app = make_app(ai={"base_url": "http://127.0.0.1:9/v1", "api_key": "sk-do-not-show"})
    response = app.test_client().get("/api/ai/provider")
    assert response.json["api_key_set"] is True and response.json["configured"] is True
    assert "sk-do-not-show" not in response.get_data(as_text=True)


def test_metrics_and_suggestions_answer_for_nothing_yet(client: FlaskClient) -> None:
    assert client.get("/api/ai/metrics").json == {"steps": []}
    assert client.get("/api/ai/work-items/nope/suggestion").status_code == 404
