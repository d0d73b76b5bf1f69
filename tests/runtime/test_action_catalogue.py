"""Each action publishes the JSON Schema of its step inputs and what it writes to the case;
design-time checks read that catalogue (graphs.action_specs)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, Field

from graphs.action_specs import input_findings
from graphs.model import StepInput
from runtime.actions import Action, ActionContext, ActionResult, action_catalogue, registry


def _inputs(**values: Any) -> dict[str, StepInput]:
    return {name: StepInput(value=value) for name, value in values.items()}


def test_every_builtin_action_is_in_the_catalogue_with_its_input_schema() -> None:
    catalogue = action_catalogue()
    assert set(registry.BUILTIN_NAMES) <= set(catalogue)
    assert catalogue["notify"].input_schema["required"] == ["to"]
    assert catalogue["wait"].input_schema["required"] == ["duration_minutes"]


def test_notify_without_a_recipient_is_found_before_it_runs() -> None:
    notify = action_catalogue()["notify"]
    assert input_findings(notify, _inputs(to="")) == [("to", "is required and empty")]
    assert input_findings(notify, _inputs(subject="Hi")) == [("to", "is required and missing")]
    assert input_findings(notify, _inputs(to="a@example.com", subject="Hi")) == []
    # A recipient read from the case at run time is present at design time.
    assert input_findings(notify, {"to": StepInput(ref="case.contact_email")}) == []


def test_ill_typed_and_unknown_inputs_are_found() -> None:
    catalogue = action_catalogue()
    assert input_findings(catalogue["wait"], _inputs(duration_minutes="soon")) == [
        ("duration_minutes", "'soon' is not number")
    ]
    assert input_findings(catalogue["wait"], _inputs(duration_minutes=0)) == [
        ("duration_minutes", "must be more than 0")
    ]
    found = input_findings(catalogue["http_request"], _inputs(url="https://x", verb="GET"))
    assert [name for name, _ in found] == ["verb"]
    assert input_findings(catalogue["notify"], _inputs(to="a@x", channel="sms")) == [
        ("channel", "'sms' is not one of 'email', 'log'")
    ]


def test_flat_forms_are_described_as_steps_give_them() -> None:
    catalogue = action_catalogue()
    # set_fields: each input is a case field, and it needs one.
    assert input_findings(catalogue["set_fields"], _inputs(status="new")) == []
    assert input_findings(catalogue["set_fields"], {}) == [("", "needs at least 1 input")]
    # Salesforce: any other input is a Salesforce field; a query's into may be short text.
    assert input_findings(catalogue["salesforce_update"], _inputs(OwnerId="005")) == []
    query = _inputs(soql="SELECT Id FROM Case", into="Owner.Name->owner", AccountId="001")
    assert input_findings(catalogue["salesforce_query"], query) == []
    # http_request takes one expected status as well as a list.
    one = _inputs(url="https://x", expected_status=201)
    assert input_findings(catalogue["http_request"], one) == []


def test_actions_declare_the_case_fields_they_write() -> None:
    catalogue = action_catalogue()
    assert catalogue["set_fields"].case_writes(_inputs(status="new", owner="ana")) == [
        ("status", "status"),
        ("owner", "owner"),
    ]
    assert catalogue["assign"].case_writes(_inputs(queue="billing")) == [("owner", "")]
    query = _inputs(soql="SELECT Id FROM Case", into={"Owner.Name": "owner"})
    assert catalogue["salesforce_query"].case_writes(query) == [("owner", "into")]
    assert catalogue["notify"].case_writes(_inputs(to="a@x", subject="S")) == []


class _PluginInput(BaseModel):
    ticket_queue: str = Field(min_length=1)


class _PluginOutput(BaseModel):
    ticket: str


class _Plugin(Action):
    name = "create_ticket"
    Input = _PluginInput
    Output = _PluginOutput
    writes: ClassVar[tuple[str, ...]] = ("ticket",)

    def run(self, inputs: Any, ctx: ActionContext) -> ActionResult:
        return ActionResult(outputs={"ticket": "T-1"})


def test_a_plugin_action_is_catalogued_from_its_pydantic_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry.reload_actions()
    loaded = registry._registry()
    monkeypatch.setitem(loaded.actions, "create_ticket", _Plugin())
    try:
        spec = action_catalogue()["create_ticket"]
        assert spec.input_schema["required"] == ["ticket_queue"]
        assert spec.writes == ("ticket",)
        assert input_findings(spec, {}) == [("ticket_queue", "is required and missing")]
    finally:
        registry.reload_actions()
