"""The Salesforce connection as the designer sees it: its state, a test, sObject fields, a sync.

Secrets never leave the server: the connection's state says which secrets are set, never
their values (:meth:`runtime.salesforce.config.SalesforceSettings.public`).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, Field

from designer.api.http import RouteDoc, documented, respond
from designer.extensions import db_session, state
from graphs.salesforce import api_name_problem
from runtime.errors import InvalidInput
from runtime.salesforce.client import client_for
from runtime.salesforce.config import AuthMode
from runtime.salesforce.errors import SalesforceError, SalesforceNotConfigured
from runtime.salesforce.sync import SalesforceSync, active_streams, sync_states

__all__ = ["bp"]

bp = Blueprint("salesforce", __name__)

_TAG = "salesforce"


class SalesforceSecrets(BaseModel):
    """Which secrets are set (never their values)."""

    password: bool
    security_token: bool
    consumer_secret: bool
    private_key: bool
    session_id: bool
    private_key_file: bool


class SalesforceStream(BaseModel):
    """One workflow's Salesforce trigger and where its sync stands."""

    workflow_id: str
    sobject: str
    soql_filter: str | None = None
    active: bool = Field(description="The workflow's active version polls Salesforce")
    watermark: datetime | None = None
    backfilled: bool = False
    records_synced: int = 0
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None


class SalesforceConnection(BaseModel):
    """The connection's configuration (secrets only as set/unset) and its streams."""

    configured: bool
    auth_mode: AuthMode = Field(description="How Baton logs in to Salesforce")
    instance_url: str | None
    login_domain: str
    api_version: str
    username: str | None
    consumer_key_set: bool
    secrets: SalesforceSecrets
    secrets_file: str | None
    missing: list[str] = Field(description="Environment variables still to set for a login")
    poll_interval_seconds: float
    streams: list[SalesforceStream]


class SalesforceTestResult(BaseModel):
    """What "Test connection" found."""

    ok: bool
    elapsed_ms: int
    instance: str | None = None
    api_version: str | None = None
    auth_mode: AuthMode | None = None
    daily_api_requests_max: int | None = None
    daily_api_requests_remaining: int | None = None
    error_code: str | None = None
    error: str | None = None


class SalesforceFieldInfo(BaseModel):
    """One field of an sObject, from ``describe``."""

    name: str
    label: str
    type: str
    updateable: bool
    picklist_values: list[str] = Field(default_factory=list)


class SalesforceFieldList(BaseModel):
    sobject: str
    label: str
    fields: list[SalesforceFieldInfo]


class SalesforceSyncStream(BaseModel):
    workflow_id: str
    sobject: str
    created: int
    updated: int
    unchanged: int
    pages: int
    backfill: bool
    error: str | None
    refused: int = Field(
        default=0, description="Records not applied: their case data breaks a limit (logged)"
    )


class SalesforceSyncResult(BaseModel):
    streams: list[SalesforceSyncStream]


def _settings() -> Any:
    return state().settings.salesforce


def _client() -> Any:
    settings = _settings()
    if not settings.configured:
        raise SalesforceNotConfigured(
            "Salesforce is not configured: set " + ", ".join(settings.missing()) + "."
        )
    return client_for(settings)


@bp.get("/salesforce/connection")
@documented(
    RouteDoc("The Salesforce connection and its sync streams", _TAG, {200: SalesforceConnection})
)
def connection() -> Response:
    session = db_session()
    stored = {row.workflow_id: row for row in sync_states(session)}
    streams = []
    for stream in active_streams(session):
        row = stored.pop(stream.workflow_id, None)
        streams.append(
            SalesforceStream(
                workflow_id=stream.workflow_id,
                sobject=stream.trigger.sobject,
                soql_filter=stream.trigger.soql_filter,
                active=True,
                **(_row_fields(row) if row is not None else {}),
            )
        )
    for row in stored.values():
        streams.append(
            SalesforceStream(
                workflow_id=row.workflow_id, sobject=row.sobject, active=False, **_row_fields(row)
            )
        )
    return respond(SalesforceConnection(**_settings().public(), streams=streams))


def _row_fields(row: Any) -> dict[str, Any]:
    return {
        "watermark": row.watermark,
        "backfilled": row.backfilled,
        "records_synced": row.records_synced,
        "last_poll_at": row.last_poll_at,
        "last_success_at": row.last_success_at,
        "last_error": row.last_error,
    }


@bp.post("/salesforce/connection/test")
@documented(
    RouteDoc(
        "Log in to Salesforce afresh and read the org's API limits",
        _TAG,
        {200: SalesforceTestResult},
        description="A failed test is still a 200: the answer says what went wrong.",
    )
)
def test_connection() -> Response:
    started = time.perf_counter()
    try:
        info = _client().check()
    except SalesforceError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return respond(
            SalesforceTestResult(
                ok=False, elapsed_ms=elapsed, error_code=exc.code, error=exc.message
            )
        )
    daily = info["daily_api_requests"]
    return respond(
        SalesforceTestResult(
            ok=True,
            elapsed_ms=int((time.perf_counter() - started) * 1000),
            instance=info["instance"],
            api_version=info["api_version"],
            auth_mode=info["auth_mode"],
            daily_api_requests_max=daily["max"],
            daily_api_requests_remaining=daily["remaining"],
        )
    )


@bp.get("/salesforce/sobjects/<sobject>/fields")
@documented(
    RouteDoc(
        "An sObject's fields, from Salesforce's describe (for mapping fields)",
        _TAG,
        {200: SalesforceFieldList},
        errors=(400, 404, 409, 422, 502, 503),
        path_params={"sobject": "An sObject API name, such as Case: letters, digits and "
                      "'_', starting with a letter (400 otherwise)"},
    )
)
def sobject_fields(sobject: str) -> Response:
    if (why := api_name_problem(sobject)) is not None:
        raise InvalidInput(why)
    described = _client().describe(sobject)
    fields = [
        SalesforceFieldInfo(
            name=str(f.get("name")),
            label=str(f.get("label") or f.get("name")),
            type=str(f.get("type")),
            updateable=bool(f.get("updateable")),
            picklist_values=[
                str(p.get("value")) for p in f.get("picklistValues") or [] if p.get("active", True)
            ],
        )
        for f in described.get("fields", [])
    ]
    fields.sort(key=lambda f: f.label.lower())
    return respond(
        SalesforceFieldList(
            sobject=sobject, label=str(described.get("label") or sobject), fields=fields
        )
    )


@bp.post("/salesforce/sync")
@documented(
    RouteDoc(
        "Poll every Salesforce stream once, now",
        _TAG,
        {200: SalesforceSyncResult},
        errors=(409,),
        description="Each stream's own errors are in its result; the poll commits page by "
        "page, so it is safe to repeat.",
    )
)
def sync_now() -> Response:
    results = SalesforceSync(state().engine, _client()).poll_once()
    return respond(
        SalesforceSyncResult(streams=[SalesforceSyncStream(**r.as_dict()) for r in results])
    )
