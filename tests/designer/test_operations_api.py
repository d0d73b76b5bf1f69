"""What the web app tells operators: readiness (``/api/ready``), Prometheus metrics."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from live_support import api_token
from prometheus_client.parser import text_string_to_metric_families

from designer.extensions import BatonState, state

REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL")


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


def _with_redis(app: Flask, url: str) -> None:
    """Give the readiness check a Redis URL (Socket.IO stays bound without a queue)."""
    baton = state(app)
    settings = baton.settings.model_copy(update={"redis_url": url})
    BatonState(settings=settings, engine=baton.engine).attach(app)


@pytest.mark.skipif(not REDIS_URL, reason="needs BATON_TEST_REDIS_URL (with-services.sh)")
def test_ready_when_redis_is_set_and_answers(app: Flask) -> None:
    _with_redis(app, str(REDIS_URL))
    response = app.test_client(user=None).get("/api/ready")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_not_ready_when_redis_is_set_and_does_not_answer(app: Flask) -> None:
    _with_redis(app, "redis://127.0.0.1:1/0")
    response = app.test_client(user=None).get("/api/ready")
    assert response.status_code == 503
    checks: dict[str, Any] = response.json["checks"]
    assert checks["database"] == "ok" and "broker does not answer" in checks["redis"]


def test_metrics_are_for_readers_with_a_token(app: Flask) -> None:
    anonymous = app.test_client(user=None).get("/api/metrics/prometheus")
    assert anonymous.status_code == 401
    token = api_token(state(app).engine, "prometheus", role="viewer")
    response = app.test_client(user=None).get(
        "/api/metrics/prometheus", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "baton_store_up", "baton_outbox_depth", "baton_outbox_lag_seconds", "baton_timers_due",
        "baton_timer_lag_seconds", "baton_work_items_waiting", "baton_worker_processes",
        "baton_worker_heartbeat_age_seconds", "baton_step_duration_seconds",
    } <= names  # fmt: skip
    agent = app.test_client(user="an-agent", role="agent").get("/api/metrics/prometheus")
    assert agent.status_code == 403
