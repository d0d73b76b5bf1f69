"""Structured conditions: the rule-builder's data, and their compilation into callables.

A condition is a tree of ``all``/``any`` groups whose leaves are ``field operator value``
rules. Conditions are data, never code: they compile once per workflow version into
plain closures and are never ``eval``'d.

Field paths name what a rule reads:

- ``case.<field>``: a field of the case schema (the latest case record);
- ``step.<step_id>.<key>``: an output of a step of the run;
- ``sla.state`` (``on_track`` / ``at_risk`` / ``breached``) and ``sla.remaining_minutes``:
  the SLA of the node the run is at;
- ``counter.<name>``: a counter: ``counter.loops`` and ``counter.visits.<node>`` the
  engine keeps; any other reads the case's ``<name>_count`` (``counter.contacts``:
  ``case.contact_count``).

>>> cond = Group(match="all", rules=[Rule(field="case.priority", op="eq", value="high")])
>>> check = compile_condition(cond)
>>> check(Facts(case={"priority": "high"}))
True
>>> check(Facts(case={"priority": "low"}))
False
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from graphs.case_limits import storable_value

__all__ = [
    "FIELD_ROOTS",
    "MAX_GROUP_DEPTH",
    "SLA_STATES",
    "Condition",
    "Facts",
    "Group",
    "Operator",
    "Predicate",
    "Reader",
    "Rule",
    "compile_condition",
    "iter_rules",
    "parse_datetime",
    "read_path",
    "reader",
]

FIELD_ROOTS = ("case", "step", "sla", "counter")
SLA_STATES = ("on_track", "at_risk", "breached")


class Operator(StrEnum):
    """The operators a rule may use; the rule builder offers them per field type."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    IS_SET = "is_set"
    IS_NOT_SET = "is_not_set"
    CHANGED = "changed"


#: Operators that take no value.
UNARY_OPERATORS = frozenset({Operator.IS_SET, Operator.IS_NOT_SET, Operator.CHANGED})
#: Operators whose value is a list.
LIST_OPERATORS = frozenset({Operator.IN, Operator.NOT_IN})
#: Operators that need an ordered type (number or date-time).
ORDER_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE})
#: How deeply groups may nest in one condition (the rule builder draws two or three).
MAX_GROUP_DEPTH = 32


class Rule(BaseModel):
    """One ``field operator value`` comparison."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rule"] = "rule"
    field: str = Field(min_length=1, description="A field path such as case.priority")
    op: Operator
    value: Any = None

    @field_validator("value")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # Compared with case data, so held to its limits: a deeper value could never be
        # equal, and past 200 levels the stored workflow could not be read back.
        return storable_value(value, what="condition")


class Group(BaseModel):
    """A group of rules and groups, true when all (or any) of them are."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["group"] = "group"
    match: Literal["all", "any"] = "all"
    rules: list[Annotated[Rule | Group, Field(discriminator="kind")]] = Field(default_factory=list)
    _depth: int = PrivateAttr(default=1)

    @model_validator(mode="after")
    def _not_too_deep(self) -> Group:
        # Inner groups are checked first, so each knows its own depth: one pass in all.
        # Past the limit the stored workflow could not be written or read back.
        inner = (rule._depth for rule in self.rules if isinstance(rule, Group))
        self._depth = 1 + max(inner, default=0)
        if self._depth > MAX_GROUP_DEPTH:
            raise ValueError(f"groups are nested more than {MAX_GROUP_DEPTH} deep")
        return self


Condition = Group
"""A condition is always a group at the top, as the rule builder draws it."""


@dataclass(slots=True)
class Facts:
    """What a condition reads: the latest case, the one before it, step outputs, SLA.

    Not frozen (nothing writes one once built): the engine builds one whenever the case
    changes, and a frozen dataclass sets each field through ``object.__setattr__``."""

    case: Mapping[str, Any]
    previous_case: Mapping[str, Any] | None = None
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sla: Mapping[str, Any] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)


Predicate = Callable[[Facts], bool]
Reader = Callable[[Facts], Any]
_MISSING = object()


