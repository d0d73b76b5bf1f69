"""Baton conditions and steps as the Python that SpiffWorkflow evaluates in an exported model.

Conditions become Python expressions over flat data names: ``case.priority`` is
``case_priority`` and ``step.work.resolved`` is ``step_work.get('resolved')``. Flat
names matter: SpiffWorkflow copies task data into parallel branches and merges it back
key by key, so a nested ``case`` dict written in two branches would lose one branch's
writes. A person's form data is expected in ``step_<id>``, as the drivers in the tests and
benchmarks put it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphs.conditions import Group, Operator, Rule
from graphs.model import BackgroundStep

__all__ = ["case_updates", "case_var", "condition_expression", "step_script", "step_var"]


def case_var(field: str) -> str:
    """The data name of a case field.

    >>> case_var("priority")
    'case_priority'
    """
    return f"case_{field}"


def step_var(step_id: str) -> str:
    """The data name holding a step's outputs.

    >>> step_var("work-case")
    'step_work_case'
    """
    return f"step_{step_id}".replace("-", "_")


def _value_reader(path: str) -> str:
    root, _, rest = path.partition(".")
    if root == "case":
        return case_var(rest)
    if root == "step":
        step_id, _, key = rest.partition(".")
        return f"{step_var(step_id)}.get({key!r})"
    if root == "sla":
        # A BPMN engine keeps no Baton SLA clock: an exported model reads it as on track.
        return repr("on_track") if rest == "state" else "1e9"
    if root == "counter":
        return "0"
    raise ValueError(f"cannot translate field {path!r}")


def _rule_expression(rule: Rule) -> str:
    value = _value_reader(rule.field)
    op = rule.op
    if op is Operator.IS_SET:
        return f"({value} not in (None, '', []))"
    if op is Operator.IS_NOT_SET:
        return f"({value} in (None, '', []))"
    if op is Operator.CHANGED:
        return "False"
    if op in (Operator.IN, Operator.NOT_IN):
        options = rule.value if isinstance(rule.value, list) else [rule.value]
        negate = "not " if op is Operator.NOT_IN else ""
        return f"({value} {negate}in {options!r})"
    if op in (Operator.CONTAINS, Operator.NOT_CONTAINS):
        negate = "not " if op is Operator.NOT_CONTAINS else ""
        return f"({negate}({rule.value!r} in ({value} or '')))"
    symbol = {
        Operator.EQ: "==",
        Operator.NE: "!=",
        Operator.LT: "<",
        Operator.LTE: "<=",
        Operator.GT: ">",
        Operator.GTE: ">=",
    }[op]
    if symbol in ("==", "!="):
        return f"({value} {symbol} {rule.value!r})"
    return f"({value} is not None and {value} {symbol} {rule.value!r})"


def condition_expression(condition: Group | None) -> str:
    """A Python expression equivalent to a Baton condition.

    >>> condition_expression(Group(match="any", rules=[
    ...     Rule(field="case.priority", op="eq", value="high"),
    ...     Rule(field="step.work.resolved", op="eq", value=False)]))
    "((case_priority == 'high') or (step_work.get('resolved') == False))"
    """
    if condition is None or not condition.rules:
        return "True"
    joiner = " and " if condition.match == "all" else " or "
    parts = [
        _rule_expression(item) if isinstance(item, Rule) else condition_expression(item)
        for item in condition.rules
    ]
    return "(" + joiner.join(parts) + ")"


def case_updates(step: BackgroundStep) -> list[str]:
    """Script lines that apply a ``set_fields``/``assign`` step's case updates.

    >>> from graphs.model import StepInput
    >>> case_updates(BackgroundStep(id="s", action="set_fields",
    ...                             inputs={"status": StepInput(value="open")}))
    ["case_status = 'open'"]
    """
    values: dict[str, str] = {}
    for name, spec in step.inputs.items():
        if spec.ref is None:
            values[name] = repr(spec.value)
        elif spec.ref.split(".", 1)[0] in ("case", "step", "sla", "counter"):
            values[name] = _value_reader(spec.ref)
        else:  # a bare name refers to a case field
            values[name] = case_var(spec.ref)
    if step.action == "set_fields":
        fields = step.inputs.get("fields")
        if fields is not None and fields.ref is None and isinstance(fields.value, dict):
            return [f"{case_var(k)} = {v!r}" for k, v in fields.value.items()]
        return [f"{case_var(k)} = {v}" for k, v in values.items()]
    if step.action == "assign":
        agent, queue = values.get("agent", "None"), values.get("queue", "None")
        return [f"{case_var('owner')} = {agent} or ('queue:' + str({queue}))"]
    return []


def step_script(step: BackgroundStep, outputs: Mapping[str, Any] | None) -> str:
    """The script of a background step's script task: its outputs, then its case updates.

    Without ``outputs`` (a plain export) the step's outputs start empty. A driver that
    plays the outside world passes what the action would return; as in
    :func:`runtime.engine.simulate`, keys starting with ``$`` are not outputs, and
    ``"$case": {...}`` is written to the case after the step's own updates.

    >>> print(step_script(BackgroundStep(id="s", action="notify"),
    ...                   {"sent": True, "$case": {"status": "spam"}}))
    step_s = {'sent': True}
    case_status = 'spam'
    """
    given = dict(outputs or {})
    data = {key: value for key, value in given.items() if not key.startswith("$")}
    lines = [f"{step_var(step.id)} = {data!r}", *case_updates(step)]
    lines += [f"{case_var(k)} = {v!r}" for k, v in dict(given.get("$case", {})).items()]
    return "\n".join(lines)
