"""The four roles and what a token made by each may be scoped to.

>>> Role("viewer") in grantable(Role.SUPERVISOR)
True
>>> Role.ADMIN in grantable(Role.SUPERVISOR)
False
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Role", "grantable"]


class Role(StrEnum):
    """What an account may do; the designer's policy table maps endpoints to these."""

    ADMIN = "admin"
    """Design, publish, activate; manage agents, queues, accounts and settings; anything."""
    SUPERVISOR = "supervisor"
    """Monitor, reassign, pause/resume/cancel runs, resolve incidents."""
    AGENT = "agent"
    """Their own work items and the cases behind them; pull-next."""
    VIEWER = "viewer"
    """Read only."""


_GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.SUPERVISOR: frozenset({Role.SUPERVISOR, Role.VIEWER}),
    Role.AGENT: frozenset({Role.AGENT, Role.VIEWER}),
    Role.VIEWER: frozenset({Role.VIEWER}),
}


def grantable(role: Role) -> frozenset[Role]:
    """The roles a token of an account with ``role`` may carry: never more than its own."""
    return _GRANTABLE[role]
