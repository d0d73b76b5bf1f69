"""Routing: agents, skills, queues, business calendars; an agent's inbox, pull-next, and
reassignment with a reason. Thin routes: the work is in :mod:`runtime.services.agents`."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, ConfigDict, Field

from designer.api.http import RouteDoc, documented, json_body, query_args, respond
from designer.api.schemas import QueryModel
from designer.extensions import db_session, socketio
from runtime.errors import InvalidInput
from runtime.live import INBOX_CHANGED, agent_room
from runtime.routing.choose import STRATEGIES
from runtime.services import agents as service
from runtime.services.agents import (
    AgentIn,
    AgentOut,
    AssignmentOut,
    Availability,
    CalendarIn,
    CalendarOut,
    HolidayCountry,
    InboxItem,
    InboxOut,
    QueueIn,
    QueueOut,
    SkillIn,
)

__all__ = ["bp"]

bp = Blueprint("agents", __name__)

_TAG = "routing"
_AGENT = {"agent_id": "The agent's id"}
_AGENT_IN_BODY = {"agent_id": "The agent's id; the body's `id` must be the same (400 otherwise)"}
_NAME = {"name": "The name"}
_NAME_IN_BODY = {"name": "The name; the body's `name` must be the same (400 otherwise)"}
_KEY = {"key": "The work item's key (<run>:<step>:<attempt>)"}


def _actor() -> str:
    from designer.api.run_schemas import current_actor

    return current_actor()


class SkillList(BaseModel):
    """Every skill."""

    skills: list[SkillIn]


class AgentList(BaseModel):
    """Every agent with load and availability."""

    agents: list[AgentOut]


class QueueList(BaseModel):
    """Every queue."""

    queues: list[QueueOut]


class CalendarList(BaseModel):
    """Every business calendar."""

    calendars: list[CalendarOut]


class HolidayCountryList(BaseModel):
    """The countries, with their regions, whose public holidays a calendar can keep."""

    countries: list[HolidayCountry]


class AssignmentList(BaseModel):
    """Assignment decisions, newest first."""

    assignments: list[AssignmentOut]


class RoutingOptions(BaseModel):
    """What the canvas's pickers offer: strategies, skills, queues, calendars."""

    strategies: list[str]
    skills: list[str]
    queues: list[str]
    calendars: list[str]
    agents: list[str]


class AvailabilityBody(BaseModel):
    """An agent's new availability."""

    model_config = ConfigDict(extra="forbid")

    availability: Availability


class ReassignBody(BaseModel):
    """Where a work item goes, and why (required)."""

    model_config = ConfigDict(extra="forbid")

    agent: str | None = Field(default=None, description="The new agent; null: back to the queue")
    queue: str | None = Field(default=None, description="Move it to this queue first")
    reason: str = Field(min_length=1, max_length=2000)


class AssignmentQuery(QueryModel):
    """Filters of the assignment list."""

    agent: str | None = None
    limit: int = Field(default=100, ge=1, le=500)


def _same(path_value: str, body_value: str, what: str) -> None:
    if path_value != body_value:
        raise InvalidInput(f"the {what} in the body ({body_value!r}) differs from the URL's")


# ---------------------------------------------------------------------------- options


@bp.get("/routing/options")
@documented(RouteDoc("Routing choices for the canvas's pickers", _TAG, {200: RoutingOptions}))
def routing_options() -> Response:
    session = db_session()
    return respond(
        RoutingOptions(
            strategies=list(STRATEGIES),
            skills=[s.name for s in service.list_skills(session)],
            queues=[q.name for q in service.list_queues(session)],
            calendars=[c.name for c in service.list_calendars(session)],
            agents=[a.id for a in service.list_agents(session)],
        )
    )


# ---------------------------------------------------------------------------- skills


@bp.get("/skills")
@documented(RouteDoc("List skills", _TAG, {200: SkillList}))
def list_skills() -> Response:
    return respond(SkillList(skills=service.list_skills(db_session())))


