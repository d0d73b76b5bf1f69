"""Test clients that carry an account: a signed-in session and its CSRF header.

Tests set ``app.test_client_class = SignedInClient``; then ``app.test_client()`` is
signed in as an admin (made on first use, with no password, so no hashing slows tests
down), ``app.test_client(user="vi", role="viewer")`` as someone else, and
``app.test_client(user=None)`` is anonymous. The session is written the way a real
sign-in writes it, so every check of the guard applies unchanged.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import select

from designer.auth.identity import CSRF_HEADER, CSRF_SESSION_KEY, User
from designer.extensions import state
from runtime.accounts import service, sessions
from runtime.accounts.roles import Role
from runtime.accounts.service import Principal
from runtime.db import session_scope
from runtime.store.account_tables import AccountRow

__all__ = ["SignedInClient", "ensure_account"]


def ensure_account(
    client: FlaskClient, username: str, role: Role | str, agent_id: str | None = None
) -> Principal:
    """The account ``username`` of the client's app, created (without password) if missing."""
    engine = state(client.application).engine
    with session_scope(engine) as db:
        row = db.exec(select(AccountRow).where(AccountRow.username == username)).first()
        if row is None:
            service.create_account(
                db, username=username, role=Role(role).value, actor="test", agent_id=agent_id
            )
            row = db.exec(select(AccountRow).where(AccountRow.username == username)).one()
        assert row.id is not None
        return Principal(
            account_id=row.id, username=row.username, role=Role(row.role),
            agent_id=row.agent_id, epoch=row.session_epoch,
        )


class SignedInClient(FlaskClient):
    """A test client signed in as ``user`` (an admin by default; ``None``: anonymous)."""

    def __init__(
        self,
        *args: Any,
        user: str | None = "admin",
        role: Role | str = Role.ADMIN,
        agent_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.principal: Principal | None = None
        self.csrf = "test-csrf-token"
        with self.session_transaction() as session:
            session[CSRF_SESSION_KEY] = self.csrf
        self.environ_base[f"HTTP_{CSRF_HEADER.upper().replace('-', '_')}"] = self.csrf
        if user is not None:
            self.sign_in(user, role, agent_id)

    def sign_in(self, username: str, role: Role | str = Role.ADMIN,
                agent_id: str | None = None) -> Principal:
        """Switch this client to ``username`` (created if missing)."""
        principal = ensure_account(self, username, role, agent_id)
        with session_scope(state(self.application).engine) as db:
            key = sessions.open_session(db, account_id=principal.account_id)
        principal = replace(principal, session_key=key)
        with self.session_transaction() as session:
            session["_user_id"] = User(principal).get_id()
            session["_fresh"] = True
        self.principal = principal
        return principal

    def sign_out(self) -> None:
        """End the session, in the store too; the CSRF token stays, as after a real sign-out."""
        if self.principal is not None and self.principal.session_key is not None:
            with session_scope(state(self.application).engine) as db:
                sessions.end_session(db, key=self.principal.session_key)
        with self.session_transaction() as session:
            session.pop("_user_id", None)
        self.principal = None
