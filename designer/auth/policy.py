"""THE authorisation table: every endpoint of the app, and who may call it.

One rule per Flask endpoint name. A rule lists the roles allowed outright and, for
agents, what they must own (a work item assigned to them, the case or run behind one,
their own agent record or inbox). :func:`designer.auth.guard` enforces it before every
request; an endpoint missing here is refused to everyone (fail closed), and the
authorisation matrix test fails until it gets a rule.

Socket.IO rooms follow the same rules (:data:`ROOMS`): watching a run is reading it.

Roles at a glance (admin may do anything a supervisor may):

===========  ===================================================================
admin        design, publish, activate; agents, queues, accounts, settings
supervisor   monitor; reassign; pause, resume, cancel runs; resolve incidents
agent        their own work items and the cases behind them; pull-next
viewer       read everything, change nothing
===========  ===================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlmodel import Session

from runtime.accounts import ownership
from runtime.accounts.roles import Role
from runtime.accounts.service import Principal

__all__ = [
    "ANYONE_SIGNED_IN",
    "DESIGNERS",
    "OPERATORS",
    "POLICY",
    "READERS",
    "ROOMS",
    "OwnAgent",
    "OwnCase",
    "OwnListing",
    "OwnRun",
    "OwnWorkItem",
    "Ownership",
    "Rule",
    "allow",
    "public",
]

ADMIN, SUPERVISOR, AGENT, VIEWER = Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.VIEWER

DESIGNERS = frozenset({ADMIN})
OPERATORS = frozenset({ADMIN, SUPERVISOR})
READERS = frozenset({ADMIN, SUPERVISOR, VIEWER})
ANYONE_SIGNED_IN = frozenset(Role)


class Ownership(Protocol):
    """What an agent must own for a request; ``args`` are the path and query arguments."""

    @property
    def description(self) -> str:
        """What the agent must own, for a refusal's message ("work items assigned to them")."""
        ...

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        """Whether ``principal`` owns what ``args`` name."""
        ...


@dataclass(frozen=True)
class OwnWorkItem:
    """The work item named by ``param`` is assigned to (or was completed by) the agent."""

    param: str = "key"
    description: str = "work items assigned to them"

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        key = args.get(self.param)
        return key is not None and ownership.owns_work_item(
            session, agent_id=principal.agent_id, username=principal.username, key=str(key)
        )


@dataclass(frozen=True)
class OwnCase:
    """The case named by ``param`` has a work item of the agent's."""

    param: str = "case_id"
    description: str = "cases with a work item of theirs"

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        case_id = args.get(self.param)
        return case_id is not None and ownership.owns_case(
            session, agent_id=principal.agent_id, username=principal.username,
            case_id=str(case_id),
        )


@dataclass(frozen=True)
class OwnRun:
    """The run named by ``param`` belongs to a case with a work item of the agent's."""

    param: str = "run_id"
    description: str = "runs of cases with a work item of theirs"

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        run_id = args.get(self.param)
        return run_id is not None and ownership.owns_run(
            session, agent_id=principal.agent_id, username=principal.username,
            run_id=str(run_id),
        )


@dataclass(frozen=True)
class OwnAgent:
    """The agent record named by ``param`` is the one the account works as."""

    param: str = "agent_id"
    description: str = "their own agent record"

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        return principal.agent_id is not None and args.get(self.param) == principal.agent_id


