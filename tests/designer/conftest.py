"""A fresh app and SQLite database per test, a client, and helpers for repeated calls."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from designer_helpers import Api, tiny_document
from flask import Flask
from flask.testing import FlaskClient

from designer.app import create_app
from designer.auth.testing import SignedInClient
from runtime.settings import Settings


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build an app on a fresh SQLite file; keyword arguments override settings."""

    def build(config: dict[str, Any] | None = None, **settings: Any) -> Flask:
        instance = tmp_path / "instance"
        # Explicit, so that a DATABASE_URL in the environment never points tests elsewhere.
        values: dict[str, Any] = {
            "instance_path": instance,
            "database_url": f"sqlite:///{instance / 'baton.db'}",
            "redis_url": None,
            "load_examples": False,
        }
        values.update(settings)
        spa = tmp_path / "no-build"
        overrides = {"TESTING": True, "BATON_SPA_DIR": str(spa), **(config or {})}
        application = create_app(Settings(_env_file=None, **values), **overrides)  # type: ignore[call-arg]
        # app.test_client() is signed in as an admin; test_client(user=None) is anonymous.
        application.test_client_class = SignedInClient
        return application

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    application = make_app()
    yield application
    from designer.extensions import state

    state(application).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def tiny() -> dict[str, Any]:
    return copy.deepcopy(tiny_document())
