"""Tables for people and integrations: accounts, sign-in sessions, API tokens, throttling.

No secret is stored in plain text: passwords as argon2 hashes, API tokens as the
SHA-256 of a random 256-bit token (a slow hash adds nothing to a value that cannot be
guessed, and a fast one lets every API call be checked cheaply). A browser session's
key is kept the same way: the cookie alone can never be turned back into a session.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from runtime.store.tables import utcnow

__all__ = ["AccountRow", "ApiTokenRow", "LoginSessionRow", "LoginThrottleRow"]


class AccountRow(SQLModel, table=True):
    """A person who signs in. ``session_epoch`` goes up to end every open session."""

    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=80)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    # The routing agent this account works as (agents only); a plain id rather than a
    # foreign key, as routing's tables live on another branch of the schema.
    agent_id: str | None = Field(default=None, index=True, max_length=120)
    password_hash: str | None = Field(default=None, max_length=255)
    disabled: bool = False
    session_epoch: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime | None = None
    last_login_at: datetime | None = None


class LoginSessionRow(SQLModel, table=True):
    """One signed-in browser session; signing out deletes it.

    The signed cookie names the session, but only this row keeps it open: a cookie that
    outlives its sign-out (a copy, or one a response already under way set again) names
    a session that is gone.
    """

    __tablename__ = "login_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True)
    opened_at: datetime = Field(default_factory=utcnow, index=True)


class ApiTokenRow(SQLModel, table=True):
    """An integration's token, acting as its account with at most that account's role."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    # The first characters of the token, so people can tell their tokens apart.
    prefix: str = Field(max_length=16)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=80)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginThrottleRow(SQLModel, table=True):
    """Recent failed sign-ins for one key (``user:<name>`` or ``ip:<address>``)."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
