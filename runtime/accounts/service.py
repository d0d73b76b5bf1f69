"""Accounts, API tokens and sign-in: keyword-only functions taking the caller's session.

As in :mod:`runtime.services`, nothing here commits. Sign-in is the one place where a
refusal must still be stored (the failure counts towards throttling), so
:func:`attempt_login` *returns* its outcome instead of raising, and the caller commits
before it refuses the request.

No function returns or logs a password or token hash; a token's text is returned once,
by :func:`create_token`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from runtime.accounts import credentials, sessions, throttle
from runtime.accounts.errors import CurrentPasswordWrong, LoginRefused, LoginThrottled
from runtime.accounts.roles import Role, grantable
from runtime.errors import BatonRuntimeError, Conflict, InvalidInput, NotFound
from runtime.store import statements as sql
from runtime.store.account_tables import AccountRow, ApiTokenRow, LoginThrottleRow
from runtime.store.routing_tables import AgentRow
from runtime.store.tables import utcnow

__all__ = [
    "AccountInfo",
    "CreatedToken",
    "LoginCheck",
    "LoginOutcome",
    "Principal",
    "TokenCheck",
    "TokenInfo",
    "attempt_login",
    "authenticate_token",
    "change_password",
    "check_login",
    "check_token",
    "count_accounts",
    "create_account",
    "create_token",
    "get_account",
    "list_accounts",
    "list_tokens",
    "load_principal",
    "load_token_principal",
    "principal_or_raise",
    "record_login",
    "record_token_use",
    "revoke_token",
    "set_password",
    "update_account",
]

audit = logging.getLogger("baton.audit")

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
# Writing last_used_at on every call would turn each read into a write.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


class AccountInfo(BaseModel):
    """An account as the API shows it: never its password hash."""

    id: int
    username: str
    display_name: str
    role: Role
    agent_id: str | None
    agent_name: str | None = None
    disabled: bool
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None


class TokenInfo(BaseModel):
    """An API token as lists show it: its prefix, never the token or its hash."""

    id: int
    name: str
    role: Role
    username: str
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedToken(BaseModel):
    """A new token: the only time its text is ever shown."""

    token: str
    info: TokenInfo


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request: an account, signed in or through one of its tokens.

    ``role`` is the token's scope for token requests, else the account's role.
    ``epoch`` ties a browser session to the account's current ``session_epoch``;
    ``session_key`` names that session (:mod:`runtime.accounts.sessions`).
    """

    account_id: int
    username: str
    role: Role
    agent_id: str | None
    epoch: int
    token_id: int | None = None
    session_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class LoginOutcome:
    """What a sign-in attempt came to: a principal, or the error to answer with."""

    principal: Principal | None
    error: BatonRuntimeError | None


# ---------------------------------------------------------------------------- helpers


def _info(row: AccountRow, session: Session) -> AccountInfo:
    assert row.id is not None
    agent = session.get(AgentRow, row.agent_id) if row.agent_id else None
    return AccountInfo(
        id=row.id,
        username=row.username,
        display_name=row.display_name or row.username,
        role=Role(row.role),
        agent_id=row.agent_id,
        agent_name=agent.name if agent is not None else None,
        disabled=row.disabled,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def _token_info(row: ApiTokenRow, username: str) -> TokenInfo:
    assert row.id is not None
    return TokenInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        username=username,
        prefix=row.prefix,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _principal(row: AccountRow, *, role: Role | None = None, token_id: int | None = None
               ) -> Principal:
    assert row.id is not None
    return Principal(
        account_id=row.id,
        username=row.username,
        role=role if role is not None else Role(row.role),
        agent_id=row.agent_id,
        epoch=row.session_epoch,
        token_id=token_id,
    )


def _normalise(username: str) -> str:
    return username.strip().lower()


def _row(session: Session, username: str) -> AccountRow:
    row = session.exec(
        select(AccountRow).where(AccountRow.username == _normalise(username))
    ).first()
    if row is None:
        raise NotFound("account", username)
    return row


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidInput(f"Unknown role {value!r}; use one of {allowed}.") from None


def _check_password(password: str) -> None:
    if len(password) < credentials.MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {credentials.MIN_PASSWORD_LENGTH} characters."
        )


def _check_agent_link(session: Session, role: Role, agent_id: str | None) -> None:
    if agent_id is None:
        return
    if role is not Role.AGENT:
        raise InvalidInput("Only agent accounts are tied to a routing agent.")
    if session.get(AgentRow, agent_id) is None:
        raise NotFound("agent", agent_id)


