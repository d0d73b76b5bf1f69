"""``baton users``: accounts and API tokens from the command line.

    baton users create ada --role admin          # asks for the password twice
    baton users list
    baton users set-password ada
    baton users disable ada / enable ada
    baton users set-role cy agent --agent agent-cy
    baton users tokens create ci --user ada --role viewer   # prints the token once
    baton users tokens list / revoke 3

Changes made here name ``cli:<login name>`` in the audit log, the person at the shell.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.accounts import service
from runtime.accounts.roles import Role
from runtime.db import make_engine, session_scope
from runtime.errors import BatonRuntimeError
from runtime.settings import Settings
from runtime.store import migrate

__all__ = ["register"]

T = TypeVar("T")
_ROLES = click.Choice([role.value for role in Role])


def _engine() -> Engine:
    engine = make_engine(Settings().resolved_database_url())
    migrate(engine)
    return engine


def _run(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; a refused change is said without a traceback."""
    engine = _engine()
    try:
        with session_scope(engine) as session:
            return work(session)
    except BatonRuntimeError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        engine.dispose()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in a bare container
        return "cli"


def _password_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="BATON_NEW_PASSWORD",
        help="The password (asked for when omitted; or BATON_NEW_PASSWORD).",
    )(func)


@click.group("users")
def users() -> None:
    """Accounts (admin, supervisor, agent, viewer) and API tokens."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=_ROLES, required=True)
@click.option("--agent", "agent_id", default=None, help="The routing agent an agent works as.")
@click.option("--name", "display_name", default="", help="The name shown in the app.")
@_password_option
def create(username: str, role: str, agent_id: str | None, display_name: str,
           password: str) -> None:
    """Create an account."""
    account = _run(
        lambda s: service.create_account(
            s, username=username, role=role, actor=_actor(), password=password,
            display_name=display_name, agent_id=agent_id,
        )
    )
    click.echo(f"Created {account.username} ({account.role.value}).")


@users.command("list")
def list_command() -> None:
    """List the accounts."""
    accounts = _run(service.list_accounts)
    if not accounts:
        click.echo("No accounts yet: baton users create <name> --role admin")
        return
    for account in accounts:
        status = "disabled" if account.disabled else "active"
        agent = f"  agent={account.agent_id}" if account.agent_id else ""
        click.echo(f"{account.username:<24} {account.role.value:<11} {status}{agent}")


@users.command("set-password")
@click.argument("username")
@_password_option
def set_password(username: str, password: str) -> None:
    """Set an account's password; its open sessions end."""
    _run(lambda s: service.set_password(s, username=username, password=password,
                                        actor=_actor()))
    click.echo(f"Password of {username} set; its sessions have ended.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=_ROLES)
@click.option("--agent", "agent_id", default=None, help="The routing agent (agent role).")
def set_role(username: str, role: str, agent_id: str | None) -> None:
    """Change an account's role; its open sessions end."""
    account = _run(lambda s: service.update_account(
        s, username=username, role=role, agent_id=agent_id, actor=_actor()))
    click.echo(f"{account.username} is now {account.role.value}.")


@users.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable an account: it cannot sign in, and its sessions and tokens stop working."""
    _run(lambda s: service.update_account(s, username=username, disabled=True, actor=_actor()))
    click.echo(f"{username} is disabled.")


@users.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    _run(lambda s: service.update_account(s, username=username, disabled=False, actor=_actor()))
    click.echo(f"{username} is enabled.")


@users.group("tokens")
def tokens() -> None:
    """API tokens for integrations."""


@tokens.command("create")
@click.argument("name")
@click.option("--user", "username", required=True, help="The account the token acts as.")
@click.option("--role", type=_ROLES, default=None, help="At most the account's role.")
def create_token(name: str, username: str, role: str | None) -> None:
    """Create a token and print it: the only time it is shown."""
    created = _run(lambda s: service.create_token(
        s, username=username, name=name, role=role, actor=_actor()))
    click.echo(f"Token {created.info.id} ({created.info.role.value}, acting as "
               f"{created.info.username}). Store it now; it is not shown again:")
    click.echo(created.token)


@tokens.command("list")
@click.option("--user", "username", default=None)
def list_tokens(username: str | None) -> None:
    """List tokens (their first characters only)."""
    listed = _run(lambda s: service.list_tokens(s, username=username))
    for token in listed:
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id:>4} {token.name:<20} {token.role.value:<11} {token.username:<16} "
                   f"{token.prefix}…  {state}, last used {used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Revoke a token at once."""
    token = _run(lambda s: service.revoke_token(s, token_id=token_id, actor=_actor()))
    click.echo(f"Token {token.id} ({token.name}) is revoked.")


def register(cli: click.Group) -> None:
    """Add ``baton users`` to ``cli``."""
    cli.add_command(users)
