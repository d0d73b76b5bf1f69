"""The routing API: set-up of skills, agents, queues and calendars; inbox, pull-next and
reassignment over HTTP; metrics; and the demo set-up ``baton run`` seeds."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from designer.extensions import state
from graphs.examples import example_names, load_example
from runtime.db import session_scope
from runtime.demo.routing import seed_demo_routing
from runtime.store.tables import utcnow


def pull_flow() -> dict[str, Any]:
    return {
        "id": "desk",
        "name": "Desk",
        "case_schema": [{"name": "subject"}],
        "nodes": [
            {"id": "start", "kind": "start"},
            {
                "id": "work",
                "kind": "stage",
                "steps": [
                    {
                        "id": "answer",
                        "kind": "interactive",
                        "name": "Answer the customer",
                        "assignment": {"queue": "desk", "skills": ["tech"]},
                        "form": [{"name": "reply"}],
                        "sla": {"target_minutes": 60, "warning_minutes": 45},
                    }
                ],
            },
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }


def setup(client: FlaskClient, strategy: str = "pull_next") -> None:
    assert client.put("/api/skills/tech", json={"name": "tech"}).status_code == 200
    for agent_id, skills in (("ada", {"tech": 4}), ("bob", {})):
        response = client.put(
            f"/api/agents/{agent_id}",
            json={"id": agent_id, "name": agent_id.title(), "skills": skills,
                  "availability": "online", "max_items": 2},
        )  # fmt: skip
        assert response.status_code == 200, response.json
    response = client.put(
        "/api/queues/desk", json={"name": "desk", "strategy": strategy, "members": ["ada", "bob"]}
    )
    assert response.status_code == 200, response.json


def start_case(client: FlaskClient, subject: str) -> None:
    response = client.post(
        "/api/cases", json={"fields": {"subject": subject}, "workflow_id": "desk"}
    )
    assert response.status_code == 201, response.json


def install(client: FlaskClient) -> None:
    created = client.post("/api/workflows", json={"workflow": pull_flow()})
    assert created.status_code == 201, created.json
    revision = created.json["revision"]  # type: ignore[index]
    published = client.post("/api/workflows/desk/publish", json={"revision": revision})
    assert published.status_code in (200, 201), published.json
    assert client.post("/api/workflows/desk/versions/1/activate").status_code == 200


def test_set_up_a_team_and_read_it_back(client: FlaskClient) -> None:
    setup(client, strategy="skills_based")
    agents = client.get("/api/agents").json["agents"]  # type: ignore[index]
    assert [(a["id"], a["available"], a["queues"]) for a in agents] == [
        ("ada", True, ["desk"]),
        ("bob", True, ["desk"]),
    ]
    queues = client.get("/api/queues").json["queues"]  # type: ignore[index]
    assert queues[0]["strategy"] == "skills_based"
    options = client.get("/api/routing/options").json
    assert options["skills"] == ["tech"] and "pull_next" in options["strategies"]  # type: ignore[index]
    calendar = {
        "name": "office",
        "timezone": "Europe/Berlin",
        "hours": {"mon": [["09:00", "17:00"]]},
        "holidays": ["2026-12-24"],
    }
    assert client.put("/api/calendars/office", json=calendar).status_code == 200
    assert client.get("/api/calendars").json["calendars"][0]["holidays"] == ["2026-12-24"]  # type: ignore[index]


def test_a_calendar_names_a_country_and_region_whose_holidays_it_keeps(
    client: FlaskClient,
) -> None:
    germany = next(
        c for c in client.get("/api/calendars/countries").json["countries"] if c["code"] == "DE"  # type: ignore[index]
    )
    assert germany["name"] == "Germany"
    assert {"code": "BY", "name": "Bayern"} in germany["regions"]
    calendar = {"name": "munich", "timezone": "Europe/Berlin", "country": "de", "region": "by",
                "holidays": ["2026-01-07"]}  # fmt: skip
    saved = client.put("/api/calendars/munich", json=calendar)
    assert saved.status_code == 200, saved.json
    body = saved.json
    assert (body["country"], body["region"], body["holidays"]) == ("DE", "BY", ["2026-01-07"])  # type: ignore[index]
    names = {holiday["name"] for holiday in body["public_holidays"]}  # type: ignore[index]
    assert {"New Year's Day", "Epiphany"} <= names


def test_a_calendar_with_an_unknown_country_or_region_is_refused(client: FlaskClient) -> None:
    for place, field, says in (
        ({"country": "XX"}, "country", "unknown country 'XX'"),
        ({"country": "DE", "region": "ZZ"}, "region", "Germany has no region 'ZZ'"),
        ({"region": "BY"}, "region", "a region needs its country"),
    ):
        refused = client.put("/api/calendars/x", json={"name": "x", **place})
        assert refused.status_code == 400, place
        assert says in refused.text and field in str(refused.json["error"]["details"])  # type: ignore[index]
    assert client.get("/api/calendars").json["calendars"] == []  # type: ignore[index]


def test_bad_input_is_refused_with_a_clear_error(client: FlaskClient) -> None:
    bad_zone = client.put("/api/calendars/x", json={"name": "x", "timezone": "Mars/Olympus"})
    assert bad_zone.status_code == 400
    assert "unknown time zone" in bad_zone.json["error"]["message"]  # type: ignore[index]
    bad_hours = client.put(
        "/api/agents/x",
        json={"id": "x", "name": "X", "working_hours": {"mon": [["18:00", "09:00"]]}},
    )
    assert bad_hours.status_code == 400 and "ends before it starts" in bad_hours.text
    unknown_skill = client.put("/api/agents/x", json={"id": "x", "name": "X", "skills": {"tax": 2}})
    assert unknown_skill.status_code == 400 and "unknown skill" in unknown_skill.text
    mismatch = client.put("/api/agents/x", json={"id": "y", "name": "Y"})
    assert mismatch.status_code == 400
    assert client.get("/api/agents/nobody").status_code == 404
    setup(client)
    held = client.delete("/api/skills/tech")
    assert held.status_code == 409 and "ada" in held.text


def test_inbox_pull_next_and_reassignment(client: FlaskClient) -> None:
    install(client)
    setup(client)
    start_case(client, "printer on fire")
    start_case(client, "password reset")
    inbox = client.get("/api/agents/ada/inbox").json
    assert inbox["items"] == [] and inbox["can_pull"] == 2  # type: ignore[index]
    assert inbox["next_pull"]["case_subject"] == "printer on fire"  # type: ignore[index]
    # Bob lacks the skill: nothing for him to pull.
    assert client.get("/api/agents/bob/inbox").json["can_pull"] == 0  # type: ignore[index]
    assert client.post("/api/agents/bob/pull").status_code == 404
    pulled = client.post("/api/agents/ada/pull")
    assert pulled.status_code == 200 and pulled.json["assignee"] == "ada"  # type: ignore[index]
    assert pulled.json["sla"]["state"] == "on_track"  # type: ignore[index]
    key = pulled.json["key"]  # type: ignore[index]
    inbox = client.get("/api/agents/ada/inbox").json
    assert [i["key"] for i in inbox["items"]] == [key] and inbox["can_pull"] == 1  # type: ignore[index]
    no_reason = client.post(
        f"/api/routing/work-items/{key}/reassign", json={"agent": "bob", "reason": ""}
    )
    assert no_reason.status_code == 400
    lacks = client.post(
        f"/api/routing/work-items/{key}/reassign", json={"agent": "bob", "reason": "holiday"}
    )
    assert lacks.status_code == 409 and "lacks skill tech" in lacks.text
    back = client.post(
        f"/api/routing/work-items/{key}/reassign", json={"agent": None, "reason": "holiday"}
    )
    assert back.status_code == 200 and back.json["assignee"] is None  # type: ignore[index]
    reasons = client.get(f"/api/routing/work-items/{key}/assignments").json["assignments"]  # type: ignore[index]
    assert [(r["kind"], r["reason"]) for r in reasons][:2] == [
        ("manual", "holiday"),
        ("pull", reasons[1]["reason"]),
    ]
    offline = client.post("/api/agents/ada/availability", json={"availability": "offline"})
    assert offline.json["available"] is False  # type: ignore[index]
    assert client.post("/api/agents/ada/pull").status_code == 409
    metrics = client.get("/api/metrics?workflow_id=desk").json
    assert metrics["items"] == 2 and metrics["manual_reassignments"] == 1  # type: ignore[index]
    assert metrics["reassignment_rate"] == 1.0  # type: ignore[index]
    backwards = client.get("/api/metrics?start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z")
    assert backwards.status_code == 400 and "after its start" in backwards.text


def test_the_demo_set_up_covers_every_queue_and_skill_of_the_examples(app: Flask) -> None:
    workflows = [load_example(name) for name in example_names()]
    with session_scope(state(app).engine) as session:
        agents = seed_demo_routing(session, workflows, utcnow())
        assert len(agents) >= 6
        assert seed_demo_routing(session, workflows, utcnow()) == []
    client = app.test_client()
    queues = {q["name"]: q for q in client.get("/api/queues").json["queues"]}  # type: ignore[index]
    skills = set(client.get("/api/routing/options").json["skills"])  # type: ignore[index]
    agents_by_id = {a["id"]: a for a in client.get("/api/agents").json["agents"]}  # type: ignore[index]
    for workflow in workflows:
        for node in workflow.nodes:
            for step in getattr(node, "steps", []):
                assignment = getattr(step, "assignment", None)
                if assignment is None:
                    continue
                queue = queues[assignment.queue or node.owner]
                assert queue["members"], queue["name"]
                fitting = [
                    m
                    for m in queue["members"]
                    if all(
                        s in agents_by_id[m]["skills"] or s in agents_by_id[m]["languages"]
                        for s in assignment.skills
                    )
                ]
                assert fitting, f"nobody in {queue['name']} fits {step.id}"
                assert set(assignment.skills) - {"english"} <= skills