# ---------------------------------------------------------------------------- accounts


def create_account(
    session: Session,
    *,
    username: str,
    role: str,
    actor: str,
    password: str | None = None,
    display_name: str = "",
    agent_id: str | None = None,
) -> AccountInfo:
    """Create an account. Without a password it cannot sign in until one is set.

    Raises ``Conflict`` when the name is taken, ``InvalidInput`` for a bad name, role
    or password (shorter than ten characters) and an agent link on a non-agent.
    """
    name = _normalise(username)
    if not _USERNAME.match(name):
        raise InvalidInput(
            "A username is 2 to 80 characters: letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit."
        )
    checked = _role(role)
    _check_agent_link(session, checked, agent_id)
    if password is not None:
        _check_password(password)
    if session.exec(select(AccountRow.id).where(AccountRow.username == name)).first():
        raise Conflict(f"An account named {name!r} exists already.")
    now = utcnow()
    row = AccountRow(
        username=name,
        display_name=display_name.strip(),
        role=checked.value,
        agent_id=agent_id,
        password_hash=credentials.hash_password(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.info("%s created account %s (%s)", actor, name, checked.value)
    return _info(row, session)


def count_accounts(session: Session) -> int:
    """How many accounts exist (``baton run`` seeds demo accounts into an empty store)."""
    return len(session.exec(select(AccountRow.id)).all())


def list_accounts(session: Session) -> list[AccountInfo]:
    """Every account, by username."""
    rows = session.exec(select(AccountRow).order_by(col(AccountRow.username))).all()
    return [_info(row, session) for row in rows]


def get_account(session: Session, *, username: str) -> AccountInfo:
    """One account; ``NotFound`` if there is none of that name."""
    return _info(_row(session, username), session)


def update_account(
    session: Session,
    *,
    username: str,
    actor: str,
    role: str | None = None,
    disabled: bool | None = None,
    display_name: str | None = None,
    agent_id: str | None = None,
    clear_agent: bool = False,
) -> AccountInfo:
    """Change an account's role, status, name or agent link.

    A role change or disabling ends the account's open sessions (their permissions
    were granted under the old role).
    """
    row = _row(session, username)
    new_role = _role(role) if role is not None else Role(row.role)
    new_agent = None if clear_agent else (agent_id if agent_id is not None else row.agent_id)
    if new_role is not Role.AGENT and role is not None and agent_id is None:
        new_agent = None  # leaving the agent role drops the link
    if new_agent != row.agent_id or new_role.value != row.role:
        _check_agent_link(session, new_role, new_agent)
    losing_admin = row.role == Role.ADMIN and not row.disabled and (
        new_role is not Role.ADMIN or disabled is True
    )
    if losing_admin and _other_active_admins(session, row) == 0:
        raise Conflict("This is the last active admin; make another admin first.")
    changes: list[str] = []
    if new_role.value != row.role:
        changes.append(f"role {row.role} -> {new_role.value}")
        row.role = new_role.value
        row.session_epoch += 1
    if disabled is not None and disabled != row.disabled:
        changes.append("disabled" if disabled else "enabled")
        row.disabled = disabled
        row.session_epoch += 1
    if display_name is not None:
        row.display_name = display_name.strip()
    if new_agent != row.agent_id:
        changes.append(f"agent {row.agent_id} -> {new_agent}")
        row.agent_id = new_agent
    session.add(row)
    session.flush()
    if changes:
        audit.info("%s changed account %s: %s", actor, row.username, ", ".join(changes))
    return _info(row, session)


def _other_active_admins(session: Session, row: AccountRow) -> int:
    others = session.exec(
        select(AccountRow.id).where(
            AccountRow.role == Role.ADMIN.value,
            col(AccountRow.disabled).is_(False),
            AccountRow.id != row.id,
        )
    ).all()
    return len(others)


def set_password(session: Session, *, username: str, password: str, actor: str) -> None:
    """Set an account's password (an admin's reset); ends its open sessions."""
    _check_password(password)
    row = _row(session, username)
    row.password_hash = credentials.hash_password(password)
    row.password_changed_at = utcnow()
    row.session_epoch += 1
    session.add(row)
    audit.info("%s set the password of %s", actor, row.username)


def change_password(
    session: Session,
    *,
    account_id: int,
    current_password: str,
    new_password: str,
    now: datetime | None = None,
) -> LoginOutcome:
    """A person changes their own password; the outcome holds the new session's principal.

    Other sessions of the account end (their epoch is now stale). A wrong current
    password (``CurrentPasswordWrong``) counts as a failed sign-in of the account, so a
    borrowed session cannot be used to guess it; like :func:`attempt_login`, the outcome
    is returned so that the caller commits the count before refusing.
    """
    now = now if now is not None else utcnow()
    row = session.get(AccountRow, account_id)
    if row is None or row.disabled:
        return LoginOutcome(None, LoginRefused())
    key = f"user:{row.username}"
    rows = _throttle_rows(session, [key])
    wait = throttle.retry_after(_state(rows.get(key), now), now)
    if wait is not None:
        return LoginOutcome(None, LoginThrottled(wait))
    if row.password_hash is None or not credentials.verify_password(
        row.password_hash, current_password
    ):
        _count_failure(session, rows, key, throttle.ACCOUNT_LIMITS, now)
        return LoginOutcome(None, CurrentPasswordWrong())
    try:
        _check_password(new_password)
        if new_password == current_password:
            raise InvalidInput("The new password must differ from the current one.")
    except InvalidInput as refused:
        return LoginOutcome(None, refused)
    row.password_hash = credentials.hash_password(new_password)
    row.password_changed_at = utcnow()
    row.session_epoch += 1
    session.add(row)
    audit.info("%s changed their password", row.username)
    return LoginOutcome(_principal(row), None)


# ---------------------------------------------------------------------------- sign-in


def _throttle_rows(session: Session, keys: list[str]) -> dict[str, LoginThrottleRow]:
    rows = session.exec(select(LoginThrottleRow).where(col(LoginThrottleRow.key).in_(keys)))
    return {row.key: row for row in rows}


def _state(row: LoginThrottleRow | None, now: datetime) -> throttle.ThrottleState:
    if row is None:
        return throttle.ThrottleState(failures=0, window_start=now, locked_until=None)
    return throttle.ThrottleState(row.failures, row.window_start, row.locked_until)


def _count_failure(
    session: Session,
    rows: dict[str, LoginThrottleRow],
    key: str,
    limits: throttle.Limits,
    now: datetime,
) -> None:
    state = throttle.after_failure(_state(rows.get(key), now), limits, now)
    stored = rows.get(key) or LoginThrottleRow(key=key)
    stored.failures = state.failures
    stored.window_start = state.window_start
    stored.locked_until = state.locked_until
    session.add(stored)


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """The slow half of a sign-in (the password hash), done without the write lock.

    Checking a password costs about 0.2 s on purpose; on SQLite a transaction that
    writes holds the database's only write lock from its first statement, so
    :func:`check_login` runs in a transaction that only reads and :func:`record_login`
    writes the outcome in a short one of its own.
    """

    username: str
    address: str
    #: the whole seconds to wait if a throttle key was locked when checked
    throttled: int | None
    #: the account whose password matched (enabled), else ``None``
    account_id: int | None
    #: the hash the password matched, and a stronger one if it needs upgrading
    matched_hash: str | None
    rehash: str | None

    @property
    def keys(self) -> dict[str, throttle.Limits]:
        return {
            f"user:{self.username}": throttle.ACCOUNT_LIMITS,
            f"ip:{self.address}": throttle.ADDRESS_LIMITS,
        }


def _throttled(
    rows: dict[str, LoginThrottleRow], keys: dict[str, throttle.Limits], now: datetime
) -> int | None:
    waits = [
        wait
        for key in keys
        if (wait := throttle.retry_after(_state(rows.get(key), now), now)) is not None
    ]
    return max(waits) if waits else None


def check_login(
    session: Session, *, username: str, password: str, address: str, now: datetime | None = None
) -> LoginCheck:
    """Check a sign-in's password, reading only; :func:`record_login` settles it.

    A locked key is refused before the password is even checked, so guessing cannot go
    on while locked.
    """
    now = now if now is not None else utcnow()
    name = _normalise(username)
    check = LoginCheck(name, address, None, None, None, None)
    rows = _throttle_rows(session, list(check.keys))
    if (wait := _throttled(rows, check.keys, now)) is not None:
        return LoginCheck(name, address, wait, None, None, None)
    row = session.exec(select(AccountRow).where(AccountRow.username == name)).first()
    if row is None or row.password_hash is None:
        credentials.dummy_verify(password)
        return check
    if not credentials.verify_password(row.password_hash, password) or row.disabled:
        return check
    rehash = (
        credentials.hash_password(password) if credentials.needs_rehash(row.password_hash) else None
    )
    return LoginCheck(name, address, None, row.id, row.password_hash, rehash)


def record_login(
    session: Session, check: LoginCheck, *, password: str, now: datetime | None = None
) -> LoginOutcome:
    """Settle a checked sign-in: count a failure, or open the way and note the time.

    The throttle is read again here, in the transaction that writes: attempts checked
    side by side are counted one after the other, and once a key locks, the rest are
    refused as throttled even if their password was right.
    """
    now = now if now is not None else utcnow()
    keys = check.keys
    rows = _throttle_rows(session, list(keys))
    wait = check.throttled if check.throttled is not None else _throttled(rows, keys, now)
    if wait is not None:
        return LoginOutcome(None, LoginThrottled(wait))
    row = session.get(AccountRow, check.account_id) if check.account_id is not None else None
    ok = row is not None and not row.disabled and row.password_hash is not None
    if ok and row is not None and row.password_hash != check.matched_hash:
        # Changed since the check (a new password, or a rehash by a sign-in beside this one).
        ok = credentials.verify_password(str(row.password_hash), password)
    if not ok or row is None:
        for key, limits in keys.items():
            _count_failure(session, rows, key, limits, now)
        audit.info("failed sign-in as %s from %s", check.username, check.address)
        return LoginOutcome(None, LoginRefused())
    account_row = rows.get(f"user:{check.username}")
    if account_row is not None:
        session.delete(account_row)  # the address keeps its count: it may be guessing
    if check.rehash is not None and row.password_hash == check.matched_hash:
        row.password_hash = check.rehash
    row.last_login_at = now
    session.add(row)
    audit.info("%s signed in from %s", row.username, check.address)
    return LoginOutcome(_principal(row), None)


def attempt_login(
    session: Session, *, username: str, password: str, address: str, now: datetime | None = None
) -> LoginOutcome:
    """Check a sign-in and settle it in one transaction (:func:`check_login` and
    :func:`record_login`; a web request runs them in two, so the write lock is not held
    while the password is checked).

    Failures count per account and per client address; the caller commits whatever the
    outcome, so failures survive a restart.
    """
    check = check_login(session, username=username, password=password, address=address, now=now)
    return record_login(session, check, password=password, now=now)


def load_principal(
    session: Session, *, account_id: int, epoch: int, session_key: str,
    now: datetime | None = None,
) -> Principal | None:
    """The principal of the browser session ``session_key``, or ``None`` once it has ended.

    A session ends when it signs out or grows too old (:mod:`runtime.accounts.sessions`),
    and with every session of its account when the account is disabled or changes role
    or password (the account's ``session_epoch`` moves on), or is deleted.
    """
    row = session.get(AccountRow, account_id)
    if row is None or row.disabled or row.session_epoch != epoch:
        return None
    if not sessions.session_open(session, key=session_key, account_id=account_id, now=now):
        return None
    return replace(_principal(row), session_key=session_key)


# ---------------------------------------------------------------------------- tokens


def create_token(
    session: Session, *, username: str, name: str, actor: str, role: str | None = None
) -> CreatedToken:
    """Mint a token acting as ``username`` with ``role`` (by default the account's).

    The role may not exceed the account's own (``InvalidInput``). The returned text is
    the only copy: the store keeps its SHA-256.
    """
    row = _row(session, username)
    own = Role(row.role)
    scope = _role(role) if role is not None else own
    if scope not in grantable(own):
        raise InvalidInput(
            f"A token of {row.username} ({own.value}) cannot carry the {scope.value} role."
        )
    label = name.strip()
    if not label or len(label) > 120:
        raise InvalidInput("A token needs a name of 1 to 120 characters.")
    text = credentials.new_token()
    assert row.id is not None
    token = ApiTokenRow(
        account_id=row.id,
        name=label,
        role=scope.value,
        prefix=text[: len(credentials.TOKEN_PREFIX) + 4],
        token_hash=credentials.token_hash(text),
        created_by=actor,
    )
    session.add(token)
    session.flush()
    audit.info("%s created token %s (%s) for %s", actor, label, scope.value, row.username)
    return CreatedToken(token=text, info=_token_info(token, row.username))


def list_tokens(session: Session, *, username: str | None = None) -> list[TokenInfo]:
    """Tokens, newest first; only ``username``'s when given. Revoked ones are included."""
    query = select(ApiTokenRow, AccountRow.username).join(
        AccountRow, col(AccountRow.id) == col(ApiTokenRow.account_id)
    )
    if username is not None:
        query = query.where(AccountRow.username == _normalise(username))
    rows = session.exec(query.order_by(col(ApiTokenRow.id).desc())).all()
    return [_token_info(token, owner) for token, owner in rows]


def revoke_token(session: Session, *, token_id: int, actor: str) -> TokenInfo:
    """Revoke a token at once; revoking it again changes nothing."""
    token = session.get(ApiTokenRow, token_id)
    if token is None:
        raise NotFound("token", str(token_id))
    owner = session.get(AccountRow, token.account_id)
    assert owner is not None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        audit.info("%s revoked token %s of %s", actor, token.name, owner.username)
    return _token_info(token, owner.username)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """What a token is worth now: its principal (``None``: unknown, revoked, disabled or
    demoted) and whether its last use, kept to the minute, is due to be recorded."""

    principal: Principal | None
    use_due: bool = False


_token, _account = ApiTokenRow.__table__, AccountRow.__table__  # type: ignore[attr-defined]
#: Everything a token check reads, in one row: a request with a token makes it every time,
#: so it reads columns on the driver instead of loading two ORM rows.
_TOKEN_CHECK = (
    sa_select(
        _token.c.id, _token.c.role, _token.c.revoked_at, _token.c.last_used_at,
        _account.c.id, _account.c.username, _account.c.role, _account.c.agent_id,
        _account.c.disabled, _account.c.session_epoch,
    )
    .select_from(_token.join(_account, _account.c.id == _token.c.account_id))
    .where(_token.c.token_hash == bindparam("_hash"))
)
_RECORD_TOKEN_USE = (
    update(_token)
    .where(_token.c.id == bindparam("_id"))
    .values(last_used_at=bindparam("_now", type_=_token.c.last_used_at.type))
)


def check_token(session: Session, *, token: str, now: datetime | None = None) -> TokenCheck:
    """Check a token against the store now, reading only (no write lock on SQLite)."""
    if not token.startswith(credentials.TOKEN_PREFIX):
        return TokenCheck(None)
    found = sql.read_first(session, _TOKEN_CHECK, {"_hash": credentials.token_hash(token)})
    if found is None:
        return TokenCheck(None)
    (token_id, scope, revoked_at, last_used_at,
     account_id, username, role, agent, disabled, epoch) = found  # fmt: skip
    if revoked_at is not None or disabled:
        return TokenCheck(None)
    if Role(scope) not in grantable(Role(role)):
        return TokenCheck(None)  # the account was demoted below what the token carries
    principal = Principal(
        account_id=account_id, username=username, role=Role(scope), agent_id=agent,
        epoch=epoch, token_id=token_id,
    )  # fmt: skip
    now = now if now is not None else utcnow()
    return TokenCheck(
        principal, last_used_at is None or now - last_used_at >= _LAST_USED_GRANULARITY
    )


def record_token_use(session: Session, *, token_id: int, now: datetime) -> None:
    """Record that a token was used at ``now`` (callers do when :func:`check_token` says so)."""
    sql.write(session, _RECORD_TOKEN_USE, [{"_id": token_id, "_now": now}])


def authenticate_token(
    session: Session, *, token: str, now: datetime | None = None
) -> Principal | None:
    """The principal a token acts as, or ``None`` if it is unknown, revoked or disabled.

    Records when the token was last used (to the minute).
    """
    now = now if now is not None else utcnow()
    checked = check_token(session, token=token, now=now)
    if checked.principal is not None and checked.use_due:
        assert checked.principal.token_id is not None
        record_token_use(session, token_id=checked.principal.token_id, now=now)
    return checked.principal


def _token_principal(row: ApiTokenRow, account: AccountRow) -> Principal | None:
    role = Role(row.role)
    if row.revoked_at is not None or account.disabled:
        return None
    if role not in grantable(Role(account.role)):
        return None  # the account was demoted below what the token carries
    return _principal(account, role=role, token_id=row.id)


def load_token_principal(session: Session, *, token_id: int) -> Principal | None:
    """The principal of a token already checked once (a socket's), ``None`` once revoked."""
    found = session.exec(
        select(ApiTokenRow, AccountRow)
        .join(AccountRow, col(AccountRow.id) == col(ApiTokenRow.account_id))
        .where(ApiTokenRow.id == token_id)
    ).first()
    if found is None:
        return None
    return _token_principal(*found)


def principal_or_raise(outcome: LoginOutcome) -> Principal:
    """The outcome's principal, or its error raised (after the caller has committed)."""
    if outcome.error is not None:
        raise outcome.error
    assert outcome.principal is not None
    return outcome.principal
