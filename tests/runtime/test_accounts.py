"""Accounts in the store: passwords hashed, tokens hashed and revocable, throttling kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from runtime.accounts import service, sessions
from runtime.accounts.errors import CurrentPasswordWrong, LoginRefused, LoginThrottled
from runtime.db import session_scope
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.store.account_tables import LoginThrottleRow
from runtime.store.routing_tables import AgentRow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def _create(engine: Engine, username: str = "ada", role: str = "admin", **kwargs: object) -> None:
    with session_scope(engine) as session:
        service.create_account(
            session, username=username, role=role, actor="test", password=PASSWORD, **kwargs
        )


def _login(
    engine: Engine, username: str, password: str, at: datetime, address: str = "10.0.0.1"
) -> service.LoginOutcome:
    with session_scope(engine) as session:
        return service.attempt_login(
            session, username=username, password=password, address=address, now=at
        )


def _open(engine: Engine, principal: service.Principal) -> str:
    """A stored browser session for ``principal``; its key."""
    with session_scope(engine) as session:
        return sessions.open_session(session, account_id=principal.account_id, now=T0)


def _loaded(engine: Engine, principal: service.Principal, key: str) -> service.Principal | None:
    with session_scope(engine) as session:
        return service.load_principal(
            session, account_id=principal.account_id, epoch=principal.epoch,
            session_key=key, now=T0,
        )


def _dump(engine: Engine) -> str:
    """Every value of every account table, as one text to search for secrets."""
    with engine.connect() as conn:
        rows = [
            repr(tuple(row))
            for table in ("account", "api_token", "login_throttle", "login_session")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        ]
    return "\n".join(rows)


def test_sign_in_with_the_right_password_only(db: Engine) -> None:
    _create(db, "Ada")  # names are kept in lower case
    ok = _login(db, "ADA", PASSWORD, T0)
    assert ok.principal is not None and ok.principal.username == "ada"
    assert isinstance(_login(db, "ada", "wrong password!", T0).error, LoginRefused)
    assert isinstance(_login(db, "nobody", PASSWORD, T0).error, LoginRefused)
    assert PASSWORD not in _dump(db)


def test_account_rules(db: Engine) -> None:
    _create(db)
    with session_scope(db) as session, pytest.raises(Conflict):
        service.create_account(session, username="ada", role="viewer", actor="t")
    with session_scope(db) as session, pytest.raises(InvalidInput, match="at least 10"):
        service.create_account(session, username="bo", role="viewer", actor="t", password="short")
    with session_scope(db) as session, pytest.raises(InvalidInput, match="Unknown role"):
        service.create_account(session, username="bo", role="root", actor="t")
    with session_scope(db) as session, pytest.raises(InvalidInput, match="agent"):
        service.create_account(session, username="bo", role="viewer", actor="t", agent_id="a1")


def test_an_agent_account_is_tied_to_an_existing_routing_agent(db: Engine) -> None:
    with session_scope(db) as session, pytest.raises(NotFound):
        service.create_account(session, username="cy", role="agent", actor="t", agent_id="ghost")
    with session_scope(db) as session:
        session.add(AgentRow(id="agent-cy", name="Cy Young"))
    _create(db, "cy", "agent", agent_id="agent-cy")
    with session_scope(db) as session:
        assert service.get_account(session, username="cy").agent_name == "Cy Young"


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(db: Engine) -> None:
    with session_scope(db) as session:
        session.add(AgentRow(id="agent-cy", name="Cy"))
    _create(db, "cy", "agent", agent_id="agent-cy")
    principal = _login(db, "cy", PASSWORD, T0).principal
    assert principal is not None and principal.agent_id == "agent-cy"
    key = _open(db, principal)
    assert _loaded(db, principal, key) is not None
    with session_scope(db) as session:
        service.update_account(session, username="cy", disabled=True, actor="ada")
    assert isinstance(_login(db, "cy", PASSWORD, T0).error, LoginRefused)
    assert _loaded(db, principal, key) is None


def test_password_change_needs_the_current_one_and_ends_other_sessions(db: Engine) -> None:
    _create(db)
    old = _login(db, "ada", PASSWORD, T0).principal
    assert old is not None
    old_key = _open(db, old)
    with session_scope(db) as session:
        wrong = service.change_password(
            session, account_id=old.account_id, current_password="nope nope nope",
            new_password="another long one",
        )
    assert isinstance(wrong.error, CurrentPasswordWrong)
    with session_scope(db) as session:
        short = service.change_password(
            session, account_id=old.account_id, current_password=PASSWORD, new_password="short"
        )
    assert isinstance(short.error, InvalidInput)
    with session_scope(db) as session:
        new = service.principal_or_raise(service.change_password(
            session, account_id=old.account_id, current_password=PASSWORD,
            new_password="another long one",
        ))
    assert _loaded(db, old, old_key) is None
    assert _loaded(db, new, _open(db, new)) is not None
    assert _login(db, "ada", "another long one", T0).principal is not None


def test_guessing_locks_the_account_with_a_growing_wait_that_survives_restarts(db: Engine) -> None:
    _create(db)
    for attempt in range(4):
        assert isinstance(_login(db, "ada", f"guess {attempt}", T0).error, LoginRefused)
    assert isinstance(_login(db, "ada", "guess 5", T0).error, LoginRefused)
    # Locked: even the right password is refused, with the time to wait.
    locked = _login(db, "ada", PASSWORD, T0 + timedelta(seconds=1)).error
    assert isinstance(locked, LoginThrottled) and locked.retry_after == 29
    # The count lives in the database, so a new engine (a restarted app) sees it.
    db.dispose()
    assert isinstance(_login(db, "ada", PASSWORD, T0 + timedelta(seconds=10)).error,
                      LoginThrottled)
    later = T0 + timedelta(seconds=31)
    assert isinstance(_login(db, "ada", "guess 6", later).error, LoginRefused)
    doubled = _login(db, "ada", PASSWORD, later).error
    assert isinstance(doubled, LoginThrottled) and doubled.retry_after == 60
    assert _login(db, "ada", PASSWORD, later + timedelta(seconds=61)).principal is not None
    # Success clears the account's count: one typo later is not locked.
    after = later + timedelta(seconds=62)
    assert isinstance(_login(db, "ada", "typo typo typo", after).error, LoginRefused)
    assert _login(db, "ada", PASSWORD, after).principal is not None


def test_one_address_guessing_many_accounts_is_locked(db: Engine) -> None:
    # As if 19 names had been tried from this address already (each try costs an argon2).
    with session_scope(db) as session:
        session.add(LoginThrottleRow(key="ip:10.0.0.1", failures=19, window_start=T0))
    assert isinstance(_login(db, "user20", "guess guess", T0).error, LoginRefused)
    assert isinstance(_login(db, "someone", "guess guess", T0).error, LoginThrottled)
    other = _login(db, "someone", "guess guess", T0, address="10.9.9.9").error
    assert isinstance(other, LoginRefused)


def test_tokens_are_stored_hashed_scoped_and_revocable(db: Engine) -> None:
    _create(db, "sam", "supervisor")
    with session_scope(db) as session, pytest.raises(InvalidInput, match="cannot carry"):
        service.create_token(session, username="sam", name="ci", actor="ada", role="admin")
    with session_scope(db) as session:
        created = service.create_token(
            session, username="sam", name="reporting", actor="ada", role="viewer"
        )
    assert created.token not in _dump(db)
    assert created.info.prefix == created.token[:10]
    with session_scope(db) as session:
        principal = service.authenticate_token(session, token=created.token, now=T0)
    assert principal is not None and principal.username == "sam" and principal.role == "viewer"
    with session_scope(db) as session:
        assert service.list_tokens(session)[0].last_used_at == T0
        # A check reads only: the last use is due again a minute later, not before.
        assert not service.check_token(session, token=created.token, now=T0).use_due
        later = service.check_token(session, token=created.token, now=T0 + timedelta(minutes=1))
        assert later.use_due and later.principal == principal
        assert service.authenticate_token(session, token=created.token + "x") is None
        service.revoke_token(session, token_id=created.info.id, actor="ada")
    with session_scope(db) as session:
        assert service.authenticate_token(session, token=created.token) is None
        assert service.list_tokens(session, username="sam")[0].revoked_at is not None


def test_the_last_active_admin_cannot_be_demoted_or_disabled(db: Engine) -> None:
    with session_scope(db) as session:
        service.create_account(session, username="ada", role="admin", actor="t")
        service.create_account(session, username="bo", role="viewer", actor="t")
    with session_scope(db) as session, pytest.raises(Conflict, match="last active admin"):
        service.update_account(session, username="ada", role="viewer", actor="ada")
    with session_scope(db) as session, pytest.raises(Conflict, match="last active admin"):
        service.update_account(session, username="ada", disabled=True, actor="ada")
    with session_scope(db) as session:
        service.update_account(session, username="bo", role="admin", actor="ada")
        service.update_account(session, username="ada", role="viewer", actor="bo")


def test_guessing_the_current_password_in_a_password_change_locks_the_account(db: Engine) -> None:
    _create(db)
    principal = _login(db, "ada", PASSWORD, T0).principal
    assert principal is not None
    for attempt in range(5):
        with session_scope(db) as session:
            outcome = service.change_password(
                session, account_id=principal.account_id, current_password=f"guess {attempt}",
                new_password="another long one", now=T0,
            )
        assert isinstance(outcome.error, CurrentPasswordWrong)
    with session_scope(db) as session:
        locked = service.change_password(
            session, account_id=principal.account_id, current_password=PASSWORD,
            new_password="another long one", now=T0,
        )
    assert isinstance(locked.error, LoginThrottled)
    assert isinstance(_login(db, "ada", PASSWORD, T0).error, LoginThrottled)