def iter_rules(group: Group, *, within: Callable[[Group], bool] | None = None) -> list[Rule]:
    """Every rule of a condition tree, depth first; only of the groups ``within`` accepts.

    >>> g = Group(rules=[Rule(field="case.a", op="is_set"),
    ...                  Group(match="any", rules=[Rule(field="case.b", op="is_set"),
    ...                                            Rule(field="case.c", op="is_set")])])
    >>> [r.field for r in iter_rules(g)]
    ['case.a', 'case.b', 'case.c']
    >>> [r.field for r in iter_rules(g, within=lambda group: group.match == "all")]
    ['case.a']
    """
    if within is not None and not within(group):
        return []
    found: list[Rule] = []
    for item in group.rules:
        if isinstance(item, Rule):
            found.append(item)
        else:
            found.extend(iter_rules(item, within=within))
    return found


def parse_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime from a datetime or an ISO 8601 string, else None.

    >>> parse_datetime("2026-01-02T03:04:05Z").isoformat()
    '2026-01-02T03:04:05+00:00'
    >>> parse_datetime("soon") is None
    True
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def reader(path: str, *, missing: Any = None, bare_names: bool = False) -> Reader:
    """A function reading the value at field ``path`` from :class:`Facts`, the path split once.

    The one reader of field paths: conditions, their explanations and step inputs all
    read through it. Two choices differ between its callers, so they are parameters:

    ``missing``
        What an unset case field, SLA field or step output reads as. Conditions pass
        a sentinel of their own, so that ``eq None`` tells an absent field from one set
        to null; explanations and step inputs read ``None``.
    ``bare_names``
        Whether a path with no known root (``priority``) reads the case field named by
        the whole path, as a step input's ``ref`` may; otherwise such a path is a
        ``ValueError``, as in a condition.

    A counter the facts do not hold (``counter.contacts``) reads the case's numeric
    ``<name>_count`` field, or for a plural name its singular's (``contact_count``),
    wherever the rule stands: a stage, a decision, an escalation rule or a trigger
    (issue 15: escalation rules read it so and the rest read 0, so the same rule meant
    two things). A counter nobody has counted reads 0.

    >>> facts = Facts(case={"a": 1}, steps={"s": {"k": 2}}, counters={"loops": 3})
    >>> [reader(p)(facts) for p in ("case.a", "step.s.k", "counter.loops", "case.b")]
    [1, 2, 3, None]
    >>> reader("a", bare_names=True)(facts)
    1
    >>> contacts = Facts(case={"contact_count": 2})
    >>> reader("counter.contacts")(contacts), reader("counter.reopenings")(contacts)
    (2, 0)
    >>> reader("a")
    Traceback (most recent call last):
    ...
    ValueError: unknown field root in 'a': expected one of case, step, sla, counter
    """
    root, _, rest = path.partition(".")
    if root == "step":
        step_id, _, key = rest.partition(".")

        def read_step(facts: Facts) -> Any:
            outputs = facts.steps.get(step_id)
            return missing if outputs is None else outputs.get(key, missing)

        return read_step
    if root == "sla":
        return lambda facts: facts.sla.get(rest, missing)
    if root == "counter":
        return _case_counter(rest)
    if root == "case" or bare_names:
        name = rest if root == "case" else path
        return lambda facts: facts.case.get(name, missing)
    raise ValueError(f"unknown field root in {path!r}: expected one of {', '.join(FIELD_ROOTS)}")


