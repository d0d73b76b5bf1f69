"""Built-in Salesforce actions: update the triggering record, create a related one, query.

Each reads Salesforce as it is *now*, never a copy taken when the run started (the
stale ``$Record`` of Salesforce Orchestrator): ``salesforce_update`` reads the record's
current values before writing and writes only what differs, so a repeated delivery
changes nothing twice; ``salesforce_query`` runs its query at the moment of the step.

The triggering record's Id is the case field ``salesforce_id`` (the trigger's
``id_field``), written by the sync; ``record_id`` overrides it. Failures come from
:mod:`runtime.salesforce.client`: transient ones (outages, rate limits after the
client's own retries) are retryable under the step's retry policy; a refused field is
not, and its message names the field, so the incident says what to fix.

Step inputs are one typed value per name, so field values are drawn as inputs named
after the Salesforce field (``OwnerId``, ``Status``, ``Escalation_Reason__c``):

>>> SalesforceUpdateInput.model_validate({"OwnerId": "005x", "Priority": "High"}).fields
{'OwnerId': '005x', 'Priority': 'High'}
>>> query = {"soql": "SELECT Owner.Name FROM Case", "into": "Owner.Name->owner"}
>>> SalesforceQueryInput.model_validate(query).into
{'Owner.Name': 'owner'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graphs.salesforce import DEFAULT_ID_FIELD, api_name_problem, field_path_problem
from runtime.actions.base import Action, ActionContext, ActionError, ActionResult, In, Out
from runtime.errors import InvalidInput
from runtime.salesforce.client import SalesforceClient, client_for
from runtime.salesforce.errors import SalesforceError
from runtime.salesforce.mapping import record_value
from runtime.salesforce.soql import bind

__all__ = [
    "PARENT_FIELDS",
    "SalesforceCreateAction",
    "SalesforceQueryAction",
    "SalesforceUpdateAction",
]

#: The field that links a related record to its parent, by sObject.
PARENT_FIELDS = {
    "CaseComment": "ParentId",
    "EmailMessage": "ParentId",
    "FeedItem": "ParentId",
    "Task": "WhatId",
    "Event": "WhatId",
}
MAX_RECORDS = 200


def _check_name(value: str) -> str:
    if (why := api_name_problem(value)) is not None:
        raise ValueError(why)
    return value


def _check_optional_name(value: str | None) -> str | None:
    return value if value is None else _check_name(value)


def _check_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    for name in fields:
        if (why := api_name_problem(name)) is not None:
            raise ValueError(why)
    return dict(fields)


def _nested(model: type[BaseModel], data: Any, rest: str) -> Any:
    """A flat input as ``model`` takes it: every key it does not know goes into ``rest``."""
    if not isinstance(data, dict) or rest in data:
        return data
    own = set(model.model_fields)
    return {
        **{k: v for k, v in data.items() if k in own},
        rest: {k: v for k, v in data.items() if k not in own},
    }


class _RecordInput(BaseModel):
    """Which record: ``record_id``, else the case field ``id_field``; the rest are fields."""

    model_config = ConfigDict(extra="forbid")

    sobject: str = "Case"
    record_id: str | None = Field(default=None, description="Default: the triggering record")
    id_field: str = Field(default=DEFAULT_ID_FIELD, description="Case field holding the Id")
    fields: dict[str, Any] = Field(default_factory=dict, description="Salesforce field -> value")

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        return _nested(cls, data, "fields")

    check_sobject = field_validator("sobject")(_check_name)
    check_fields = field_validator("fields")(_check_fields)

    def target(self, ctx: ActionContext) -> str:
        record_id = self.record_id or ctx.case.get(self.id_field)
        if not record_id:
            raise ActionError(
                f"the case has no {self.id_field!r} (the Salesforce record Id); map it in the "
                "trigger or give the step a record_id",
                retryable=False,
            )
        return str(record_id)


class SalesforceUpdateInput(_RecordInput):
    pass


class SalesforceUpdateOutput(BaseModel):
    record_id: str
    sobject: str
    changed: list[str] = Field(description="Fields written (they differed)")
    unchanged: list[str] = Field(description="Fields that had the value already")
    previous: dict[str, Any] = Field(description="The written fields' values before")


class SalesforceCreateInput(_RecordInput):
    sobject: str = Field(description="The related record's sObject, such as Task or CaseComment")
    parent_field: str | None = Field(
        default=None, description="Links it to the triggering record (default by sObject)"
    )
    external_id_field: str | None = Field(
        default=None,
        description=(
            "An External ID text field of the sObject: the step's key is written there and "
            "the create becomes an upsert, so a repeated delivery never makes a second record"
        ),
    )

    check_external_id_field = field_validator("external_id_field")(_check_optional_name)

    @model_validator(mode="after")
    def _key_is_ours(self) -> SalesforceCreateInput:
        if self.external_id_field and self.external_id_field in self.fields:
            raise ValueError(
                f"{self.external_id_field!r} is the external_id_field: Baton writes the "
                "step's key there, so it cannot also be given a value"
            )
        return self


class SalesforceCreateOutput(BaseModel):
    id: str
    sobject: str
    parent_id: str | None
    created: bool = Field(
        description="False when an earlier delivery of this attempt had created it already"
    )


class SalesforceQueryInput(BaseModel):
    """A SOQL query with ``:name`` binds; every other input is a bind value."""

    model_config = ConfigDict(extra="forbid")

    soql: str = Field(min_length=1, description="SELECT ... with :name placeholders")
    into: dict[str, str] = Field(
        default_factory=dict,
        description="Salesforce field of the first record -> case field; or 'A->a, B->b'",
    )
    max_records: int = Field(default=50, ge=1, le=MAX_RECORDS)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        return _nested(cls, data, "params")

    @field_validator("soql")
    @classmethod
    def _select_only(cls, value: str) -> str:
        text = value.strip()
        if not text.upper().startswith("SELECT ") or ";" in text:
            raise ValueError("must be one SELECT query (no ';')")
        return text

    @field_validator("into", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, str):
            pairs = {}
            for part in filter(None, (p.strip() for p in value.split(","))):
                source, sep, target = part.partition("->")
                if not sep:
                    raise ValueError(f"{part!r} is not 'SalesforceField->case_field'")
                pairs[source.strip()] = target.strip()
            return pairs
        return value

    @field_validator("into")
    @classmethod
    def _paths(cls, value: dict[str, str]) -> dict[str, str]:
        for path in value:
            if (why := field_path_problem(path)) is not None:
                raise ValueError(why)
        return value


class SalesforceQueryOutput(BaseModel):
    total_size: int
    records: list[dict[str, Any]]
    first: dict[str, Any] | None


def _flat_schema(model: type[BaseModel], **overrides: dict[str, Any]) -> dict[str, Any]:
    """``model``'s schema as a step gives it: every input it does not name is a Salesforce
    field (or, for a query, a bind value)."""
    schema = model.model_json_schema()
    schema["additionalProperties"] = True
    schema["properties"].update(overrides)
    return schema


def _client(ctx: ActionContext) -> SalesforceClient:
    return client_for(ctx.settings.salesforce)


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    """A REST record without its ``attributes`` (nested relationships too)."""
    return {
        key: _plain(value) if isinstance(value, Mapping) else value
        for key, value in record.items()
        if key != "attributes"
    }


class _SalesforceAction(Action[In, Out]):
    """A Salesforce action: a failed call fails the step, retryable as Salesforce says."""

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        return _flat_schema(cls.Input)

    def run(self, inputs: In, ctx: ActionContext) -> ActionResult:
        try:
            return self.call(inputs, ctx)
        except SalesforceError as exc:
            raise ActionError(exc.message, retryable=exc.retryable) from None

    def call(self, inputs: In, ctx: ActionContext) -> ActionResult:
        """Do the work; a :class:`SalesforceError` it raises becomes an :class:`ActionError`."""
        raise NotImplementedError(f"action {type(self).__name__} does not implement call()")


class SalesforceUpdateAction(_SalesforceAction[SalesforceUpdateInput, SalesforceUpdateOutput]):
    """Write fields of the triggering record, after reading what they hold now."""

    name = "salesforce_update"
    description = "Update fields of the Salesforce record (Owner, Status, Priority, custom)."

    def call(self, inputs: SalesforceUpdateInput, ctx: ActionContext) -> ActionResult:
        if not inputs.fields:
            raise ActionError("salesforce_update needs at least one field to write")
        record_id = inputs.target(ctx)
        client = _client(ctx)
        current = client.get(inputs.sobject, record_id, list(inputs.fields))
        changes = {k: v for k, v in inputs.fields.items() if current.get(k) != v}
        if changes:
            client.update(inputs.sobject, record_id, changes)
        return ActionResult(
            outputs={
                "record_id": record_id,
                "sobject": inputs.sobject,
                "changed": list(changes),
                "unchanged": [k for k in inputs.fields if k not in changes],
                "previous": {k: current.get(k) for k in changes},
            }
        )


class SalesforceCreateAction(_SalesforceAction[SalesforceCreateInput, SalesforceCreateOutput]):
    """Create a record related to the triggering one (a Task, a CaseComment).

    A plain create is not idempotent: REST has no key for it, so a worker that dies
    after Salesforce created the record but before Baton recorded it would create a
    second one when the step is delivered again. With ``external_id_field`` (an
    External ID field an admin adds to the sObject) the step's idempotency key
    ``<run>:<step>:<attempt>`` is written to that field and the call is an upsert on
    it: a repeated delivery finds and updates the same record. A retry after a
    failure is a new attempt with a new key, as for every action.
    """

    name = "salesforce_create"
    description = "Create a related Salesforce record, such as a Task or a CaseComment."

    def call(self, inputs: SalesforceCreateInput, ctx: ActionContext) -> ActionResult:
        values = dict(inputs.fields)
        parent_field = inputs.parent_field or PARENT_FIELDS.get(inputs.sobject)
        parent_id = None
        if parent_field and parent_field not in values:
            parent_id = inputs.target(ctx)
            values[parent_field] = parent_id
        if not values:
            raise ActionError("salesforce_create needs at least one field")
        created = True
        if inputs.external_id_field:
            new_id, created = _client(ctx).upsert(
                inputs.sobject, inputs.external_id_field, ctx.idempotency_key, values
            )
        else:
            new_id = _client(ctx).create(inputs.sobject, values)
        return ActionResult(
            outputs={
                "id": new_id,
                "sobject": inputs.sobject,
                "parent_id": parent_id,
                "created": created,
            }
        )


class SalesforceQueryAction(_SalesforceAction[SalesforceQueryInput, SalesforceQueryOutput]):
    """Run a SOQL query now; copy fields of the first record into case fields."""

    name = "salesforce_query"
    description = "Run a SOQL query and copy the first record's fields into case fields."
    writes_named_by = "into"

    @classmethod
    def input_schema(cls) -> dict[str, Any]:
        into = {
            **cls.Input.model_json_schema()["properties"]["into"],
            "anyOf": [{"type": "object", "additionalProperties": {"type": "string"}},
                      {"type": "string"}],
        }  # fmt: skip
        into.pop("type", None)
        into.pop("additionalProperties", None)
        return _flat_schema(cls.Input, into=into)

    def call(self, inputs: SalesforceQueryInput, ctx: ActionContext) -> ActionResult:
        try:
            soql = bind(inputs.soql, inputs.params)
        except InvalidInput as exc:
            raise ActionError(exc.message) from None
        page = _client(ctx).query(soql)
        records = [_plain(r) for r in page.get("records", [])[: inputs.max_records]]
        first = records[0] if records else None
        updates = (
            {case_field: record_value(first, path) for path, case_field in inputs.into.items()}
            if first is not None
            else {}
        )
        return ActionResult(
            outputs={
                "total_size": int(page.get("totalSize", len(records))),
                "records": records,
                "first": first,
            },
            case_updates=updates,
        )