@bp.put("/skills/<name>")
@documented(
    RouteDoc("Create or update a skill", _TAG, {200: SkillIn}, body=SkillIn,
             errors=(400, 415, 422), path_params=_NAME_IN_BODY)
)  # fmt: skip
def save_skill(name: str) -> Response:
    body = json_body(SkillIn)
    _same(name, body.name, "name")
    return respond(service.save_skill(db_session(), skill=body))


@bp.delete("/skills/<name>")
@documented(RouteDoc("Delete a skill", _TAG, {204: None}, errors=(404, 409), path_params=_NAME))
def delete_skill(name: str) -> Response:
    service.delete_skill(db_session(), name=name)
    return Response(status=204)


# ---------------------------------------------------------------------------- agents


@bp.get("/agents")
@documented(RouteDoc("List agents with load and availability", _TAG, {200: AgentList}))
def list_agents() -> Response:
    return respond(AgentList(agents=service.list_agents(db_session())))


@bp.get("/agents/<agent_id>")
@documented(RouteDoc("Read an agent", _TAG, {200: AgentOut}, errors=(404,), path_params=_AGENT))
def get_agent(agent_id: str) -> Response:
    return respond(service.get_agent(db_session(), agent_id=agent_id))


@bp.put("/agents/<agent_id>")
@documented(
    RouteDoc("Create or update an agent", _TAG, {200: AgentOut}, body=AgentIn,
             errors=(400, 415, 422), path_params=_AGENT_IN_BODY,
             description="Waiting items are routed to the agent at once if they now have room.")
)  # fmt: skip
def save_agent(agent_id: str) -> Response:
    body = json_body(AgentIn)
    _same(agent_id, body.id, "id")
    return respond(service.save_agent(db_session(), agent=body))


@bp.delete("/agents/<agent_id>")
@documented(RouteDoc("Delete an agent", _TAG, {204: None}, errors=(404, 409), path_params=_AGENT))
def delete_agent(agent_id: str) -> Response:
    service.delete_agent(db_session(), agent_id=agent_id)
    return Response(status=204)


@bp.post("/agents/<agent_id>/availability")
@documented(
    RouteDoc("Set an agent online, away or offline", _TAG, {200: AgentOut},
             body=AvailabilityBody, errors=(400, 404, 415, 422), path_params=_AGENT)
)  # fmt: skip
def set_availability(agent_id: str) -> Response:
    body = json_body(AvailabilityBody)
    agent = service.set_availability(
        db_session(), agent_id=agent_id, availability=body.availability
    )
    _publish_inbox(agent_id)
    return respond(agent)


@bp.get("/agents/<agent_id>/inbox")
@documented(
    RouteDoc("An agent's work, most urgent first", _TAG, {200: InboxOut}, errors=(404,),
             path_params=_AGENT,
             description="Held items ordered by priority and SLA due time, with how many "
             "waiting items the agent could pull and the one pull-next would give.")
)  # fmt: skip
def inbox(agent_id: str) -> Response:
    return respond(service.inbox(db_session(), agent_id=agent_id))


@bp.post("/agents/<agent_id>/pull")
@documented(
    RouteDoc("Take the next work item", _TAG, {200: InboxItem}, errors=(404, 409),
             path_params=_AGENT,
             description="The most urgent waiting item (priority, then SLA due time) of the "
             "agent's queues that they fit; 409 when they are unavailable or full, 404 "
             "when nothing waits for them.")
)  # fmt: skip
def pull(agent_id: str) -> Response:
    item = service.pull_next(db_session(), agent_id=agent_id)
    return respond(item)


@bp.get("/agents/<agent_id>/assignments")
@documented(
    RouteDoc("Assignment decisions of an agent", _TAG, {200: AssignmentList},
             query=AssignmentQuery, path_params=_AGENT)
)  # fmt: skip
def agent_assignments(agent_id: str) -> Response:
    query = query_args(AssignmentQuery)
    rows = service.list_assignments(db_session(), agent=agent_id, limit=query.limit)
    return respond(AssignmentList(assignments=rows))


