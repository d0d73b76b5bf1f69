"""Signing in and out, CSRF, throttling, tokens, headers, and secrets kept out of sight."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio as socketio_client  # type: ignore[import-untyped]
from click.testing import CliRunner
from designer_helpers import tiny_document
from flask import Flask
from flask.testing import FlaskClient
from live_support import serve
from sqlalchemy import inspect, text

from designer.api import accounts as accounts_api
from designer.app import create_app
from designer.auth import identity
from designer.auth.demo import seed_demo_accounts
from designer.auth.testing import SignedInClient
from designer.cli import cli
from designer.extensions import db_session, socketio, state
from designer.live.follow import LiveClient
from runtime.accounts import credentials, service
from runtime.db import session_scope
from runtime.settings import Settings

PASSWORD = "a long test password"


def _account(app: Flask, username: str, role: str, password: str = PASSWORD) -> None:
    with session_scope(state(app).engine) as session:
        service.create_account(
            session, username=username, role=role, actor="test", password=password
        )


def _anonymous(app: Flask) -> FlaskClient:
    """A browser with no session yet and no CSRF header of its own."""
    return FlaskClient(app, app.response_class)


def _csrf(client: FlaskClient) -> str:
    token: str = client.get("/api/session").json["csrf_token"]
    return token


def _login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/session", json={"username": username, "password": password},
        headers={"X-CSRF-Token": _csrf(client)},
    )


def test_others_write_while_a_sign_in_checks_its_password(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hash takes ~0.2 s on purpose; holding SQLite's one write lock that long would
    # stall every writer behind each sign-in.
    _account(app, "ada", "admin")
    checking, release = threading.Event(), threading.Event()
    verify = credentials.verify_password

    def slow_verify(stored: str, password: str) -> bool:
        checking.set()
        release.wait(10)
        return verify(stored, password)

    monkeypatch.setattr(credentials, "verify_password", slow_verify)
    client = _anonymous(app)
    csrf = _csrf(client)
    answers: list[int] = []
    signing_in = threading.Thread(
        target=lambda: answers.append(
            client.post("/api/session", json={"username": "ada", "password": PASSWORD},
                        headers={"X-CSRF-Token": csrf}).status_code
        )
    )  # fmt: skip
    signing_in.start()
    try:
        assert checking.wait(10)
        written = threading.Thread(target=lambda: _account(app, "ben", "viewer"))
        written.start()
        written.join(5)
        assert not written.is_alive(), "a writer waited for the sign-in's password check"
    finally:
        release.set()
        signing_in.join(10)
    assert answers == [200]


def test_sign_in_opens_a_session_and_sign_out_ends_it(app: Flask) -> None:
    _account(app, "ada", "admin")
    client = _anonymous(app)
    assert client.get("/api/session").json["user"] is None
    assert client.get("/api/workflows").status_code == 401
    before = _csrf(client)
    response = _login(client, "ADA ")
    assert response.status_code == 200
    assert response.json["user"] == {
        "username": "ada", "role": "admin", "agent_id": None, "via": "session"
    }
    assert response.json["csrf_token"] != before  # a new session
    cookie = response.headers["Set-Cookie"]
    assert "baton_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/workflows").status_code == 200
    out = client.delete("/api/session", headers={"X-CSRF-Token": response.json["csrf_token"]})
    assert out.status_code == 200 and out.json["user"] is None
    refused = client.get("/api/workflows")
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "not_authenticated"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_copy_of_the_cookie_is_dead_once_its_session_signs_out(app: Flask) -> None:
    # A request of the page still under way at sign-out answers with the old cookie, and
    # the browser keeps it; whoever holds it must find the session ended all the same.
    _account(app, "ada", "admin")
    laptop, phone = _anonymous(app), _anonymous(app)
    signed_in = _login(laptop, "ada")
    assert signed_in.status_code == 200 and _login(phone, "ada").status_code == 200
    kept = laptop.get_cookie("baton_session")
    assert kept is not None
    out = laptop.delete("/api/session", headers={"X-CSRF-Token": signed_in.json["csrf_token"]})
    assert out.status_code == 200
    laptop.set_cookie("baton_session", kept.value)
    refused = laptop.get("/api/workflows")
    assert refused.status_code == 401 and refused.json["error"]["code"] == "not_authenticated"
    assert laptop.get("/api/session").json["user"] is None
    assert phone.get("/api/workflows").status_code == 200  # the other browser stays in


def test_signing_out_cuts_off_that_sessions_sockets(app: Flask) -> None:
    _account(app, "ada", "admin")
    with serve(app) as url:
        browser = requests.Session()
        csrf = browser.get(f"{url}/api/session").json()["csrf_token"]
        signed_in = browser.post(
            f"{url}/api/session", json={"username": "ada", "password": PASSWORD},
            headers={"X-CSRF-Token": csrf},
        )
        assert signed_in.status_code == 200
        cookie = f"baton_session={browser.cookies['baton_session']}"
        sio = socketio_client.Client(reconnection=False)
        sio.connect(url, headers={"Cookie": cookie}, transports=["websocket"])
        try:
            assert sio.connected
            browser.delete(
                f"{url}/api/session", headers={"X-CSRF-Token": signed_in.json()["csrf_token"]}
            )
            deadline = time.monotonic() + 10
            while sio.connected and time.monotonic() < deadline:
                time.sleep(0.02)  # the server ends it: there is nothing to wait on here
            assert not sio.connected
        finally:
            sio.disconnect()


def test_a_wrong_password_is_401_and_guessing_is_throttled(app: Flask) -> None:
    _account(app, "ada", "admin")
    client = _anonymous(app)
    wrong = _login(client, "ada", "not the password")
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "invalid_credentials"
    assert _login(client, "nobody", "not the password").json["error"] == wrong.json["error"]
    for _ in range(4):
        _login(client, "ada", "still not it")
    throttled = _login(client, "ada", PASSWORD)  # even the right one, while locked
    assert throttled.status_code == 429
    assert throttled.json["error"]["code"] == "too_many_attempts"
    details = throttled.json["error"]["details"]
    assert int(throttled.headers["Retry-After"]) == details["retry_after"]
    assert client.get("/api/session").json["user"] is None


def test_changes_from_the_browser_need_the_csrf_token(app: Flask) -> None:
    _account(app, "ada", "admin")
    client = _anonymous(app)
    assert _login(client, "ada").status_code == 200
    refused = client.post("/api/workflows", json={"workflow": tiny_document()})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf_failed"
    forged = client.post(
        "/api/workflows", json={"workflow": tiny_document()}, headers={"X-CSRF-Token": "guess"}
    )
    assert forged.status_code == 403
    assert client.get("/api/workflows").json["workflows"] == []  # nothing changed
    made = client.post(
        "/api/workflows", json={"workflow": tiny_document()},
        headers={"X-CSRF-Token": _csrf(client)},
    )
    assert made.status_code == 201


def test_password_change_needs_the_current_password_and_ends_other_sessions(app: Flask) -> None:
    _account(app, "vi", "viewer")
    laptop, phone = _anonymous(app), _anonymous(app)
    assert _login(laptop, "vi").status_code == 200 and _login(phone, "vi").status_code == 200
    csrf = _csrf(laptop)
    wrong = laptop.post(
        "/api/session/password", headers={"X-CSRF-Token": csrf},
        json={"current_password": "not it at all", "new_password": "a brand new password"},
    )
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "current_password_wrong"
    changed = laptop.post(
        "/api/session/password", headers={"X-CSRF-Token": csrf},
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
    )
    assert changed.status_code == 200
    assert laptop.get("/api/workflows").status_code == 200  # this session continues
    assert phone.get("/api/workflows").status_code == 401  # the other one has ended
    assert _login(_anonymous(app), "vi", "a brand new password").status_code == 200


def test_a_disabled_accounts_session_ends_at_once(app: Flask, client: SignedInClient) -> None:
    _account(app, "sam", "supervisor")
    sam = _anonymous(app)
    assert _login(sam, "sam").status_code == 200
    assert client.patch("/api/accounts/sam", json={"disabled": True}).status_code == 200
    assert sam.get("/api/workflows").status_code == 401
    assert _login(_anonymous(app), "sam").status_code == 401


def test_api_tokens_are_shown_once_scoped_and_revocable(app: Flask, client: SignedInClient) -> None:
    created = client.post("/api/tokens", json={"username": "admin", "name": "reports",
                                               "role": "viewer"})
    assert created.status_code == 201
    token = created.json["token"]
    token_id = created.json["info"]["id"]
    assert token not in client.get("/api/tokens").text
    bearer = _anonymous(app)
    auth = {"Authorization": f"Bearer {token}"}
    assert bearer.get("/api/workflows", headers=auth).status_code == 200
    # No CSRF header needed with a token, but the token's viewer role cannot design.
    refused = bearer.post("/api/workflows", json={"workflow": tiny_document()}, headers=auth)
    assert refused.status_code == 403 and "viewer" in refused.json["error"]["message"]
    assert bearer.post("/api/validate", json={"workflow": tiny_document()},
                       headers=auth).status_code == 200
    # A token is not a person: it cannot change the account's password.
    assert bearer.post("/api/session/password", headers=auth,
                       json={"current_password": "x", "new_password": "y"}).status_code == 403
    assert client.get("/api/tokens").json["tokens"][0]["last_used_at"] is not None
    assert client.delete(f"/api/tokens/{token_id}").status_code == 200
    revoked = bearer.get("/api/workflows", headers=auth)
    assert revoked.status_code == 401 and revoked.json["error"]["code"] == "invalid_token"
    assert client.post("/api/tokens", json={"username": "admin", "name": "x",
                                            "role": "root"}).status_code == 400


def test_a_token_request_reads_its_token_without_the_write_lock(
    app: Flask, client: SignedInClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every integration request checks its token; taking SQLite's one write lock for
    # that made writers and token checks queue behind each other.
    token = client.post("/api/tokens", json={"username": "admin", "name": "sync"}).json["token"]
    bearer = _anonymous(app)
    auth = {"Authorization": f"Bearer {token}"}
    assert bearer.get("/api/workflows", headers=auth).status_code == 200
    first_use = client.get("/api/tokens").json["tokens"][0]["last_used_at"]
    with state(app).engine.begin() as writing, app.app_context():
        writing.execute(text("UPDATE account SET display_name = display_name"))
        principal = identity.authenticate(token)
    assert principal is not None and principal.username == "admin"
    # The last use is still recorded, to the minute: a request a minute on writes it.
    later = identity.utcnow() + timedelta(minutes=2)
    monkeypatch.setattr(identity, "utcnow", lambda: later)
    assert bearer.get("/api/workflows", headers=auth).status_code == 200
    last_use = client.get("/api/tokens").json["tokens"][0]["last_used_at"]
    assert last_use != first_use and last_use.startswith(later.date().isoformat())


def test_security_headers_on_pages_and_api(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "index.html").write_text("<!doctype html><title>Baton</title>")
    app = make_app({"BATON_SPA_DIR": str(build)})
    for response in (_anonymous(app).get("/"), _anonymous(app).get("/api/session")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        response.close()
    assert _anonymous(app).get("/api/session").headers["Cache-Control"] == "no-store"


def test_every_change_names_the_account(client: SignedInClient,
                                        caplog: pytest.LogCaptureFixture) -> None:
    client.sign_in("margaret", "admin")
    detail = client.post("/api/workflows", json={"workflow": tiny_document()}).json
    client.post("/api/workflows/tiny/publish", json={"revision": detail["revision"]})
    versions = client.get("/api/workflows/tiny/versions").json["versions"]
    assert versions[0]["published_by"] == "margaret"
    with caplog.at_level(logging.INFO, logger="baton.audit"):
        client.post("/api/accounts", json={"username": "newbie", "role": "viewer"})
        client.put("/api/workflows/tiny/draft", json={"revision": 99, "workflow": tiny_document()})
        client.sign_in("vic", "viewer")
        client.delete("/api/workflows/tiny")
    assert "margaret created account newbie (viewer)" in caplog.text
    assert "margaret PUT /api/workflows/tiny/draft -> 409" in caplog.text
    assert "vic DELETE /api/workflows/tiny -> 403" in caplog.text


def test_passwords_and_tokens_never_show_in_plain_text(
    app: Flask, client: SignedInClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret_password = "correct horse battery staple"
    answers: list[str] = []
    with caplog.at_level(logging.DEBUG):
        made = client.post("/api/accounts", json={"username": "cy", "role": "supervisor",
                                                  "password": secret_password})
        answers.append(made.text)
        created = client.post("/api/tokens", json={"username": "cy", "name": "ci"})
        token = created.json["token"]
        browser = _anonymous(app)
        answers.append(_login(browser, "cy", secret_password).text)
        answers.append(_login(_anonymous(app), "cy", secret_password + "!").text)
        answers.append(browser.post(
            "/api/session/password", headers={"X-CSRF-Token": _csrf(browser)},
            json={"current_password": secret_password, "new_password": secret_password + " 2"},
        ).text)
        answers.append(_anonymous(app).get("/api/workflows",
                                           headers={"Authorization": f"Bearer {token}"}).text)
        for path in ("/api/accounts", "/api/accounts/cy", "/api/tokens", "/api/session"):
            answers.append(client.get(path).text)
    engine = state(app).engine
    with engine.connect() as conn:
        stored = [
            repr(row)
            for table in inspect(engine).get_table_names()
            for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        ]
    haystacks = {"database": "\n".join(stored), "logs": caplog.text, "answers": "\n".join(answers)}
    for where, haystack in haystacks.items():
        for secret in (secret_password, secret_password + " 2", token, token[12:]):
            assert secret not in haystack, f"a secret in the {where}"
    assert "cy" in haystacks["database"]  # the scan did see the rows


def test_production_refuses_dev_secrets_and_gets_no_demo_accounts(tmp_path: Path) -> None:
    base: dict[str, Any] = {
        "_env_file": None, "instance_path": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'b.db'}", "env": "production",
    }
    with pytest.raises(RuntimeError, match="BATON_SECRET_KEY"):
        create_app(Settings(**base))
    with pytest.raises(RuntimeError, match="BATON_DEMO_PASSWORD"):
        create_app(Settings(**base, secret_key="s3cret-enough", demo_password="demo"))
    app = create_app(Settings(**base, secret_key="s3cret-enough"))
    assert seed_demo_accounts(state(app).engine, state(app).settings) == []
    assert app.config["SESSION_COOKIE_SECURE"] is True
    state(app).engine.dispose()


def test_demo_accounts_in_development(app: Flask) -> None:
    settings = state(app).settings.model_copy(update={"demo_password": "demo password 1"})
    made = seed_demo_accounts(state(app).engine, settings)
    assert [(a.username, a.role.value) for a in made] == [
        ("admin", "admin"), ("supervisor", "supervisor"), ("viewer", "viewer"), ("agent", "agent")
    ]
    assert _login(_anonymous(app), "viewer", "demo password 1").status_code == 200
    assert seed_demo_accounts(state(app).engine, settings) == []  # only into an empty store


def test_baton_users_on_the_command_line(tmp_path: Path) -> None:
    env = {
        "BATON_INSTANCE_PATH": str(tmp_path),
        "BATON_DATABASE_URL": f"sqlite:///{tmp_path / 'baton.db'}",
        "BATON_NEW_PASSWORD": "a long cli password",
    }
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["users", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "Created ada (admin)" in run("create", "ada", "--role", "admin")
    assert "ada" in run("list") and "admin" in run("list")
    token = run("tokens", "create", "ci", "--user", "ada", "--role", "viewer").splitlines()[-1]
    assert token.startswith("baton_")
    listed = run("tokens", "list")
    assert token not in listed and token[:10] in listed
    assert "revoked" in run("tokens", "revoke", "1")
    refused = runner.invoke(cli, ["users", "disable", "ada"], env=env)
    assert refused.exit_code != 0 and "last active admin" in refused.output
    run("create", "vi", "--role", "viewer")
    run("disable", "vi")
    assert "disabled" in run("list")
    refused = runner.invoke(cli, ["users", "create", "ada", "--role", "admin"], env=env)
    assert refused.exit_code != 0 and "exists already" in refused.output


def test_sockets_take_a_token_and_stop_at_its_revocation(
    app: Flask, client: SignedInClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The revocation cuts the socket off at once (the next test); without that, the
    # next join must still be refused.
    monkeypatch.setattr(accounts_api, "recheck_connections", lambda: db_session().commit())
    created = client.post("/api/tokens", json={"username": "admin", "name": "stream"}).json
    anonymous = _anonymous(app)
    bad = socketio.test_client(app, flask_test_client=anonymous, auth={"token": "baton_x"})
    assert not bad.is_connected()
    live = socketio.test_client(app, flask_test_client=anonymous, auth={"token": created["token"]})
    assert live.is_connected()
    assert "error" not in live.emit("watch", {"workflow": "tiny"}, callback=True)
    client.delete(f"/api/tokens/{created['info']['id']}")
    refused = live.emit("watch", {"workflow": "tiny"}, callback=True)
    assert refused["error"]["code"] == "forbidden"
    live.disconnect()


def _connected_with_token(app: Flask, client: SignedInClient, url: str, username: str) -> Any:
    created = client.post("/api/tokens", json={"username": username, "name": "live"}).json
    live = LiveClient(url, token=created["token"]).connect()
    assert "error" not in live.watch(workflow="tiny")
    return created, live


def _wait_disconnected(live: LiveClient, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while live.sio.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    return not live.sio.connected


def test_a_listening_socket_is_cut_off_when_its_token_is_revoked(
    app: Flask, client: SignedInClient
) -> None:
    # It joins nothing more, so only the server can end what it hears.
    with serve(app) as url:
        created, live = _connected_with_token(app, client, url, "admin")
        try:
            client.delete(f"/api/tokens/{created['info']['id']}")
            assert _wait_disconnected(live)
        finally:
            live.close()
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            LiveClient(url, token=created["token"]).connect()


def test_a_disabled_accounts_sockets_are_cut_off(app: Flask, client: SignedInClient) -> None:
    _account(app, "ben", "supervisor")
    with serve(app) as url:
        _, theirs = _connected_with_token(app, client, url, "ben")
        _, mine = _connected_with_token(app, client, url, "admin")
        try:
            assert client.patch("/api/accounts/ben", json={"disabled": True}).status_code == 200
            assert _wait_disconnected(theirs)
            assert mine.sio.connected  # only the disabled account's
        finally:
            theirs.close()
            mine.close()


def test_a_revocation_made_elsewhere_reaches_the_sockets_at_the_next_check(
    make_app: Callable[..., Flask],
) -> None:
    # Another web process (or the CLI) revoked it: this one finds out by checking.
    app = make_app(socket_recheck_seconds=0.2)
    client = app.test_client()
    with serve(app) as url:
        created, live = _connected_with_token(app, client, url, "admin")
        try:
            with session_scope(state(app).engine) as db:
                service.revoke_token(db, token_id=created["info"]["id"], actor="cli")
            assert _wait_disconnected(live)
        finally:
            live.close()
