"""The ``start`` element of an orchestration as a Baton trigger.

A record-triggered orchestration (``triggerType`` RecordAfterSave) names its ``object``,
its ``recordTriggerType`` (Create, Update, CreateAndUpdate) and ``filters`` combined by a
``filterLogic``; these become a record trigger on that sObject with a condition over
case fields of the same names. An autolaunched orchestration (no trigger type) starts
by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from graphs.interop.report import ReportKind
from graphs.interop.salesforce.conditions import FlowCondition
from graphs.interop.salesforce.steps import Reporter, condition_from, plain, read_rows
from graphs.interop.salesforce.vocabulary import text
from graphs.interop.salesforce.writer import RECORD_TRIGGER_TYPES

__all__ = ["read_trigger"]

_TRIGGER_EVENTS = {v: k.value for k, v in RECORD_TRIGGER_TYPES.items()}


def read_trigger(
    start: Element | None, kept: dict[str, Any], report: Reporter, record: Mapping[str, str]
) -> dict[str, Any]:
    """The trigger for a ``start`` element; ``kept`` is the trigger Baton left, if any;
    ``record`` maps case fields to the record fields they come from."""
    if start is None:
        return {"kind": "manual"}
    trigger_type, sobject = text(start, "triggerType"), text(start, "object")
    if trigger_type not in ("RecordAfterSave", "RecordBeforeSave") and not sobject:
        if trigger_type:
            report(
                "start",
                "start",
                ReportKind.NOT_IMPORTED,
                f"a {trigger_type} start has no Baton trigger; runs start by hand",
                "",
            )
        return {"kind": "manual"} if kept.get("kind") != "manual" else kept
    event = text(start, "recordTriggerType")
    if event not in _TRIGGER_EVENTS:
        report(
            "start",
            "start",
            ReportKind.APPROXIMATED,
            f"record trigger type {event or 'missing'!r} has no Baton event; "
            "runs start when a record is created",
            "",
        )
    rows = [
        FlowCondition("$Record." + r.left, r.operator, r.value_type, r.value)
        for r in read_rows(start, "filters", "value")
    ]
    notes: list[str] = []
    condition = condition_from(
        text(start, "filterLogic"), rows, kept.get("condition"), {}, {}, notes, record
    )
    for note in notes:
        report("start", "start", ReportKind.APPROXIMATED, f"filter: {note}", "")
    if text(start, "filterFormula"):
        report(
            "start",
            "start",
            ReportKind.KEPT_AS_TEXT,
            f"the entry formula {text(start, 'filterFormula')!r} has no Baton form; "
            "it was left out of the trigger condition",
            "",
        )
    if text(start, "doesRequireRecordChangedToMeetCriteria") == "true":
        report(
            "start",
            "start",
            ReportKind.APPROXIMATED,
            "'only when a record is updated to meet the condition' becomes a trigger "
            "that fires whenever the condition holds after a change",
            "",
        )
    trigger = dict(kept) if kept.get("kind") == "record" else {}
    trigger.update(
        kind="record", on=_TRIGGER_EVENTS.get(event, "create"), condition=plain(condition)
    )
    if not kept:
        trigger.update(source="salesforce", salesforce={"sobject": sobject or "Case"})
    elif isinstance(trigger.get("salesforce"), dict):
        trigger["salesforce"] = {**trigger["salesforce"], "sobject": sobject or "Case"}
    return {k: v for k, v in trigger.items() if v is not None}
