"""Whether two workflows' record triggers can fire on the same record (a conservative check).

Pure: no I/O. Two record triggers overlap when they watch the same source (and, for
Salesforce, the same sObject), start on a common event (``create_or_update`` shares
both), and their conditions can both hold. The last part is checked conservatively:
the conditions are taken to exclude each other only when a rule each of them requires
(a rule of a top-level ``all`` group, or of a nested ``all`` group within it) contradicts
one of the other's on the same case field, as ``case_type eq support`` and
``case_type eq insurance_claim`` do. Anything the check cannot prove apart counts as an
overlap: a warning too many costs a look, one too few a case run twice.

>>> from graphs.model import Trigger
>>> def record(value):
...     rule = Rule(field="case.case_type", op="eq", value=value)
...     return Trigger(kind="record", condition=Group(rules=[rule]))
>>> print(trigger_overlap(record("support"), record("support")))
both start when a case from 'baton' is created, and their conditions can both hold
>>> trigger_overlap(record("support"), record("claim")) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphs.conditions import Group, Operator, Rule, iter_rules
from graphs.model import Trigger, TriggerEvent, Workflow

__all__ = [
    "TriggerOverlap",
    "conditions_exclude",
    "events_overlap",
    "overlapping_workflows",
    "trigger_overlap",
]

_EVENT_WORDS = {
    TriggerEvent.CREATE: "created",
    TriggerEvent.UPDATE: "updated",
    TriggerEvent.CREATE_OR_UPDATE: "created or updated",
}
_NUMERIC = (Operator.LT, Operator.LTE, Operator.GT, Operator.GTE)


@dataclass(frozen=True, slots=True)
class TriggerOverlap:
    """Another workflow whose trigger can fire on the same records, and why."""

    workflow_id: str
    name: str
    reason: str


def events_overlap(a: TriggerEvent, b: TriggerEvent) -> TriggerEvent | None:
    """The event both fire on (``None``: none).

    >>> events_overlap(TriggerEvent.CREATE, TriggerEvent.CREATE_OR_UPDATE)
    <TriggerEvent.CREATE: 'create'>
    >>> events_overlap(TriggerEvent.CREATE, TriggerEvent.UPDATE) is None
    True
    """
    if a == b:
        return a
    if a is TriggerEvent.CREATE_OR_UPDATE:
        return b
    if b is TriggerEvent.CREATE_OR_UPDATE:
        return a
    return None


def _required_rules(group: Group | None) -> list[Rule]:
    """The rules that must all hold for ``group`` to hold."""
    if group is None:
        return []
    # Of a group where one of several rules will do, none is required.
    return iter_rules(group, within=lambda g: g.match == "all" or len(g.rules) == 1)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _holds(op: Operator, number: float, bound: float) -> bool:
    if op is Operator.LT:
        return number < bound
    if op is Operator.LTE:
        return number <= bound
    if op is Operator.GT:
        return number > bound
    return number >= bound


def _ranges_apart(a: Rule, b: Rule) -> bool:
    """Whether two order rules on one number admit no common value."""
    low, high = (a, b) if a.op in (Operator.GT, Operator.GTE) else (b, a)
    if low.op not in (Operator.GT, Operator.GTE) or high.op not in (Operator.LT, Operator.LTE):
        return False
    lo, hi = _number(low.value), _number(high.value)
    if lo is None or hi is None:
        return False
    if lo < hi:
        return False
    return lo > hi or low.op is Operator.GT or high.op is Operator.LT


def _pair_excludes(a: Rule, b: Rule) -> bool:
    """Whether rules ``a`` and ``b`` on one field cannot both hold (one direction)."""
    op_a, op_b = a.op, b.op
    if op_a is Operator.IS_SET and op_b is Operator.IS_NOT_SET:
        return True
    if op_a is Operator.EQ:
        value = a.value
        if op_b is Operator.IS_NOT_SET:
            return not _empty(value)
        if op_b is Operator.EQ:
            return bool(value != b.value)
        if op_b is Operator.NE:
            return bool(value == b.value)
        if op_b is Operator.IN and isinstance(b.value, list):
            return value not in b.value
        if op_b is Operator.NOT_IN and isinstance(b.value, list):
            return value in b.value
        if op_b in _NUMERIC:
            number, bound = _number(value), _number(b.value)
            return number is not None and bound is not None and not _holds(op_b, number, bound)
    if op_a is Operator.IN and isinstance(a.value, list):
        if op_b is Operator.IN and isinstance(b.value, list):
            return not any(v in b.value for v in a.value)
        if op_b is Operator.IS_NOT_SET:
            return not any(_empty(v) for v in a.value)
    if op_a in _NUMERIC and op_b in _NUMERIC:
        return _ranges_apart(a, b)
    return False


def conditions_exclude(a: Group | None, b: Group | None) -> str | None:
    """Why conditions ``a`` and ``b`` cannot both hold, or ``None`` if they may.

    >>> is_set = Group(rules=[Rule(field="case.claim", op="is_set")])
    >>> no_claim = Group(rules=[Rule(field="case.claim", op="is_not_set")])
    >>> conditions_exclude(is_set, no_claim)
    "case.claim: 'is_set' in one, 'is_not_set' in the other"
    >>> high = Group(rules=[Rule(field="case.amount", op="gte", value=1000)])
    >>> low = Group(rules=[Rule(field="case.amount", op="lt", value=1000)])
    >>> conditions_exclude(high, low) is None, conditions_exclude(high, None) is None
    (False, True)
    """
    mine = [r for r in _required_rules(a) if r.field.startswith("case.")]
    theirs = [r for r in _required_rules(b) if r.field.startswith("case.")]
    for rule in mine:
        for other in theirs:
            if rule.field == other.field and (
                _pair_excludes(rule, other) or _pair_excludes(other, rule)
            ):
                return f"{rule.field}: {_said(rule)} in one, {_said(other)} in the other"
    return None


def _said(rule: Rule) -> str:
    if rule.value is None and rule.op in (Operator.IS_SET, Operator.IS_NOT_SET):
        return repr(str(rule.op))
    return f"{rule.op} {rule.value!r}"


def trigger_overlap(a: Trigger, b: Trigger) -> str | None:
    """Why triggers ``a`` and ``b`` can both fire on one record, or ``None`` if they cannot."""
    if a.kind != "record" or b.kind != "record" or a.source != b.source:
        return None
    sf_a, sf_b = a.salesforce, b.salesforce
    if sf_a is not None and sf_b is not None and sf_a.sobject != sf_b.sobject:
        return None
    event = events_overlap(a.on, b.on)
    if event is None:
        return None
    if conditions_exclude(a.condition, b.condition) is not None:
        return None
    where = f"a case from {a.source!r}"
    if a.salesforce is not None:
        where = f"a Salesforce {a.salesforce.sobject} record"
    return f"both start when {where} is {_EVENT_WORDS[event]}, and their conditions can both hold"


def overlapping_workflows(workflow: Workflow, others: Iterable[Workflow]) -> list[TriggerOverlap]:
    """The workflows of ``others`` (not ``workflow`` itself) whose record triggers can fire
    on the same records as ``workflow``'s, each with the reason."""
    found = []
    for other in others:
        if other.id == workflow.id:
            continue
        reason = trigger_overlap(workflow.trigger, other.trigger)
        if reason is not None:
            found.append(TriggerOverlap(other.id, other.name, reason))
    return found