@dataclass(frozen=True)
class OwnListing:
    """A list filtered to the agent: the query parameter ``param`` names their agent."""

    param: str = "assignee"
    description: str = "lists filtered to themselves"

    def allows(self, session: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
        return principal.agent_id is not None and args.get(self.param) == principal.agent_id


@dataclass(frozen=True)
class Rule:
    """Who may call one endpoint.

    ``roles`` may call it outright; ``agent`` lets agents call it for what they own.
    A ``public`` endpoint needs no account at all (health, sign-in, the page shell).
    """

    roles: frozenset[Role] = frozenset()
    agent: Ownership | None = None
    is_public: bool = False
    token_allowed: bool = True

    def admits(self, role: Role) -> bool:
        """Whether ``role`` may call the endpoint at all (perhaps only for what it owns)."""
        return self.is_public or role in self.roles or (role is AGENT and self.agent is not None)


def public() -> Rule:
    """Anyone, signed in or not."""
    return Rule(is_public=True)


def allow(*role_sets: frozenset[Role] | Role, agent: Ownership | None = None,
          token_allowed: bool = True) -> Rule:
    """The union of ``role_sets`` outright, and agents for what ``agent`` says they own."""
    roles: set[Role] = set()
    for item in role_sets:
        roles |= {item} if isinstance(item, Role) else set(item)
    return Rule(frozenset(roles), agent=agent, token_allowed=token_allowed)


EVERYONE = ANYONE_SIGNED_IN
# Agents read workflow definitions: the case page draws the version a case runs on.
READ = allow(EVERYONE)
DESIGN = allow(DESIGNERS)
OPERATE = allow(OPERATORS)
ADMIN_ONLY = allow(ADMIN)

POLICY: dict[str, Rule] = {
    # -- the page shell and the API's own description
    "spa.index": public(),
    "spa.page_or_file": public(),
    "meta.health": public(),
    "meta.ready": public(),  # for load balancers and orchestrators: says nothing secret
    "meta.schema": READ,
    "meta.actions": READ,
    "meta.openapi": READ,
    # -- what the canvas offers while a workflow is drawn (design_aids)
    "design_aids.workflow_data_flow": DESIGN,
    "design_aids.demo_service_addresses": DESIGN,
    # -- signing in and out
    "session.get_session": public(),
    "session.login": public(),
    "session.logout": public(),
    "session.change_password": allow(EVERYONE, token_allowed=False),
    # -- accounts and API tokens
    "accounts.list_accounts": ADMIN_ONLY,
    "accounts.create_account": ADMIN_ONLY,
    "accounts.get_account": ADMIN_ONLY,
    "accounts.update_account": ADMIN_ONLY,
    "accounts.set_password": ADMIN_ONLY,
    "accounts.list_tokens": ADMIN_ONLY,
    "accounts.create_token": ADMIN_ONLY,
    "accounts.revoke_token": ADMIN_ONLY,
    # -- workflow definitions
    "workflows.list_workflows": READ,
    "workflows.get_workflow": READ,
    "workflows.list_versions": READ,
    "workflows.get_version": READ,
    "workflows.diff": READ,
    "workflows.export_workflow": READ,
    "workflows.validate_workflow": READ,  # computes, stores nothing
    "workflows.create_workflow": DESIGN,
    "workflows.import_workflow": DESIGN,
    "interop.preview_import": DESIGN,  # as the import it previews
    "workflows.save_draft": DESIGN,
    "workflows.delete_workflow": DESIGN,
    "workflows.publish": DESIGN,
    "workflows.activate": DESIGN,
    "whatif.run_whatif": DESIGN,  # reads recorded cases; writes nothing
    # -- cases, runs, work items and the monitor (live cases)
    "runs.list_runs": allow(READERS, agent=OwnListing()),
    "runs.get_run": allow(READERS, agent=OwnRun()),
    "runs.read_log": allow(READERS, agent=OwnRun()),
    "runs.export_run": allow(READERS, agent=OwnRun()),
    "runs.export_workflow_runs": allow(READERS),
    "runs.start_run": OPERATE,
    "runs.pause": OPERATE,
    "runs.resume": OPERATE,
    "runs.cancel": OPERATE,
    "runs.retry": OPERATE,
    "runs.skip": OPERATE,
    "cases.create_case": OPERATE,
    "cases.start_preview": OPERATE,  # as the creation it previews
    "cases.trigger_overlaps": READ,
    "cases.get_case": allow(READERS, agent=OwnCase()),
    "cases.case_changes": allow(READERS, agent=OwnCase()),
    "cases.update_case": allow(OPERATORS, agent=OwnCase()),
    "cases.list_work_items": allow(READERS, agent=OwnListing()),
    "cases.get_work_item": allow(READERS, agent=OwnWorkItem()),
    "cases.complete_work_item": allow(OPERATORS, agent=OwnWorkItem()),
    "cases.reassign_work_item": OPERATE,
    "monitor.workflow_monitor": allow(READERS),
    "monitor.bulk": OPERATE,
    # -- routing: agents, skills, queues, calendars, inboxes, metrics
    "agents.routing_options": READ,
    "agents.list_skills": READ,
    "agents.save_skill": ADMIN_ONLY,
    "agents.delete_skill": ADMIN_ONLY,
    "agents.list_agents": allow(READERS),
    "agents.get_agent": allow(READERS, agent=OwnAgent()),
    "agents.save_agent": ADMIN_ONLY,
    "agents.delete_agent": ADMIN_ONLY,
    "agents.set_availability": allow(OPERATORS, agent=OwnAgent()),
    "agents.inbox": allow(READERS, agent=OwnAgent()),
    "agents.pull": allow(ADMIN, agent=OwnAgent()),
    "agents.agent_assignments": allow(READERS, agent=OwnAgent()),
    "agents.list_queues": READ,
    "agents.save_queue": ADMIN_ONLY,
    "agents.delete_queue": ADMIN_ONLY,
    "agents.list_calendars": READ,
    "agents.holiday_countries": READ,
    "agents.save_calendar": ADMIN_ONLY,
    "agents.delete_calendar": ADMIN_ONLY,
    "agents.reassign": OPERATE,
    "agents.item_assignments": allow(READERS, agent=OwnWorkItem()),
    "metrics.metrics": allow(READERS),
    # Prometheus scrapes with a viewer's API token: the figures name queues, actions, hosts
    "prometheus.metrics": allow(READERS),
    # -- the Salesforce connection (settings are the admin's; reading its state is not secret)
    "salesforce.connection": allow(READERS),
    "salesforce.test_connection": ADMIN_ONLY,
    "salesforce.sobject_fields": DESIGN,
    "salesforce.sync_now": ADMIN_ONLY,
    # -- AI steps: figures and budgets are read like metrics; training and budgets are set
    # by admins; a reviewer reads the suggestion behind their own work item
    "ai.metrics": allow(READERS),
    "ai.list_models": allow(READERS),
    "ai.train_model": ADMIN_ONLY,
    "ai.get_budget": allow(READERS),
    "ai.set_budget": ADMIN_ONLY,
    "ai.provider": allow(READERS),
    "ai.suggestion": allow(READERS, agent=OwnWorkItem()),
    # -- moving running cases to another version: supervisors see the impact, admins move
    "versions.migration_impact": OPERATE,
    "versions.start_migration": ADMIN_ONLY,
    "versions.list_migrations": OPERATE,
    "versions.get_migration": OPERATE,
}
"""Endpoint name -> rule. Every endpoint of the app is here (the matrix test checks)."""

ROOMS: dict[str, Rule] = {
    "run": allow(READERS, agent=OwnRun(param="key")),
    "workflow": allow(READERS),
    "agent": allow(READERS, agent=OwnAgent(param="key")),
}
"""Socket.IO room kind -> rule; the room's key arrives as the argument ``key``."""
