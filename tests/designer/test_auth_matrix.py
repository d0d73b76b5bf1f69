"""The authorisation matrix: every endpoint of the app x every role (and anonymous).

:data:`EXPECTED` is the specification, written here apart from the policy table: who
may call each endpoint. The tests read the endpoints from the app's own URL map, so a
new route fails until it has both a rule in ``designer/auth/policy.py`` and a line
here; then every endpoint x method x role is called and must be refused (401/403) or
let through exactly as specified. The same for Socket.IO rooms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, text
from werkzeug.routing import Rule as UrlRule

from designer.app import create_app
from designer.auth.policy import POLICY, ROOMS
from designer.auth.testing import SignedInClient
from designer.extensions import socketio, state
from runtime.db import session_scope
from runtime.settings import Settings
from runtime.store.routing_tables import AgentRow
from runtime.store.tables import CaseRow, RunRow, WorkItemRow

ROLES = ("admin", "supervisor", "agent", "viewer")

# Who may call what. "+own": agents too, for what is theirs (their work items, the
# cases and runs behind them, their agent record and inbox, lists filtered to them).
CATEGORIES: dict[str, tuple[frozenset[str], bool]] = {
    "public": (frozenset(ROLES), False),
    "everyone": (frozenset(ROLES), False),
    "person": (frozenset(ROLES), False),
    "readers": (frozenset({"admin", "supervisor", "viewer"}), False),
    "readers+own": (frozenset({"admin", "supervisor", "viewer"}), True),
    "operators": (frozenset({"admin", "supervisor"}), False),
    "operators+own": (frozenset({"admin", "supervisor"}), True),
    "admin": (frozenset({"admin"}), False),
    "admin+own": (frozenset({"admin"}), True),
}

EXPECTED: dict[str, str] = {
    # the page shell, health, signing in and out
    "spa.index": "public",
    "spa.page_or_file": "public",
    "meta.health": "public",
    "meta.ready": "public",
    "session.get_session": "public",
    "session.login": "public",
    "session.logout": "public",
    "session.change_password": "person",
    "meta.schema": "everyone",
    "meta.actions": "everyone",
    "meta.openapi": "everyone",
    # what the canvas offers while a workflow is drawn
    "design_aids.workflow_data_flow": "admin",
    "design_aids.demo_service_addresses": "admin",
    # accounts and tokens
    "accounts.list_accounts": "admin",
    "accounts.create_account": "admin",
    "accounts.get_account": "admin",
    "accounts.update_account": "admin",
    "accounts.set_password": "admin",
    "accounts.list_tokens": "admin",
    "accounts.create_token": "admin",
    "accounts.revoke_token": "admin",
    # designing: admins; reading definitions: everyone (the case page draws them)
    "workflows.list_workflows": "everyone",
    "workflows.get_workflow": "everyone",
    "workflows.list_versions": "everyone",
    "workflows.get_version": "everyone",
    "workflows.diff": "everyone",
    "workflows.export_workflow": "everyone",
    "workflows.validate_workflow": "everyone",
    "workflows.create_workflow": "admin",
    "workflows.import_workflow": "admin",
    "interop.preview_import": "admin",
    "workflows.save_draft": "admin",
    "workflows.delete_workflow": "admin",
    "workflows.publish": "admin",
    "workflows.activate": "admin",
    "whatif.run_whatif": "admin",
    # runs and cases: supervisors act, agents see and work their own, viewers read
    "runs.list_runs": "readers+own",
    "runs.get_run": "readers+own",
    "runs.read_log": "readers+own",
    "runs.export_run": "readers+own",
    "runs.export_workflow_runs": "readers",
    "runs.start_run": "operators",
    "runs.pause": "operators",
    "runs.resume": "operators",
    "runs.cancel": "operators",
    "runs.retry": "operators",
    "runs.skip": "operators",
    "cases.create_case": "operators",
    "cases.start_preview": "operators",
    "cases.trigger_overlaps": "everyone",
    "cases.get_case": "readers+own",
    "cases.case_changes": "readers+own",
    "cases.update_case": "operators+own",
    "cases.list_work_items": "readers+own",
    "cases.get_work_item": "readers+own",
    "cases.complete_work_item": "operators+own",
    "cases.reassign_work_item": "operators",
    "monitor.workflow_monitor": "readers",
    "monitor.bulk": "operators",
    # routing: admins manage agents, queues, skills, calendars; agents their own inbox
    "agents.routing_options": "everyone",
    "agents.list_skills": "everyone",
    "agents.save_skill": "admin",
    "agents.delete_skill": "admin",
    "agents.list_agents": "readers",
    "agents.get_agent": "readers+own",
    "agents.save_agent": "admin",
    "agents.delete_agent": "admin",
    "agents.set_availability": "operators+own",
    "agents.inbox": "readers+own",
    "agents.pull": "admin+own",
    "agents.agent_assignments": "readers+own",
    "agents.list_queues": "everyone",
    "agents.save_queue": "admin",
    "agents.delete_queue": "admin",
    "agents.list_calendars": "everyone",
    "agents.holiday_countries": "everyone",
    "agents.save_calendar": "admin",
    "agents.delete_calendar": "admin",
    "agents.reassign": "operators",
    "agents.item_assignments": "readers+own",
    "metrics.metrics": "readers",
    "prometheus.metrics": "readers",
    # the Salesforce connection: its settings are the admin's
    "salesforce.connection": "readers",
    "salesforce.test_connection": "admin",
    "salesforce.sobject_fields": "admin",
    "salesforce.sync_now": "admin",
    # AI steps: figures read like metrics; training and budgets are the admin's
    "ai.metrics": "readers",
    "ai.list_models": "readers",
    "ai.train_model": "admin",
    "ai.get_budget": "readers",
    "ai.set_budget": "admin",
    "ai.provider": "readers",
    "ai.suggestion": "readers+own",
    # moving running cases to another version: supervisors see the impact, admins move
    "versions.migration_impact": "operators",
    "versions.start_migration": "admin",
    "versions.list_migrations": "operators",
    "versions.get_migration": "operators",
}

ROOM_EXPECTED: dict[str, str] = {
    "run": "readers+own",
    "workflow": "readers",
    "agent": "readers+own",
}

AGENT_ID = "agent-a"
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    root = tmp_path_factory.mktemp("matrix")
    settings = Settings(
        _env_file=None, instance_path=root, database_url=f"sqlite:///{root / 'baton.db'}",
        redis_url=None, load_examples=False,
    )
    application = create_app(settings, TESTING=True, BATON_SPA_DIR=str(root / "no-build"))
    application.test_client_class = SignedInClient
    with session_scope(state(application).engine) as session:
        session.add(AgentRow(id=AGENT_ID, name="Agent A"))
        session.add(AgentRow(id="agent-b", name="Agent B"))
    yield application
    state(application).engine.dispose()


def _client(app: Flask, role: str | None) -> SignedInClient:
    if role is None:
        return SignedInClient(app, app.response_class, user=None)
    agent = AGENT_ID if role == "agent" else None
    return SignedInClient(app, app.response_class, user=f"matrix-{role}", role=role,
                          agent_id=agent)


def _url(rule: UrlRule) -> str:
    """The rule's path with a value for each argument that names nothing that exists."""
    return _ARGUMENT.sub(lambda m: "987654" if m.group(1) == "int" else "nope", rule.rule)


