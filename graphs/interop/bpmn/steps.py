"""BPMN tasks to Baton steps: who works on them, their forms, and what a machine would run.

- user and manual tasks become interactive steps. The queue comes from Camunda's
  ``candidateGroups`` (Camunda 8: ``zeebe:assignmentDefinition``), a ``potentialOwner``,
  or else the lane; the agent from ``assignee`` or a ``humanPerformer``. Form fields
  come from Camunda's ``formData``; a form kept in another file is reported.
- an intermediate timer event becomes a ``wait`` step of its duration.
- service, script, send, receive, business-rule and plain tasks, and call activities,
  become background steps whose action (``bpmn.serviceTask``, ...) names no installed
  action, so the workflow says what needs choosing; the original type, implementation
  and script are kept as the step's inputs.

>>> timer_minutes("PT1H30M"), timer_minutes("'P2D'"), timer_minutes("R3/PT1M")
(90.0, 2880.0, None)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError

from graphs.interop.bpmn.extensions import CAMUNDA_NS, SPIFF_NS, ZEEBE_NS, vendor_children
from graphs.interop.bpmn.reader import BpmnElement
from graphs.interop.formats import BPMN_MODEL_NS
from graphs.interop.report import ReportKind
from graphs.model import (
    Assignment,
    BackgroundStep,
    FieldType,
    FormField,
    InteractiveStep,
    Step,
    StepInput,
)

__all__ = ["PEOPLE_TASKS", "identifier", "make_step", "timer_minutes"]

_M = f"{{{BPMN_MODEL_NS}}}"
_C = f"{{{CAMUNDA_NS}}}"
PEOPLE_TASKS = frozenset({"userTask", "manualTask"})
_STEP = TypeAdapter[Step](Step)
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_MINUTES = {"w": 10080.0, "d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
_FIELD_TYPES = {"long": FieldType.NUMBER, "boolean": FieldType.BOOLEAN,
                "date": FieldType.DATETIME, "enum": FieldType.PICKLIST}
_IMPLEMENTATION_ATTRS = (
    "implementation", f"{_C}class", f"{_C}delegateExpression", f"{_C}expression",
    f"{_C}type", f"{_C}topic", f"{_C}decisionRef", "calledElement", "messageRef",
)
Report = Callable[[ReportKind, str], None]


def identifier(text: str, fallback: str = "item") -> str:
    """``text`` as a Baton identifier: letters, digits, ``_`` and ``-``, starting with a letter.

    >>> identifier("Task.1 (review)"), identifier("1st"), identifier("")
    ('Task_1__review_', '_1st', 'item')
    """
    cleaned = re.sub(r"[^A-Za-z0-9_\-]", "_", text.strip())[:120] or fallback
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"_{cleaned}"[:120]


def timer_minutes(text: str | None) -> float | None:
    """Minutes of an ISO 8601 duration (quoted or not, as SpiffWorkflow writes it), else None."""
    if not text:
        return None
    found = _DURATION.match(text.strip().strip("'\""))
    if found is None or not any(found.groupdict().values()):
        return None
    return float(sum(float(v) * _MINUTES[k] for k, v in found.groupdict().items() if v))


def make_step(element: BpmnElement, step_id: str, report: Report) -> tuple[Step, bool]:
    """The step ``element`` becomes, and whether Baton's own step data gave it.

    ``report`` hears what did not map one to one.
    """
    payload = element.payloads.get("step")
    if isinstance(payload, dict):
        try:
            return _STEP.validate_python({**payload, "id": step_id, "name": element.name}), True
        except ValidationError as exc:
            report(ReportKind.APPROXIMATED, f"its Baton step data is invalid ({exc.error_count()} "
                   "problems) and was left out; the task was read as plain BPMN")
    if _loop(element) is not None:
        report(ReportKind.APPROXIMATED, f"a {_loop(element)} task runs once in Baton")
    return _plain_step(element, step_id, report), False


def _plain_step(element: BpmnElement, step_id: str, report: Report) -> Step:
    if element.type in PEOPLE_TASKS:
        return InteractiveStep(id=step_id, name=element.name,
                               assignment=_assignment(element, report),
                               form=_form(element, report))
    if element.type == "intermediateCatchEvent":
        text = _timer_text(element)
        minutes = timer_minutes(text)
        inputs: dict[str, StepInput] = {}
        if minutes is not None and minutes > 0:
            inputs["duration_minutes"] = StepInput(type=FieldType.NUMBER, value=minutes)
        else:
            report(ReportKind.KEPT_AS_TEXT, f"the timer {text!r} is no simple duration; the "
                   "wait step needs its duration_minutes")
            inputs["timer"] = StepInput(value=text)
        return BackgroundStep(id=step_id, name=element.name, action="wait", inputs=inputs)
    inputs = {"bpmn_type": StepInput(value=element.type)}
    for attr in _IMPLEMENTATION_ATTRS:
        value = element.xml.get(attr)
        if value:
            inputs[identifier(attr.rsplit("}", 1)[-1])] = StepInput(value=value)
    for definition in vendor_children(element.xml, ZEEBE_NS, "taskDefinition"):
        inputs["implementation"] = StepInput(value=definition.get("type", ""))
    script = element.xml.find(f"{_M}script")
    if script is not None and (script.text or "").strip():
        inputs["script"] = StepInput(value=script.text)
        inputs["script_format"] = StepInput(value=element.xml.get("scriptFormat", ""))
    if element.type == "callActivity":
        report(ReportKind.UNRESOLVED_REFERENCE,
               f"calls {element.xml.get('calledElement') or 'another process'}, which is not "
               "in this document; a placeholder background step stands in")
    else:
        report(ReportKind.NEEDS_ACTION, f"a {element.type} becomes a background step; choose "
               "the action it runs (its type, implementation and script are its inputs)")
    return BackgroundStep(id=step_id, name=element.name, action=f"bpmn.{element.type}",
                          inputs=inputs)


def _loop(element: BpmnElement) -> str | None:
    if element.xml.find(f"{_M}multiInstanceLoopCharacteristics") is not None:
        return "multi-instance"
    if element.xml.find(f"{_M}standardLoopCharacteristics") is not None:
        return "looping"
    return None


def _timer_text(element: BpmnElement) -> str:
    timer = element.xml.find(f"{_M}timerEventDefinition")
    if timer is None:
        return ""
    for child in timer:
        return (child.text or "").strip()
    return ""


def _people(element: BpmnElement, role: str) -> list[str]:
    found = []
    for holder in element.xml.findall(f"{_M}{role}"):
        for expression in holder.iter(f"{_M}formalExpression"):
            text = (expression.text or "").strip()
            inner = re.fullmatch(r"(?:user|group)\((.*)\)", text)
            found.append(inner.group(1) if inner else text)
    return [name for name in found if name]


def _assignment(element: BpmnElement, report: Report) -> Assignment:
    xml = element.xml
    groups = [g.strip() for g in (xml.get(f"{_C}candidateGroups") or "").split(",") if g.strip()]
    agent = xml.get(f"{_C}assignee")
    for zeebe in vendor_children(element.xml, ZEEBE_NS, "assignmentDefinition"):
        groups += [g.strip() for g in (zeebe.get("candidateGroups") or "").split(",") if g]
        agent = agent or zeebe.get("assignee")
    groups += _people(element, "potentialOwner")
    agent = agent or next(iter(_people(element, "humanPerformer")), None)
    dynamic = [text for text in (*groups, agent or "") if "{" in text or text.startswith("=")]
    if dynamic:
        report(ReportKind.KEPT_AS_TEXT, f"who works on it is computed ({', '.join(dynamic)}); "
               "Baton routes to a named queue or agent")
        groups = [g for g in groups if g not in dynamic]
        agent = None if agent in dynamic else agent
    if len(groups) > 1:
        report(ReportKind.APPROXIMATED, f"offered to {', '.join(groups)}: the first group is "
               "the queue")
    if xml.get(f"{_C}candidateUsers"):
        report(ReportKind.APPROXIMATED, "candidate users are not kept: Baton offers work to a "
               "queue or one agent")
    queue = groups[0] if groups else None
    if queue is None and agent is None and element.lane:
        queue = identifier(element.lane.lower(), "queue")
    return Assignment(queue=queue, agent=agent or None)


def _form(element: BpmnElement, report: Report) -> list[FormField]:
    fields: list[FormField] = []
    for field in vendor_children(element.xml, CAMUNDA_NS, "formField"):
        kind = _FIELD_TYPES.get(field.get("type", ""), FieldType.STRING)
        values = [v.get("id") or v.get("name") or "" for v in field.iter(f"{_C}value")]
        required = any(c.get("name") == "required" for c in field.iter(f"{_C}constraint"))
        fields.append(FormField(
            name=identifier(field.get("id", ""), "field"), label=field.get("label") or "",
            type=kind, values=[v for v in values if v] if kind is FieldType.PICKLIST else [],
            required=required))
    key = element.xml.get(f"{_C}formKey") or element.xml.get(f"{_C}formRef")
    for zeebe in vendor_children(element.xml, ZEEBE_NS, "formDefinition"):
        key = key or zeebe.get("formKey") or zeebe.get("formId")
    for prop in vendor_children(element.xml, SPIFF_NS, "property"):
        if prop.get("name") in ("formJsonSchemaFilename", "formUiSchemaFilename"):
            key = key or prop.get("value")
    if key:
        report(ReportKind.UNRESOLVED_REFERENCE, f"its form {key!r} is kept elsewhere; the step "
               "has only the fields this document declares")
    return fields

