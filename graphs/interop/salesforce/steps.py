"""Reading an orchestration's ``stageSteps`` and conditions into Baton's plain step data.

Interactive steps (``stepInteractive``) keep their ``assignees``: a User becomes the
step's agent, a Queue or Group its queue. Approval steps become interactive steps with
an approve/reject form; background steps keep the flow they run as a named reference
(action ``salesforce_flow``); MuleSoft steps become ``http_request`` steps. An entry
condition row ``<Step>.Status EqualTo Completed`` on a step of the same stage becomes
``after``; the other rows become the step's entry condition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element

from graphs.conditions import Group
from graphs.interop.report import ReportKind
from graphs.interop.safe_xml import local_name
from graphs.interop.salesforce.conditions import (
    FlowCondition,
    parse_logic,
    render_condition,
    same_rows,
    translate_row,
    tree_to_group,
)
from graphs.interop.salesforce.kept import dict_of, list_of
from graphs.interop.salesforce.vocabulary import children, tag, text
from graphs.interop.salesforce.writer import FLOW_ACTION, step_action_name
from graphs.model import BackgroundStep

__all__ = ["Reporter", "condition_from", "plain", "read_rows", "read_step"]

#: Adds one report item: element id, element type, kind, reason, Baton id.
Reporter = Callable[[str, str, ReportKind, str, str], None]
# What one step's reading has to say: its kind and message (the step is known).
_Say = Callable[[ReportKind, str], None]

APPROVAL_FORM: list[dict[str, Any]] = [
    {
        "name": "approvalDecision",
        "label": "Decision",
        "type": "picklist",
        "values": ["Approve", "Reject"],
        "required": True,
    },
    {"name": "approvalComments", "label": "Comments"},
]


def read_rows(element: Element, local: str, value_local: str = "rightValue") -> list[FlowCondition]:
    """The condition rows called ``local`` under ``element``."""
    rows = []
    for row in children(element, local):
        left = text(row, "leftValueReference") or text(row, "field")
        holder = row.find(tag(value_local))
        kind, value = None, ""
        if holder is not None and len(holder):
            first = holder[0]
            kind, value = local_name(first), (first.text or "").strip()
        rows.append(FlowCondition(left, text(row, "operator"), kind, value))
    return rows


def condition_from(
    logic: str,
    rows: list[FlowCondition],
    baton: Any,
    names: Mapping[str, str],
    step_ids: Mapping[str, str],
    notes: list[str],
    record: Mapping[str, str],
) -> Group | None:
    """The condition Baton left (``baton``) if its rendering is ``rows``, else ``rows`` read."""
    kept = _group(baton)
    if (kept is not None or baton is None) and same_rows(
        (logic, rows), render_condition(kept, names, record=record)
    ):
        return kept
    to_case = {sf: case for case, sf in record.items()}
    rules = [translate_row(row, step_ids, notes, to_case) for row in rows]
    return tree_to_group(parse_logic(logic, len(rows), notes), rules, notes) if rows else None


def plain(condition: Group | None) -> dict[str, Any] | None:
    """A condition as the plain data a workflow document holds."""
    return None if condition is None else condition.model_dump(mode="json")


def _group(raw: Any) -> Group | None:
    if not isinstance(raw, dict):
        return None
    try:
        return Group.model_validate(raw)
    except ValueError:
        return None


def read_step(
    element: Element,
    step_id: str,
    baton: dict[str, Any],
    stage_steps: Mapping[str, str],
    names: Mapping[str, str],
    step_ids: Mapping[str, str],
    report: Reporter,
    record: Mapping[str, str],
) -> dict[str, Any]:
    """A step's plain data (for :class:`graphs.model.Step`) from its ``stageSteps`` element.

    ``stage_steps`` maps the API names of this stage's steps to their Baton ids; ``names``
    maps Baton step ids to API names; ``step_ids`` every step API name to its Baton id;
    ``record`` case fields to the Salesforce record fields they come from.
    """
    api = text(element, "name")
    where = f"{step_id}"
    action_type, subtype = text(element, "actionType"), text(element, "stepSubtype")
    element_type = f"stageSteps ({action_type or subtype or 'no actionType'})"
    kinds = f"{action_type} {subtype}".lower()
    interactive = "interactive" in kinds or "approval" in kinds
    label = text(element, "label")
    data: dict[str, Any] = dict(baton) if baton.get("kind") in ("interactive", "background") else {}
    kept_name = data.get("name", "")
    data["id"] = step_id
    data["name"] = kept_name if data and label == (kept_name or step_id) else label
    data["kind"] = "interactive" if interactive else "background"
    notes: list[str] = []
    after, entry = _entry(element, data, stage_steps, names, step_ids, notes, record)
    data["after"], data["entry_condition"] = after, plain(entry)

    def say(kind: ReportKind, message: str) -> None:
        report(api, element_type, kind, message, where)

    for note in notes:
        say(ReportKind.APPROXIMATED, f"entry condition: {note}")
    evaluation = text(element, "entryActionName")
    if evaluation:
        say(
            ReportKind.UNRESOLVED_REFERENCE,
            f"starts when the evaluation flow {evaluation!r} says so; Baton cannot run it, "
            "so the step starts without it: write its rules as an entry condition",
        )
    if interactive:
        _interactive(element, data, baton, element_type, say)
    else:
        _background(element, data, baton, api, element_type, say, record)
    return {k: v for k, v in data.items() if v is not None}


def _entry(
    element: Element,
    data: dict[str, Any],
    stage_steps: Mapping[str, str],
    names: Mapping[str, str],
    step_ids: Mapping[str, str],
    notes: list[str],
    record: Mapping[str, str],
) -> tuple[list[str], Group | None]:
    logic, rows = text(element, "entryConditionLogic"), read_rows(element, "entryConditions")
    kept_after = [s for s in list_of(data.get("after")) if isinstance(s, str)]
    kept = _group(data.get("entry_condition"))
    rendered = render_condition(kept, names, [names.get(s, s) for s in kept_after], record)
    if same_rows((logic, rows), rendered):
        return kept_after, kept
    if not rows:
        return [], None
    tree = parse_logic(logic, len(rows), notes)
    terms: Sequence[Any] = tree[1] if tree[0] == "and" else [tree]
    after: list[str] = []
    used: set[int] = set()
    rest = []
    for term in terms:
        row = rows[term[1] - 1] if term[0] == "leaf" else None
        head = row.left.removesuffix(".Status") if row is not None else ""
        if (
            row is not None
            and row.left.endswith(".Status")
            and head in stage_steps
            and row.operator == "EqualTo"
            and row.value == "Completed"
        ):
            after.append(stage_steps[head])
            used.add(term[1] - 1)
        else:
            rest.append(term)
    if not rest:
        return after, None
    to_case = {sf: case for case, sf in record.items()}
    rules = [
        None if n in used else translate_row(row, step_ids, notes, to_case)
        for n, row in enumerate(rows)
    ]
    tree_rest = rest[0] if len(rest) == 1 and rest[0][0] in ("and", "or") else ("and", rest)
    return after, tree_to_group(tree_rest, rules, notes)


def _interactive(
    element: Element, data: dict[str, Any], baton: dict[str, Any], element_type: str, say: _Say
) -> None:
    assignment = dict(dict_of(data.get("assignment")))
    assignment.pop("agent", None)
    assignment.pop("queue", None)
    for holder in children(element, "assignees"):
        kind = text(holder, "assigneeType")
        who = holder.find(tag("assignee"))
        value_kind = local_name(who[0]) if who is not None and len(who) else ""
        value = (who[0].text or "").strip() if who is not None and len(who) else ""
        slot = "agent" if kind == "User" else "queue"
        if value_kind == "elementReference":
            say(
                ReportKind.UNRESOLVED_REFERENCE,
                f"assigned to {value}, a reference Baton cannot resolve; the work item "
                "waits for routing",
            )
        elif slot in assignment:
            say(
                ReportKind.APPROXIMATED,
                f"also assigned to {kind} {value!r}; Baton assigns one {slot}",
            )
        elif value:
            assignment[slot] = value
            if kind == "Group":
                say(
                    ReportKind.APPROXIMATED,
                    f"the public group {value!r} becomes a queue of the same name",
                )
    data["assignment"] = assignment
    for key in ("action", "inputs", "retry", "timeout_seconds"):
        data.pop(key, None)
    approval = "approval" in element_type.lower()
    if baton.get("kind") == "interactive":
        return
    action = text(element, "actionName")
    if approval:
        data["form"] = APPROVAL_FORM
        say(
            ReportKind.APPROXIMATED,
            "an approval step becomes an interactive step with an approve/reject form "
            "(approvalDecision, approvalComments)",
        )
    if action:
        say(
            ReportKind.UNRESOLVED_REFERENCE,
            f"runs the screen flow {action!r}, which Baton cannot read: give the step "
            "the form fields that flow asks for",
        )


def _background(
    element: Element,
    data: dict[str, Any],
    baton: dict[str, Any],
    api: str,
    element_type: str,
    say: _Say,
    record: Mapping[str, str],
) -> None:
    for key in ("assignment", "form", "sla"):
        data.pop(key, None)
    action = text(element, "actionName")
    if baton.get("kind") == "background":
        try:
            kept = BackgroundStep.model_validate(baton)
        except ValueError:
            kept = None
        if kept is not None and step_action_name(kept, api) == action:
            return
    inputs = _inputs(element, record)
    if "mulesoft" in element_type.lower():
        data["action"], data["inputs"] = "http_request", inputs
        say(
            ReportKind.NEEDS_ACTION,
            f"a MuleSoft step ({action or 'no action'}) becomes an http_request step: "
            "set its url and method",
        )
    elif action.startswith("Baton_") and len(action) > len("Baton_"):
        data["action"], data["inputs"] = action.removeprefix("Baton_"), inputs
    else:
        data["action"] = FLOW_ACTION
        data["inputs"] = {"flow": {"value": action}, **inputs}
        say(
            ReportKind.UNRESOLVED_REFERENCE,
            f"runs the autolaunched flow {action!r}, which Baton cannot read: it is kept "
            f"by name as a {FLOW_ACTION} step; choose a Baton action",
        )


def _inputs(element: Element, record: Mapping[str, str]) -> dict[str, Any]:
    to_case = {sf: case for case, sf in record.items()}
    found: dict[str, Any] = {}
    for holder in children(element, "inputParameters"):
        name = text(holder, "name")
        value = holder.find(tag("value"))
        if not name or value is None or not len(value):
            continue
        kind, raw = local_name(value[0]), (value[0].text or "").strip()
        if kind == "elementReference" and raw.startswith("$Record."):
            field = raw.removeprefix("$Record.")
            found[name] = {"ref": "case." + to_case.get(field, field)}
        elif kind == "numberValue" and _is_number(raw):
            found[name] = {"type": "number", "value": float(raw) if "." in raw else int(raw)}
        elif kind == "booleanValue":
            found[name] = {"type": "boolean", "value": raw.lower() == "true"}
        else:
            found[name] = {"value": raw}
    return found


def _is_number(raw: str) -> bool:
    try:
        float(raw) if "." in raw else int(raw)
    except ValueError:
        return False
    return True
