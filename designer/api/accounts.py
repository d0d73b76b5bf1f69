"""Accounts and API tokens, for admins: create, list, change role or status, reset, revoke.

A token's text is in the answer that creates it and nowhere else, ever.
"""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from designer.api.http import RouteDoc, documented, json_body, query_args, respond
from designer.api.schemas import QueryModel
from designer.auth.identity import actor
from designer.auth.sockets import recheck_connections
from designer.extensions import db_session
from runtime.accounts import service
from runtime.accounts.credentials import MIN_PASSWORD_LENGTH
from runtime.accounts.roles import Role
from runtime.accounts.service import AccountInfo, CreatedToken, TokenInfo

__all__ = ["bp"]

bp = Blueprint("accounts", __name__)

_TAG = "accounts"
_NAME = {"username": "The account's username"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountList(_Body):
    """Every account."""

    accounts: list[AccountInfo]


class CreateAccountBody(_Body):
    """A new account; without a password it cannot sign in until one is set."""

    username: str = Field(min_length=2, max_length=80)
    role: Role
    password: str | None = Field(default=None, min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    display_name: str = Field(default="", max_length=200)
    agent_id: str | None = Field(
        default=None, max_length=120, description="Only for agent accounts (400 otherwise)"
    )


class UpdateAccountBody(_Body):
    """Changes to an account; a role change or disabling ends its sessions."""

    role: Role | None = None
    disabled: bool | None = None
    display_name: str | None = Field(default=None, max_length=200)
    agent_id: str | None = Field(default=None, max_length=120)
    clear_agent: bool = False


class PasswordResetBody(_Body):
    """A new password set by an admin."""

    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class TokenList(_Body):
    """API tokens, newest first, revoked ones included."""

    tokens: list[TokenInfo]


class TokenQuery(QueryModel):
    """Only one account's tokens."""

    username: str | None = None


class CreateTokenBody(_Body):
    """A new API token acting as ``username`` with ``role`` (default: the account's)."""

    username: str = Field(max_length=80)
    name: str = Field(max_length=120)
    role: Role | None = None


@bp.get("/accounts")
@documented(RouteDoc("List accounts", _TAG, {200: AccountList}))
def list_accounts() -> Response:
    return respond(AccountList(accounts=service.list_accounts(db_session())))


@bp.post("/accounts")
@documented(
    RouteDoc("Create an account", _TAG, {201: AccountInfo}, body=CreateAccountBody,
             errors=(400, 404, 409, 415))
)
def create_account() -> Response:
    body = json_body(CreateAccountBody)
    created = service.create_account(
        db_session(), username=body.username, role=body.role.value, actor=actor(),
        password=body.password, display_name=body.display_name, agent_id=body.agent_id,
    )
    return respond(created, 201, {"Location": f"/api/accounts/{created.username}"})


@bp.get("/accounts/<username>")
@documented(RouteDoc("Read an account", _TAG, {200: AccountInfo}, errors=(404,),
                     path_params=_NAME))
def get_account(username: str) -> Response:
    return respond(service.get_account(db_session(), username=username))


@bp.patch("/accounts/<username>")
@documented(
    RouteDoc("Change an account's role, status or agent", _TAG, {200: AccountInfo},
             body=UpdateAccountBody, errors=(400, 404, 415), path_params=_NAME)
)
def update_account(username: str) -> Response:
    body = json_body(UpdateAccountBody)
    updated = service.update_account(
        db_session(), username=username, actor=actor(),
        role=body.role.value if body.role is not None else None, disabled=body.disabled,
        display_name=body.display_name, agent_id=body.agent_id, clear_agent=body.clear_agent,
    )
    recheck_connections()  # a disabled or demoted account's sockets go now
    return respond(updated)


@bp.put("/accounts/<username>/password")
@documented(
    RouteDoc("Set an account's password", _TAG, {204: None}, body=PasswordResetBody,
             errors=(400, 404, 415), path_params=_NAME,
             description="Ends every open session of the account.")
)
def set_password(username: str) -> Response:
    body = json_body(PasswordResetBody)
    service.set_password(db_session(), username=username, password=body.password, actor=actor())
    recheck_connections()
    return Response(status=204)


@bp.get("/tokens")
@documented(RouteDoc("List API tokens", _TAG, {200: TokenList}, query=TokenQuery))
def list_tokens() -> Response:
    query = query_args(TokenQuery)
    return respond(TokenList(tokens=service.list_tokens(db_session(), username=query.username)))


@bp.post("/tokens")
@documented(
    RouteDoc(
        "Create an API token",
        _TAG,
        {201: CreatedToken},
        body=CreateTokenBody,
        errors=(400, 404, 415),
        description=(
            "The answer holds the token's text: the only time it is shown. Send it as "
            "`Authorization: Bearer <token>`. Its role may not exceed the account's."
        ),
    )
)
def create_token() -> Response:
    body = json_body(CreateTokenBody)
    created = service.create_token(
        db_session(), username=body.username, name=body.name, actor=actor(),
        role=body.role.value if body.role is not None else None,
    )
    return respond(created, 201)


@bp.delete("/tokens/<int:token_id>")
@documented(
    RouteDoc("Revoke an API token", _TAG, {200: TokenInfo}, errors=(404,),
             path_params={"token_id": "The token's id"})
)
def revoke_token(token_id: int) -> Response:
    revoked = service.revoke_token(db_session(), token_id=token_id, actor=actor())
    recheck_connections()  # the token's sockets go now, not at their next join
    return respond(revoked)
