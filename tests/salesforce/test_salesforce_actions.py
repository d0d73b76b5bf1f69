"""The Salesforce actions: what they write, what they read first, and how they fail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_salesforce import RATE_LIMITED, FakeSalesforce
from sf_flows import events, install, runs
from sf_support import sf_settings
from sqlalchemy.engine import Engine

from runtime.actions import ActionContext, ActionError, get_action, run_action
from runtime.db import session_scope
from runtime.executor import Worker
from runtime.salesforce.config import SalesforceSettings
from runtime.services import create_case
from runtime.settings import Settings
from tests.action_contexts import action_context


def _ctx(settings: SalesforceSettings, case: dict[str, Any]) -> ActionContext:
    return action_context(
        Settings(_env_file=None, salesforce=settings),  # type: ignore[call-arg]
        case, step_id="s1", now=datetime(2026, 3, 2, tzinfo=UTC),
    )


@pytest.fixture
def quick(fake: FakeSalesforce) -> SalesforceSettings:
    return sf_settings(fake, backoff_seconds=0.001, max_backoff_seconds=0.01)


def test_update_reads_the_record_first_and_writes_only_what_differs(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    record = fake.insert("Case", Subject="x", Status="New", Priority="Low")
    ctx = _ctx(quick, {"salesforce_id": record})
    action = get_action("salesforce_update")
    result = run_action(action, {"Status": "Escalated", "Priority": "Low"}, ctx)
    assert result.outputs == {
        "record_id": record, "sobject": "Case", "changed": ["Status"],
        "unchanged": ["Priority"], "previous": {"Status": "New"},
    }  # fmt: skip
    assert fake.records["Case"][record]["Status"] == "Escalated"
    # Delivered again (a worker died mid-call): the record has the values, nothing is written.
    again = run_action(action, {"Status": "Escalated", "Priority": "Low"}, ctx)
    assert again.outputs["changed"] == [] and fake.count("PATCH", "/sobjects/Case/") == 1
    assert fake.count("GET", f"/sobjects/Case/{record}") == 2


def test_update_of_an_unknown_field_is_a_clear_non_retryable_failure(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    record = fake.insert("Case", Subject="x")
    with pytest.raises(ActionError) as caught:
        run_action(get_action("salesforce_update"), {"Foo__c": "1"},
                   _ctx(quick, {"salesforce_id": record}))  # fmt: skip
    assert not caught.value.retryable
    assert "Foo__c" in caught.value.message and "INVALID_FIELD" in caught.value.message


def test_a_lasting_rate_limit_fails_the_attempt_as_retryable(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    record = fake.insert("Case", Subject="x")
    fake.fail("PATCH", "/sobjects/Case/", 403, RATE_LIMITED, times=20)
    with pytest.raises(ActionError, match="request limit") as caught:
        run_action(get_action("salesforce_update"), {"Status": "Working"},
                   _ctx(quick, {"salesforce_id": record}))  # fmt: skip
    assert caught.value.retryable


def test_update_without_a_record_id_says_where_it_looked(quick: SalesforceSettings) -> None:
    with pytest.raises(ActionError, match="'salesforce_id'"):
        run_action(get_action("salesforce_update"), {"Status": "x"}, _ctx(quick, {}))


@pytest.mark.parametrize(
    ("sobject", "fields", "link"),
    [
        ("Task", {"Subject": "Call the customer back", "Priority": "High"}, "WhatId"),
        ("CaseComment", {"CommentBody": "Escalated by Baton", "IsPublished": False}, "ParentId"),
    ],
)
def test_create_makes_a_related_record(
    fake: FakeSalesforce, quick: SalesforceSettings, sobject: str, fields: dict[str, Any],
    link: str,
) -> None:  # fmt: skip
    record = fake.insert("Case", Subject="x")
    result = run_action(get_action("salesforce_create"), {"sobject": sobject, **fields},
                        _ctx(quick, {"salesforce_id": record}))  # fmt: skip
    created = fake.records[sobject][result.outputs["id"]]
    assert created[link] == record and result.outputs["parent_id"] == record
    assert all(created[k] == v for k, v in fields.items())


def test_create_with_an_external_id_field_makes_one_record_however_often_delivered(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    record = fake.insert("Case", Subject="x")
    action = get_action("salesforce_create")
    inputs = {"sobject": "Task", "Subject": "Call back", "external_id_field": "Baton_Key__c"}
    ctx = _ctx(quick, {"salesforce_id": record})
    first = run_action(action, inputs, ctx)
    # Delivered again with the same key (a worker died after Salesforce created it).
    again = run_action(action, inputs, ctx)
    assert list(fake.records["Task"]) == [first.outputs["id"]]
    assert again.outputs["id"] == first.outputs["id"]
    assert (first.outputs["created"], again.outputs["created"]) == (True, False)
    task = fake.records["Task"][first.outputs["id"]]
    assert task["Baton_Key__c"] == "r1:s1:1" and task["WhatId"] == record
    # The next attempt of the step is a new key: its own record.
    retry = run_action(action, inputs, replace(ctx, attempt=2))
    assert retry.outputs["created"] and len(fake.records["Task"]) == 2


def test_create_by_a_field_that_is_not_an_external_id_fails_naming_it(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    record = fake.insert("Case", Subject="x")
    with pytest.raises(ActionError, match="Missing_Key__c") as caught:
        run_action(get_action("salesforce_create"),
                   {"sobject": "Task", "Subject": "y", "external_id_field": "Missing_Key__c"},
                   _ctx(quick, {"salesforce_id": record}))  # fmt: skip
    assert not caught.value.retryable
    assert not fake.records["Task"]


def test_create_refuses_a_value_for_its_own_external_id_field(quick: SalesforceSettings) -> None:
    with pytest.raises(ActionError, match=r"Baton_Key__c.*cannot also be given a value"):
        run_action(get_action("salesforce_create"),
                   {"sobject": "Task", "Baton_Key__c": "mine", "external_id_field": "Baton_Key__c"},
                   _ctx(quick, {"salesforce_id": "500x"}))  # fmt: skip


def test_query_copies_the_first_record_into_case_fields(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    owner = fake.insert("User", Name="Ana Ortiz", Email="ana@acme.com")
    record = fake.insert("Case", Subject="x", Priority="High", OwnerId=owner)
    result = run_action(
        get_action("salesforce_query"),
        {
            "soql": "SELECT Id, Priority, Owner.Name FROM Case WHERE Id = :id",
            "id": record,
            "into": "Priority->priority, Owner.Name->owner_name",
        },
        _ctx(quick, {}),
    )
    assert result.case_updates == {"priority": "High", "owner_name": "Ana Ortiz"}
    assert result.outputs["total_size"] == 1
    assert result.outputs["first"]["Owner"] == {"Name": "Ana Ortiz"}


def test_query_binds_values_as_literals_never_as_soql(
    fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    fake.insert("Case", Subject="x")
    result = run_action(
        get_action("salesforce_query"),
        {"soql": "SELECT Id FROM Case WHERE Subject = :s", "s": "x' OR Subject != 'y"},
        _ctx(quick, {}),
    )
    assert result.outputs["total_size"] == 0


def _update_flow(field: str) -> dict[str, Any]:
    return {
        "id": "write_back",
        "name": "Write back",
        "case_schema": [{"name": "salesforce_id"}],
        "trigger": {"kind": "record", "on": "create", "source": "salesforce"},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "work", "kind": "stage", "steps": [
                {"id": "write", "kind": "background", "action": "salesforce_update",
                 "inputs": {field: {"value": "x"}}, "retry": {"max_attempts": 3}},
            ]},
            {"id": "end", "kind": "end"},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "work"},
            {"id": "e2", "source": "work", "target": "end"},
        ],
    }  # fmt: skip


def test_a_field_error_stops_the_run_as_an_incident_naming_the_field(
    db: Engine, fake: FakeSalesforce, quick: SalesforceSettings
) -> None:
    install(db, _update_flow("Foo__c"))
    record = fake.insert("Case", Subject="x")
    with session_scope(db) as session:
        create_case(session, fields={"salesforce_id": record}, source="salesforce",
                    external_id=record)  # fmt: skip
    Worker(Settings(_env_file=None, salesforce=quick), db).drain()  # type: ignore[call-arg]
    (run,) = runs(db)
    assert run.status == "incident"
    failed = [e for e in events(db, run.id) if e.kind == "step.failed"]
    assert len(failed) == 1  # not retried: the same field would be refused again
    assert "Foo__c" in str(failed[0].data)
