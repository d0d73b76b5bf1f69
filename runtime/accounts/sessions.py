"""Browser sessions kept in the store, so that signing out ends one for good.

Flask keeps the whole session in its signed cookie. Clearing the cookie at sign-out
cannot reach a copy of it, nor a response already under way that sets it again (a
page's reads race its own sign-out). So the cookie carries a random key, and only a
:class:`LoginSessionRow` of that key's hash keeps the session open; sign-out deletes it.

A session also ends :data:`SESSION_MAX_AGE` after its sign-in, however often it was used
(the cookie's own lifetime slides with every request), and with its account's
``session_epoch`` (see :mod:`runtime.accounts.service`). As there, nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete

from runtime.accounts import credentials
from runtime.store.account_tables import LoginSessionRow
from runtime.store.tables import utcnow

__all__ = ["SESSION_MAX_AGE", "end_session", "open_session", "session_open"]

SESSION_MAX_AGE = timedelta(days=7)


def open_session(session: Session, *, account_id: int, now: datetime | None = None) -> str:
    """Open a session for ``account_id``; its key, for the cookie (the store keeps a hash).

    Sessions past :data:`SESSION_MAX_AGE` are deleted on the way: nobody can use them.
    """
    now = now if now is not None else utcnow()
    session.exec(delete(LoginSessionRow).where(
        col(LoginSessionRow.opened_at) <= now - SESSION_MAX_AGE
    ))
    key = credentials.new_session_key()
    session.add(LoginSessionRow(
        id_hash=credentials.token_hash(key), account_id=account_id, opened_at=now
    ))
    return key


def session_open(
    session: Session, *, key: str, account_id: int, now: datetime | None = None
) -> bool:
    """Whether the session of ``key`` is open and belongs to ``account_id``."""
    row = session.get(LoginSessionRow, credentials.token_hash(key))
    if row is None or row.account_id != account_id:
        return False
    now = now if now is not None else utcnow()
    return row.opened_at > now - SESSION_MAX_AGE


def end_session(session: Session, *, key: str) -> bool:
    """End the session of ``key``; whether it was open."""
    row = session.get(LoginSessionRow, credentials.token_hash(key))
    if row is None:
        return False
    session.delete(row)
    return True
