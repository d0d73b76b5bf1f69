"""Demo accounts for development: one per role, agents tied to the routing agents.

``baton run`` calls :func:`seed_demo_accounts` when no account exists yet and the
settings are not production's; it prints what it made. Production never gets them, and
refuses a configured demo password (:func:`refuse_unsafe_production`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from runtime.accounts import credentials, service
from runtime.accounts.roles import Role
from runtime.db import session_scope
from runtime.settings import Settings
from runtime.store.routing_tables import AgentRow

__all__ = ["DemoAccount", "describe", "refuse_unsafe_production", "seed_demo_accounts"]

_MAX_DEMO_AGENTS = 3


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo account and its password, to print once."""

    username: str
    role: Role
    password: str
    agent_id: str | None = None


def refuse_unsafe_production(settings: Settings) -> None:
    """Raise ``RuntimeError`` for development-only secrets in production settings."""
    if settings.env == "production" and settings.demo_password is not None:
        raise RuntimeError(
            "BATON_DEMO_PASSWORD is for development only; unset it when BATON_ENV=production."
        )


def _username(agent: AgentRow, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", agent.id.lower()).strip("-._") or "agent"
    name, n = base[:70], 2
    while name in taken or len(name) < 2:
        name, n = f"{base[:66]}-{n}", n + 1
    return name


def seed_demo_accounts(engine: Engine, settings: Settings) -> list[DemoAccount]:
    """Create demo accounts in a store with none; ``[]`` in production or if any exist.

    admin, supervisor and viewer, plus an agent account for each of the first three
    routing agents (or one unlinked ``agent`` when there are none yet). Every account
    gets ``settings.demo_password`` or, without one, its own random password.
    """
    if settings.env == "production":
        return []
    with session_scope(engine) as session:
        if service.count_accounts(session):
            return []
        agents = session.exec(
            select(AgentRow).order_by(col(AgentRow.id)).limit(_MAX_DEMO_AGENTS)
        ).all()
        plan: list[tuple[str, Role, str | None, str]] = [
            ("admin", Role.ADMIN, None, "Admin"),
            ("supervisor", Role.SUPERVISOR, None, "Supervisor"),
            ("viewer", Role.VIEWER, None, "Viewer"),
        ]
        taken = {name for name, _, _, _ in plan}
        for agent in agents:
            name = _username(agent, taken)
            taken.add(name)
            plan.append((name, Role.AGENT, agent.id, agent.name))
        if not agents:
            plan.append(("agent", Role.AGENT, None, "Agent"))
        made = []
        for username, role, agent_id, display_name in plan:
            password = settings.demo_password or credentials.new_password()
            service.create_account(
                session, username=username, role=role.value, actor="baton run (demo)",
                password=password, agent_id=agent_id, display_name=display_name,
            )
            made.append(DemoAccount(username, role, password, agent_id))
        return made


def describe(made: list[DemoAccount]) -> list[str]:
    """Lines for the console: each demo account with its password (shown this once)."""
    if not made:
        return []
    lines = ["Demo accounts (development only; passwords are shown this once):"]
    for account in made:
        agent = f"  works as agent {account.agent_id}" if account.agent_id else ""
        lines.append(f"  {account.username:<14} {account.role.value:<11} {account.password}{agent}")
    return lines
