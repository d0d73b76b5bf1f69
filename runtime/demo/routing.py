"""Demo agents, skills, queues and a business calendar for an empty database.

``baton run`` calls :func:`seed_demo_routing` after loading the shipped examples, so
routing works out of the box: every queue and skill the examples name exists, and each
queue has online agents who fit its steps. Nothing happens when any agent exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, select

from graphs.model import InteractiveStep, StageNode, Workflow
from runtime.store.routing_tables import (
    AgentPresenceRow,
    AgentRow,
    CalendarRow,
    QueueRow,
    SkillRow,
)

__all__ = ["DEMO_AGENTS", "seed_demo_routing"]

#: id, name, skills with levels, languages, the workflows whose queues they work in.
DEMO_AGENTS: tuple[tuple[str, str, dict[str, int], list[str], set[str]], ...] = (
    ("ada", "Ada Lovelace", {"technical-support": 5, "senior-engineer": 3}, ["english"],
     {"support-case"}),
    ("ben", "Ben Okafor", {"technical-support": 3, "billing": 4}, ["english", "french"],
     {"support-case"}),
    ("chen", "Chen Wei", {"senior-engineer": 5, "technical-support": 4}, ["english"],
     {"support-case"}),
    ("dana", "Dana Novak", {"claims-assessment": 4}, ["english", "german"],
     {"insurance-claim"}),
    ("eli", "Eli Haddad", {"claims-assessment": 5, "fraud-review": 3}, ["english"],
     {"insurance-claim"}),
    ("fay", "Fay Moreau", {"access-governance": 4, "iam": 4, "risk-assessment": 3},
     ["english", "french"], {"access-request"}),
    ("gus", "Gus Lindqvist", {"iam": 3, "risk-assessment": 4}, ["english"],
     {"access-request"}),
    ("hana", "Hana Sato", {"technical-support": 2, "claims-assessment": 2}, ["english"],
     {"support-case", "insurance-claim", "access-request"}),
)  # fmt: skip

CALENDAR = "office-hours"


def _steps(workflow: Workflow) -> Iterable[tuple[StageNode, InteractiveStep]]:
    for node in workflow.nodes:
        if isinstance(node, StageNode):
            for step in node.steps:
                if isinstance(step, InteractiveStep):
                    yield node, step


def seed_demo_routing(session: Session, workflows: Iterable[Workflow], now: datetime) -> list[str]:
    """Create the demo routing set-up when there are no agents; the agents' ids."""
    if session.exec(select(AgentRow.id).limit(1)).first() is not None:
        return []
    wanted: dict[str, dict[str, object]] = {}  # queue -> workflows, skill sets, strategies
    skills: set[str] = set()
    for workflow in workflows:
        for node in workflow.nodes:
            if isinstance(node, StageNode) and node.owner:
                entry = wanted.setdefault(node.owner, {"wf": set(), "sets": [], "strategies": []})
                entry["wf"].add(workflow.id)  # type: ignore[attr-defined]
        for stage, step in _steps(workflow):
            queue = step.assignment.queue or stage.owner
            if not queue:
                continue
            entry = wanted.setdefault(queue, {"wf": set(), "sets": [], "strategies": []})
            entry["wf"].add(workflow.id)  # type: ignore[attr-defined]
            entry["sets"].append(set(step.assignment.skills))  # type: ignore[attr-defined]
            if step.assignment.strategy:
                entry["strategies"].append(step.assignment.strategy.value)  # type: ignore[attr-defined]
            skills.update(step.assignment.skills)
    languages = {lang for _, _, _, langs, _ in DEMO_AGENTS for lang in langs}
    for _, _, held, _, _ in DEMO_AGENTS:
        skills.update(held)
    for name in sorted(skills - languages):
        session.add(SkillRow(name=name, description=f"Demo skill {name}"))
    for agent_id, name, held, langs, _ in DEMO_AGENTS:
        session.add(
            AgentRow(
                id=agent_id,
                name=name,
                email=f"{agent_id}@example.com",
                skills=held,
                languages=langs,
                max_items=5,
                availability="online",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(AgentPresenceRow(agent_id=agent_id, availability="online", at=now))
    session.add(
        CalendarRow(
            name=CALENDAR,
            description="Monday to Friday, 09:00-17:00 London time, England's bank holidays",
            timezone="Europe/London",
            hours={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            country="GB",
            region="ENG",
            holidays=["2026-12-24"],  # the office's own: closed on Christmas Eve
            updated_at=now,
        )
    )
    for queue, entry in sorted(wanted.items()):
        workflows_of: set[str] = entry["wf"]  # type: ignore[assignment]
        sets: list[set[str]] = entry["sets"]  # type: ignore[assignment]
        strategies: list[str] = entry["strategies"]  # type: ignore[assignment]
        members = [
            agent_id
            for agent_id, _, held, langs, domains in DEMO_AGENTS
            if domains & workflows_of
            and (not sets or any(s <= set(held) | set(langs) for s in sets))
        ]
        session.add(
            QueueRow(
                name=queue,
                description=f"Demo queue for {', '.join(sorted(workflows_of))}",
                strategy=max(set(strategies), key=strategies.count)
                if strategies
                else "round_robin",
                members=members,
                calendar=CALENDAR,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    return [agent_id for agent_id, *_ in DEMO_AGENTS]
