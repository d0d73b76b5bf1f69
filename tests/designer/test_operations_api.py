"""What the web app tells operators: readiness (``/api/ready``) and Prometheus ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from live_support import api_token
from prometheus_client.parser import text_string_to_metric_families

from designer.extensions import BatonState, state


def test_ready_when_the_database_answers(app: Flask) -> None:
    response = app.test_client(user=None).get("/api/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}


def test_not_ready_when_the_database_does_not_answer(make_app: Callable[..., Flask]) -> None:
    app = make_app(
        {"BATON_MIGRATE": False},
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    )
    try:
        response = app.test_client(user=None).get("/api/ready")
        assert response.status_code == 503
        assert response.json["status"] == "not ready"
        assert "database does not answer" in response.json["checks"]["database"]
        assert app.test_client(user=None).get("/api/health").status_code == 200  # alive
    finally:
        state(app).engine.dispose()


def test_not_ready_when_redis_is_set_and_does_not_answer(app: Flask) -> None:
    baton = state(app)
    # Only the readiness check reads the URL here; Socket.IO was bound without Redis.
    settings = baton.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    BatonState(settings=settings, engine=baton.engine).attach(app)
    response = app.test_client(user=None).get("/api/ready")
    assert response.status_code == 503
    checks: dict[str, Any] = response.json["checks"]
    assert checks["database"] == "ok" and "broker does not answer" in checks["redis"]


def test_metrics_are_for_readers_with_a_token(app: Flask) -> None:
    anonymous = app.test_client(user=None).get("/metrics")
    assert anonymous.status_code == 401
    token = api_token(state(app).engine, "prometheus", role="viewer")
    response = app.test_client(user=None).get(
        "/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "baton_store_up", "baton_outbox_depth", "baton_outbox_lag_seconds", "baton_timers_due",
        "baton_timer_lag_seconds", "baton_work_items_waiting", "baton_worker_processes",
        "baton_worker_heartbeat_age_seconds", "baton_step_duration_seconds",
    } <= names  # fmt: skip
    agent = app.test_client(user="an-agent", role="agent").get("/metrics")
    assert agent.status_code == 403
