"""The factory, Socket.IO binding, request-scoped sessions, and the app's CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from designer_helpers import Api, error_of, tiny_document
from flask import Flask
from sqlmodel import Session, select

from designer.app import create_app
from designer.auth.policy import DESIGNERS, POLICY, allow
from designer.cli import cli
from designer.extensions import db_session, socketio, state
from graphs.examples import example_names
from graphs.model import Workflow
from runtime.errors import HasVersions
from runtime.services import workflows as service
from runtime.settings import Settings
from runtime.store.workflow_tables import WorkflowRow, WorkflowVersionRow


def test_debug_is_off_and_limits_come_from_settings(make_app: Any) -> None:
    app: Flask = make_app(max_upload_bytes=1234, secret_key="s3cret")
    assert app.debug is False
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
    assert app.config["SECRET_KEY"] == "s3cret"


def test_production_refuses_the_default_secret_key(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, instance_path=tmp_path, env="production")  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match="BATON_SECRET_KEY"):
        create_app(settings)


def test_one_engine_per_app_on_the_configured_database(make_app: Any, tmp_path: Path) -> None:
    app: Flask = make_app()
    engine = state(app).engine
    assert str(engine.url).endswith(str(tmp_path / "instance" / "baton.db"))
    client = app.test_client()
    client.get("/api/workflows")
    client.get("/api/health")
    assert state(app).engine is engine


def test_socketio_is_bound_in_threading_mode(app: Flask) -> None:
    import simple_websocket  # noqa: F401  (the WebSocket transport of threading mode)

    assert socketio.server is not None
    assert socketio.server.eio.async_mode == "threading"
    # A connection needs an account: the signed-in test client's session cookie.
    anonymous = app.test_client(user=None)  # type: ignore[call-arg]
    assert not socketio.test_client(app, flask_test_client=anonymous).is_connected()
    client = socketio.test_client(app, flask_test_client=app.test_client())
    assert client.is_connected()
    client.disconnect()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [(HasVersions("tiny", 1), 409, "has_versions"), (RuntimeError("bug"), 500, "internal_error")],
)
def test_a_request_that_fails_after_writing_changes_nothing(
    app: Flask, error: Exception, status: int, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def write_then_fail() -> None:
        workflow = Workflow.model_validate(tiny_document())
        service.create_workflow(session=db_session(), workflow=workflow)
        raise error

    app.add_url_rule("/api/test-write-then-fail", "write_then_fail", write_then_fail)
    monkeypatch.setitem(POLICY, "write_then_fail", allow(DESIGNERS))
    response = app.test_client().get("/api/test-write-then-fail")
    assert error_of(response, status)["code"] == code
    with Session(state(app).engine) as session:
        assert session.exec(select(WorkflowRow)).all() == []


def test_a_model_refusing_data_inside_a_route_is_a_400_with_paths(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build() -> None:
        Workflow.model_validate({"id": "w", "name": "W", "nodes": [{"kind": "end"}]})

    app.add_url_rule("/api/test-build", "build", build)
    monkeypatch.setitem(POLICY, "build", allow(DESIGNERS))
    error = error_of(app.test_client().get("/api/test-build"), 400)
    assert error["code"] == "invalid_body"
    assert [e["path"] for e in error["details"]["errors"]] == ["nodes[0].end.id"]


def test_work_of_a_successful_request_is_committed(app: Flask, api: Api) -> None:
    api.created(tiny_document())
    with Session(state(app).engine) as session:
        assert session.get(WorkflowRow, "tiny") is not None


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "BATON_INSTANCE_PATH": str(tmp_path / "inst"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'inst' / 'baton.db'}",
        "BATON_REDIS_URL": "",
    }


def test_run_refuses_production_with_the_default_secret(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "BATON_ENV": "production"}
    result = CliRunner().invoke(cli, ["run"], env=env)
    assert result.exit_code == 1
    assert "BATON_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def test_load_examples_command(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["load-examples"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    for name in example_names():
        assert name in result.output
    again = runner.invoke(cli, ["load-examples"], env=_env(tmp_path))
    assert again.exit_code == 0
    assert "nothing to do" in again.output


def test_run_migrates_seeds_examples_and_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    class FakeServer:
        """gunicorn as far as ``baton run`` sees it: serves, runs ``in_worker`` there."""

        def __init__(self, app: Flask, **kwargs: Any) -> None:
            calls.append({"app": app, **kwargs})

        def run(self) -> None:
            stop = calls[-1]["in_worker"]()  # in the worker process, before serving
            stop()  # as the worker process ends

    workers: list[FakeWorker] = []

    class FakeWorker:
        def __init__(self, settings: Settings, engine: Any, **options: Any) -> None:
            assert options.get("publisher") is not None, "run updates must reach the stream"
            self.events = ["created"]
            workers.append(self)

        def start(self) -> None:
            self.events.append("started")

        def stop(self) -> None:
            self.events.append("stopped")

    monkeypatch.setattr("designer.serving.BatonServer", FakeServer)
    monkeypatch.setattr("runtime.executor.Worker", FakeWorker)
    result = CliRunner().invoke(cli, ["run", "--port", "5099"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:5099/" in result.output
    assert [w.events for w in workers] == [["created", "started", "stopped"]]
    (call,) = calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 5099)
    assert (tmp_path / "inst").is_dir()
    with Session(state(call["app"]).engine) as session:
        versions = session.exec(select(WorkflowVersionRow)).all()
        workflows = session.exec(select(WorkflowRow)).all()
    assert sorted(v.workflow_id for v in versions) == sorted(w.id for w in workflows)
    assert len(workflows) == len(example_names())
    assert all(w.active_version == 1 for w in workflows)

    # A second start leaves the store alone.
    second = CliRunner().invoke(
        cli, ["run", "--host", "0.0.0.0", "--no-worker"], env=_env(tmp_path)
    )
    assert second.exit_code == 0
    assert len(workers) == 1
    assert "Loaded" not in second.output
    assert "http://127.0.0.1:5000/" in second.output


def test_changes_from_another_origin_are_refused(api: Api, client: Any) -> None:
    api.created(tiny_document())
    api.publish("tiny", 1)
    evil = {"Origin": "https://evil.example"}
    error = error_of(client.post("/api/workflows/tiny/versions/1/activate", headers=evil), 403)
    assert error["code"] == "cross_origin_request"
    assert error_of(client.delete("/api/workflows/tiny", headers=evil), 403)
    assert api.get("tiny").get_json()["active_version"] is None
    # Reading is fine from anywhere the browser allows; our own pages may change things.
    assert client.get("/api/workflows/tiny", headers=evil).status_code == 200
    own = {"Origin": "http://localhost"}
    response = client.post("/api/workflows/tiny/versions/1/activate", headers=own)
    assert response.get_json() == {"active_version": 1, "trigger_overlaps": []}