# ---------------------------------------------------------------------------- queues


@bp.get("/queues")
@documented(RouteDoc("List queues", _TAG, {200: QueueList}))
def list_queues() -> Response:
    return respond(QueueList(queues=service.list_queues(db_session())))


@bp.put("/queues/<name>")
@documented(
    RouteDoc("Create or update a queue", _TAG, {200: QueueOut}, body=QueueIn,
             errors=(400, 415, 422), path_params=_NAME_IN_BODY)
)  # fmt: skip
def save_queue(name: str) -> Response:
    body = json_body(QueueIn)
    _same(name, body.name, "name")
    return respond(service.save_queue(db_session(), queue=body))


@bp.delete("/queues/<name>")
@documented(RouteDoc("Delete a queue", _TAG, {204: None}, errors=(404,), path_params=_NAME))
def delete_queue(name: str) -> Response:
    service.delete_queue(db_session(), name=name)
    return Response(status=204)


# ---------------------------------------------------------------------------- calendars


@bp.get("/calendars")
@documented(RouteDoc("List business calendars", _TAG, {200: CalendarList}))
def list_calendars() -> Response:
    return respond(CalendarList(calendars=service.list_calendars(db_session())))


@bp.get("/calendars/countries")
@documented(
    RouteDoc("List the countries and regions whose public holidays a calendar can keep", _TAG,
             {200: HolidayCountryList})
)  # fmt: skip
def holiday_countries() -> Response:
    return respond(HolidayCountryList(countries=service.list_holiday_countries()))


@bp.put("/calendars/<name>")
@documented(
    RouteDoc("Create or update a business calendar", _TAG, {200: CalendarOut},
             body=CalendarIn, errors=(400, 415, 422), path_params=_NAME_IN_BODY)
)  # fmt: skip
def save_calendar(name: str) -> Response:
    body = json_body(CalendarIn)
    _same(name, body.name, "name")
    return respond(service.save_calendar(db_session(), calendar=body))


@bp.delete("/calendars/<name>")
@documented(
    RouteDoc("Delete a business calendar", _TAG, {204: None}, errors=(404, 409),
             path_params=_NAME)
)  # fmt: skip
def delete_calendar(name: str) -> Response:
    service.delete_calendar(db_session(), name=name)
    return Response(status=204)


# ---------------------------------------------------------------------------- work items


@bp.post("/routing/work-items/<key>/reassign")
@documented(
    RouteDoc("Reassign a work item, with a reason", _TAG, {200: InboxItem}, body=ReassignBody,
             errors=(400, 404, 409, 415, 422), path_params=_KEY,
             description="Logged on the run and counted as a reassignment. The new agent "
             "must be available, have the item's skills and room (409 says which is "
             "missing).")
)  # fmt: skip
def reassign(key: str) -> Response:
    body = json_body(ReassignBody)
    item = service.reassign(
        db_session(), key=key, agent=body.agent, queue=body.queue, reason=body.reason,
        actor=_actor(),
    )  # fmt: skip
    return respond(item)


@bp.get("/routing/work-items/<key>/assignments")
@documented(
    RouteDoc("Why a work item went where it went", _TAG, {200: AssignmentList},
             path_params=_KEY)
)  # fmt: skip
def item_assignments(key: str) -> Response:
    return respond(AssignmentList(assignments=service.list_assignments(db_session(), key=key)))


def _publish_inbox(agent_id: str) -> None:
    """Tell the agent's open inboxes (room ``agent:<id>``) to refresh, after the commit.

    The request's session is committed here: the app would commit it only after every
    response hook, and an inbox that refreshed before that would read the old state.
    """
    db_session().commit()
    try:
        socketio.emit(INBOX_CHANGED, {"agent_id": agent_id}, to=agent_room(agent_id))
    except Exception:  # a refresh hint must never fail the request
        current_app.logger.exception("could not tell agent %s to refresh", agent_id)