def _calls(app: Flask) -> list[tuple[str, str, str]]:
    calls = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            calls.append((rule.endpoint, method, _url(rule)))
    return sorted(calls)


def test_every_endpoint_has_a_rule_and_an_expectation(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(POLICY) == set(), "endpoints without a rule in designer/auth/policy.py"
    assert endpoints - set(EXPECTED) == set(), "endpoints without an expectation in this test"
    assert set(POLICY) - endpoints == set(), "rules for endpoints that do not exist"
    assert set(EXPECTED) - endpoints == set(), "expectations for endpoints that do not exist"


def _expected(category: str, role: str | None) -> str:
    """"ok" (let through), 401 or 403 for ``role`` under ``category``."""
    roles, _ = CATEGORIES[category]
    if role is None:
        return "ok" if category == "public" else "401"
    # Agents reach "+own" endpoints only for what is theirs; the matrix names things
    # that do not exist, which are nobody's, so they are refused like any other role.
    return "ok" if role in roles else "403"


def _dump(app: Flask) -> list[str]:
    engine = state(app).engine
    # Every call signs a fresh client in (and may sign it out): sessions come and go.
    tables = sorted(set(inspect(engine).get_table_names()) - {"login_session"})
    with engine.connect() as conn:
        return [
            f"{table}: {row!r}"
            for table in tables
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        ]


@pytest.mark.parametrize("role", [None, *ROLES], ids=["anonymous", *ROLES])
def test_the_matrix(app: Flask, role: str | None) -> None:
    _client(app, role)  # the account exists before the snapshot
    before = _dump(app)
    wrong = []
    for endpoint, method, url in _calls(app):
        expected = _expected(EXPECTED[endpoint], role)
        client = _client(app, role)  # fresh: a sign-out must not leak into the next call
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        response = client.open(url, method=method, json=body)
        status = response.status_code
        got = "401" if status == 401 else "403" if status == 403 else "ok"
        if got != expected:
            wrong.append(f"{method} {url} ({endpoint}): expected {expected}, got {status}")
        if status in (401, 403):
            assert response.json is not None and response.json["error"]["message"], url
    assert wrong == []
    if role in (None, "viewer", "agent"):
        # Everything these roles may call only reads, and every refusal changes nothing.
        assert _dump(app) == before


def test_a_route_without_a_rule_is_refused_to_everyone(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, instance_path=tmp_path, database_url=f"sqlite:///{tmp_path / 'b.db'}",
        redis_url=None, load_examples=False,
    )
    app = create_app(settings, TESTING=True)
    app.test_client_class = SignedInClient
    app.add_url_rule("/api/forgotten", "forgotten", lambda: {"secret": 1})
    response = app.test_client().get("/api/forgotten")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "no_access_rule"
    assert "forgotten" in response.json["error"]["message"]
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(POLICY) == {"forgotten"}  # and the coverage test above would fail
    state(app).engine.dispose()


def test_policy_agrees_with_the_expectations() -> None:
    for endpoint, category in EXPECTED.items():
        roles, own = CATEGORIES[category]
        rule = POLICY[endpoint]
        assert rule.is_public == (category == "public"), endpoint
        if not rule.is_public:
            assert {r.value for r in rule.roles} == roles, endpoint
            assert (rule.agent is not None) == own, endpoint
        assert rule.token_allowed == (category != "person"), endpoint
    for kind, category in ROOM_EXPECTED.items():
        roles, own = CATEGORIES[category]
        assert {r.value for r in ROOMS[kind].roles} == roles, kind
        assert (ROOMS[kind].agent is not None) == own, kind


# ---------------------------------------------------------------------------- ownership


@pytest.fixture(scope="module")
def owned(app: Flask) -> dict[str, str]:
    """A case, run and work item of agent-a, and the same of agent-b."""
    with session_scope(state(app).engine) as session:
        for who in ("a", "b"):
            session.add(CaseRow(id=f"case-{who}", fields={"subject": who}))
            session.flush()
            session.add(RunRow(id=f"run-{who}", workflow_id="wf", version=1,
                               case_id=f"case-{who}", status="waiting"))
            session.flush()
            session.add(WorkItemRow(key=f"run-{who}:check:1", run_id=f"run-{who}",
                                    case_id=f"case-{who}", step_id="check", attempt=1,
                                    title="Check", assignee=f"agent-{who}"))
    return {"case": "case-a", "run": "run-a", "item": "run-a:check:1"}


OWN_CALLS = [
    ("GET", "/api/cases/{case}"),
    ("GET", "/api/cases/{case}/changes"),
    ("GET", "/api/runs/{run}"),
    ("GET", "/api/runs/{run}/log"),
    ("GET", "/api/work-items/{item}"),
    ("GET", "/api/agents/{agent}/inbox"),
    ("GET", "/api/work-items?assignee={agent}"),
    ("GET", "/api/runs?assignee={agent}"),
]


@pytest.mark.parametrize(("method", "template"), OWN_CALLS)
def test_an_agent_reaches_their_own_work_and_not_another_agents(
    app: Flask, owned: dict[str, str], method: str, template: str
) -> None:
    agent = _client(app, "agent")
    mine = template.format(case="case-a", run="run-a", item="run-a:check:1", agent="agent-a")
    theirs = template.format(case="case-b", run="run-b", item="run-b:check:1", agent="agent-b")
    assert agent.open(mine, method=method).status_code not in (401, 403), mine
    refused = agent.open(theirs, method=method)
    assert refused.status_code == 403, theirs
    assert "Agents may" in refused.json["error"]["message"]


# ---------------------------------------------------------------------------- sockets


def _socket(app: Flask, role: str | None) -> Any:
    return socketio.test_client(app, flask_test_client=_client(app, role))


def test_anonymous_socket_connections_are_refused(app: Flask) -> None:
    assert not _socket(app, None).is_connected()


ROOM_CALLS = {
    "run": ("subscribe", {"run": "run-b"}, {"run": "run-a"}),
    "workflow": ("watch", {"workflow": "wf"}, None),
    "agent": ("watch", {"agent": "agent-b"}, {"agent": "agent-a"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", sorted(ROOM_EXPECTED))
def test_the_room_matrix(app: Flask, owned: dict[str, str], role: str, kind: str) -> None:
    roles, own = CATEGORIES[ROOM_EXPECTED[kind]]
    event, foreign, mine = ROOM_CALLS[kind]
    client = _socket(app, role)
    assert client.is_connected()
    try:
        answer = client.emit(event, foreign, callback=True)
        refused = answer.get("error", {}).get("code") == "forbidden"
        assert refused == (role not in roles), (role, kind, answer)
        if own and role == "agent":
            assert mine is not None
            answer = client.emit(event, mine, callback=True)
            assert answer.get("error", {}).get("code") != "forbidden", answer
    finally:
        client.disconnect()
