"""Helpers for the live-stream and runs API tests: a looping workflow, a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from graphs.model import Workflow
from runtime.accounts import service as accounts
from runtime.db import session_scope
from runtime.services.workflows import install_examples

__all__ = ["api_token", "install", "review_loop", "serve"]


def review_loop(workflow_id: str = "review-loop") -> dict[str, Any]:
    """start -> Review (a work item) -> Approved? -- yes --> Done; -- no: go to Review.

    The decision reads the reviewer's verdict, so each rework loops once more; a second
    stage, Publish, waits for the case's ``ready`` field (its entry condition).
    """
    return {
        "id": workflow_id,
        "name": "Review loop",
        "case_schema": [
            {"name": "subject", "label": "Subject", "type": "string", "required": True},
            {"name": "ready", "label": "Ready", "type": "boolean"},
            {"name": "note", "label": "Note", "type": "string"},
        ],
        "trigger": {"kind": "record", "on": "create"},
        "nodes": [
            {"id": "start", "kind": "start", "name": "Start", "position": {"x": 0, "y": 100}},
            {
                "id": "review",
                "kind": "stage",
                "name": "Review",
                "position": {"x": 240, "y": 60},
                "owner": "reviewers",
                "sla": {"target_minutes": 60, "warning_minutes": 45},
                "steps": [
                    {
                        "id": "check",
                        "kind": "interactive",
                        "name": "Check the request",
                        "assignment": {"queue": "reviewers"},
                        "form": [
                            {
                                "name": "verdict",
                                "label": "Verdict",
                                "type": "picklist",
                                "values": ["approve", "rework"],
                                "required": True,
                            }
                        ],
                    }
                ],
            },
            {
                "id": "approved",
                "kind": "decision",
                "name": "Approved?",
                "position": {"x": 560, "y": 100},
                "outcomes": [
                    {
                        "id": "yes",
                        "label": "Approved",
                        "condition": {
                            "kind": "group",
                            "match": "all",
                            "rules": [
                                {"kind": "rule", "field": "step.check.verdict", "op": "eq",
                                 "value": "approve"}
                            ],
                        },
                    }
                ],
                "default_outcome": {"id": "no", "label": "Rework"},
            },
            {
                "id": "publish",
                "kind": "stage",
                "name": "Publish",
                "position": {"x": 860, "y": 60},
                "entry_condition": {
                    "kind": "group",
                    "match": "all",
                    "rules": [{"kind": "rule", "field": "case.ready", "op": "eq", "value": True}],
                },
                "steps": [
                    {
                        "id": "mark",
                        "kind": "background",
                        "name": "Mark published",
                        "action": "set_fields",
                        "inputs": {"note": {"type": "string", "value": "published"}},
                    }
                ],
            },
            {"id": "done", "kind": "end", "name": "Done", "position": {"x": 1180, "y": 100}},
        ],
        "edges": [
            {"id": "start-review", "source": "start", "target": "review"},
            {"id": "review-approved", "source": "review", "target": "approved"},
            {"id": "approved-yes", "source": "approved", "target": "publish",
             "kind": "outcome", "outcome": "yes"},
            {"id": "approved-no", "source": "approved", "target": "review",
             "kind": "goto", "outcome": "no"},
            {"id": "publish-done", "source": "publish", "target": "done"},
        ],
    }  # fmt: skip


def install(engine: Engine, document: dict[str, Any] | None = None) -> str:
    """Store, publish and activate a workflow (the review loop by default); its id."""
    workflow = Workflow.model_validate(document or review_loop())
    with session_scope(engine) as session:
        install_examples(session=session, workflows=[workflow], only_if_empty=False)
    return workflow.id


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` (Socket.IO included) on a free loopback port; yields its base URL.

    Werkzeug's threaded server, in this process, so a test can share the app's database
    and settings; ``baton run`` serves through gunicorn (``tests/designer/test_server.py``).
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def api_token(engine: Engine, username: str = "live-admin", role: str = "admin") -> str:
    """An API token of a (new) account with ``role``, for Socket.IO connections."""
    with session_scope(engine) as session:
        accounts.create_account(session, username=username, role=role, actor="test")
        return accounts.create_token(session, username=username, name="live", actor="test").token