def _case_counter(name: str) -> Reader:
    fields = [f"{name}_count"] + ([f"{name[:-1]}_count"] if name.endswith("s") else [])

    def read_counter(facts: Facts) -> Any:
        counted = facts.counters.get(name, _MISSING)
        if counted is not _MISSING:
            return counted
        for field_name in fields:
            value = facts.case.get(field_name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return int(value)
        return 0

    return read_counter


def read_path(facts: Facts, path: str) -> Any:
    """The value ``path`` reads from ``facts`` (``None`` when unset; a bare name is a case
    field): :func:`reader` for one reading.

    >>> read_path(Facts(case={"a": 1}, steps={"s": {"k": 2}}), "step.s.k")
    2
    >>> read_path(Facts(case={"a": 1}), "case.b") is None
    True
    """
    return reader(path, bare_names=True)(facts)


def _comparable(value: Any) -> Any:
    # Date-times arrive as ISO strings from JSON; compare them as instants.
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    return value


def _is_set(value: Any) -> bool:
    return value is not _MISSING and value is not None and value != "" and value != []


def _compile_rule(rule: Rule) -> Predicate:
    get = reader(rule.field, missing=_MISSING)
    op = rule.op
    if op is Operator.IS_SET:
        return lambda facts: _is_set(get(facts))
    if op is Operator.IS_NOT_SET:
        return lambda facts: not _is_set(get(facts))
    if op is Operator.CHANGED:
        if not rule.field.startswith("case."):
            raise ValueError(f"'changed' applies to case fields only, not {rule.field!r}")
        name = rule.field.removeprefix("case.")

        def changed(facts: Facts) -> bool:
            if facts.previous_case is None:
                return False
            return facts.previous_case.get(name) != facts.case.get(name)

        return changed

    if op in LIST_OPERATORS:
        options = rule.value if isinstance(rule.value, list) else [rule.value]
        members = frozenset(_freeze(_comparable(v)) for v in options)
        if not any(isinstance(m, datetime) for m in members):
            return _plain_membership(get, members, negate=op is Operator.NOT_IN)
        if op is Operator.IN:
            return lambda facts: _freeze(_comparable(get(facts))) in members
        return lambda facts: _freeze(_comparable(get(facts))) not in members

    expected = _comparable(rule.value)
    if op is Operator.EQ or op is Operator.NE:
        if not isinstance(expected, datetime):
            return _plain_equality(get, expected, negate=op is Operator.NE)
        if op is Operator.EQ:
            return lambda facts: _comparable(get(facts)) == expected
        return lambda facts: _comparable(get(facts)) != expected
    if op is Operator.CONTAINS:
        return lambda facts: _contains(get(facts), expected)
    if op is Operator.NOT_CONTAINS:
        return lambda facts: not _contains(get(facts), expected)

    compare: Callable[[Any, Any], bool] = {
        Operator.LT: operator.lt,
        Operator.LTE: operator.le,
        Operator.GT: operator.gt,
        Operator.GTE: operator.ge,
    }[op]

    def ordered(facts: Facts) -> bool:
        actual = _comparable(get(facts))
        if not _is_set(actual):
            return False
        try:
            return compare(actual, expected)
        except TypeError:
            # A value of the wrong type never satisfies an ordering; validation
            # catches this for declared fields, step outputs are untyped.
            return False

    return ordered


# When the rule's value is no date-time, reading the field as an instant
# (``_comparable``) cannot change the answer of an equality or membership test: a
# date-like string parses to a date-time, which equals no member of another type, and
# unparsed it equals no member either, since an equal member would be the same string
# and would have parsed too. These closures skip that step, which conditions would
# otherwise take several times per event.


def _plain_equality(get: Reader, expected: Any, *, negate: bool) -> Predicate:
    if negate:
        return lambda facts: get(facts) != expected
    return lambda facts: get(facts) == expected


def _plain_membership(get: Reader, members: frozenset[Any], *, negate: bool) -> Predicate:
    if negate:
        return lambda facts: _freeze(get(facts)) not in members
    return lambda facts: _freeze(get(facts)) in members


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item.lower() in container.lower()
    if isinstance(container, list | tuple | set | frozenset):
        return item in container
    return False


def compile_condition(condition: Group | Rule | None) -> Predicate:
    """Compile a condition into a predicate over :class:`Facts`; ``None`` is always true.

    >>> p = compile_condition(Group(match="any", rules=[
    ...     Rule(field="case.amount", op="gt", value=1000),
    ...     Rule(field="case.tags", op="contains", value="vip")]))
    >>> p(Facts(case={"amount": 10, "tags": ["vip"]})), p(Facts(case={"amount": 10}))
    (True, False)
    """
    if condition is None:
        return lambda facts: True
    if isinstance(condition, Rule):
        return _compile_rule(condition)
    checks = tuple(compile_condition(item) for item in condition.rules)
    if len(checks) == 1:
        return checks[0]
    # A loop rather than all()/any() over a generator, which adds a frame per rule:
    # conditions run several times per event. Same order, same short cut.
    if condition.match == "all":

        def every(facts: Facts) -> bool:
            for check in checks:  # noqa: SIM110 (see above)
                if not check(facts):
                    return False
            return True

        return every

    def some(facts: Facts) -> bool:
        for check in checks:  # noqa: SIM110 (see above)
            if check(facts):
                return True
        return False

    return some
