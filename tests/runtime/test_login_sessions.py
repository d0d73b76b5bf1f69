"""Browser sessions in the store: signing out ends one for good, whatever its cookie does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from runtime.accounts import service, sessions
from runtime.db import session_scope

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def _account(engine: Engine, username: str) -> service.Principal:
    with session_scope(engine) as session:
        service.create_account(
            session, username=username, role="agent", actor="test", password=PASSWORD
        )
        return service.attempt_login(
            session, username=username, password=PASSWORD, address="10.0.0.1", now=T0
        ).principal  # type: ignore[return-value]


def _open(engine: Engine, principal: service.Principal, at: datetime = T0) -> str:
    with session_scope(engine) as session:
        return sessions.open_session(session, account_id=principal.account_id, now=at)


def _loaded(
    engine: Engine, principal: service.Principal, key: str, at: datetime = T0
) -> service.Principal | None:
    with session_scope(engine) as session:
        return service.load_principal(
            session, account_id=principal.account_id, epoch=principal.epoch,
            session_key=key, now=at,
        )


def test_signing_out_ends_that_session_and_no_other(db: Engine) -> None:
    ada = _account(db, "ada")
    laptop, phone = _open(db, ada), _open(db, ada)
    assert laptop != phone
    loaded = _loaded(db, ada, laptop)
    assert loaded is not None and loaded.username == "ada" and loaded.session_key == laptop
    with session_scope(db) as session:
        assert sessions.end_session(session, key=laptop)
    assert _loaded(db, ada, laptop) is None  # a copy of its cookie names nothing now
    assert _loaded(db, ada, phone) is not None
    with session_scope(db) as session:
        assert not sessions.end_session(session, key=laptop)  # ending twice changes nothing


def test_a_session_key_works_only_for_its_own_account(db: Engine) -> None:
    ada, bo = _account(db, "ada"), _account(db, "bo")
    key = _open(db, ada)
    assert _loaded(db, bo, key) is None
    assert _loaded(db, ada, "a key nobody was given") is None


def test_a_session_ends_a_week_after_its_sign_in_and_is_cleared_away(db: Engine) -> None:
    ada = _account(db, "ada")
    key = _open(db, ada)
    week = sessions.SESSION_MAX_AGE
    assert _loaded(db, ada, key, at=T0 + week - timedelta(minutes=1)) is not None
    assert _loaded(db, ada, key, at=T0 + week) is None
    _open(db, ada, at=T0 + week)  # the next sign-in deletes what nobody can use
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM login_session")).scalar() == 1


def test_the_store_keeps_no_session_key(db: Engine) -> None:
    key = _open(db, _account(db, "ada"))
    with db.connect() as conn:
        stored = [tuple(row) for row in conn.execute(text("SELECT * FROM login_session"))]
    assert len(stored) == 1 and key not in repr(stored)
