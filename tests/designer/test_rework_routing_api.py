"""Rework returns to the agent who did the work: a re-entered step's item, through the API."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from live_support import install, review_loop

from designer.extensions import state


def team(client: FlaskClient, **queue: Any) -> None:
    """Ada and Bob, online, in the reviewers' round-robin queue (Ada first)."""
    for agent in ("ada", "bob"):
        body = {"id": agent, "name": agent.title(), "availability": "online"}
        assert client.put(f"/api/agents/{agent}", json=body).status_code in (200, 201)
    body = {"name": "reviewers", "members": ["ada", "bob"], **queue}
    assert client.put("/api/queues/reviewers", json=body).status_code in (200, 201)


def open_item(client: FlaskClient, run_id: str) -> dict[str, Any]:
    (item,) = client.get(f"/api/work-items?run_id={run_id}").json["items"]
    return item  # type: ignore[no-any-return]


def send_back(client: FlaskClient, run_id: str) -> dict[str, Any]:
    """Complete the open review with "rework": the run goes back to Review; the new item."""
    first = open_item(client, run_id)
    done = client.post(
        f"/api/work-items/{first['key']}/complete", json={"data": {"verdict": "rework"}}
    )
    assert done.status_code == 200, done.json
    second = open_item(client, run_id)
    assert second["attempt"] == first["attempt"] + 1
    return second


def reasons(client: FlaskClient, key: str) -> list[str]:
    rows = client.get(f"/api/routing/work-items/{key}/assignments").json["assignments"]
    return [row["reason"] for row in rows]


def start(client: FlaskClient) -> str:
    created = client.post(
        "/api/cases", json={"fields": {"subject": "Draft"}, "workflow_id": "review-loop"}
    )
    assert created.status_code == 201, created.json
    return created.json["runs"][0]["id"]  # type: ignore[no-any-return]


def test_rework_goes_back_to_the_agent_who_did_the_first_attempt(
    client: FlaskClient, app: Flask
) -> None:
    install(state(app).engine)
    team(client)
    run_id = start(client)
    assert open_item(client, run_id)["assignee"] == "ada"
    # Round-robin alone would give the second item to Bob.
    second = send_back(client, run_id)
    assert second["assignee"] == "ada"
    (why,) = reasons(client, second["key"])
    assert why.startswith("rework: back to ada, who completed attempt 1 of this step")
    third = send_back(client, run_id)
    assert third["assignee"] == "ada"
    assert "completed attempt 2" in reasons(client, third["key"])[0]


def test_rework_goes_elsewhere_when_the_agent_is_away_and_says_so(
    client: FlaskClient, app: Flask
) -> None:
    install(state(app).engine)
    team(client)
    run_id = start(client)
    assert open_item(client, run_id)["assignee"] == "ada"
    away = client.post("/api/agents/ada/availability", json={"availability": "away"})
    assert away.status_code == 200, away.json
    second = send_back(client, run_id)
    assert second["assignee"] == "bob"
    (why,) = reasons(client, second["key"])
    assert why.startswith("rework: ada, who completed attempt 1, is passed over (")
    assert "round-robin" in why


def test_the_step_option_turns_it_off(client: FlaskClient, app: Flask) -> None:
    document = review_loop()
    step = document["nodes"][1]["steps"][0]
    step["assignment"]["prefer_previous_agent"] = False
    install(state(app).engine, document)
    team(client)
    run_id = start(client)
    assert open_item(client, run_id)["assignee"] == "ada"
    second = send_back(client, run_id)
    assert second["assignee"] == "bob"
    assert not any("rework" in why for why in reasons(client, second["key"]))
