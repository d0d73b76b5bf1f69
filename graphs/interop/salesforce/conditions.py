"""Baton conditions to Salesforce ``conditions`` with their ``conditionLogic``, and back.

A Salesforce condition list is flat: numbered ``leftValueReference operator rightValue``
rows combined by ``and``, ``or`` or a custom logic such as ``1 AND (2 OR 3)``. Nested
Baton groups become parenthesised parts of a custom logic; ``in`` becomes an ``OR`` of
``EqualTo`` rows, ``not_in`` an ``AND`` of ``NotEqualTo`` rows, ``not_contains`` a
``NOT`` of ``Contains``. Field paths: ``case.x`` is ``$Record.x``, ``step.s.k`` is
``s.Outputs.k``, and ``sla.*`` / ``counter.*`` (which Salesforce lacks) ``$Baton.*``.

>>> from graphs.conditions import Group, Rule, iter_rules
>>> cond = Group(match="any", rules=[Rule(field="case.priority", op="in", value=["P1", "P2"]),
...                                  Rule(field="case.vip", op="eq", value=True)])
>>> logic, rows = render_condition(cond, {})
>>> logic, [(r.left, r.operator, r.value) for r in rows]
('(1 OR 2) OR 3', [('$Record.priority', 'EqualTo', 'P1'), \
('$Record.priority', 'EqualTo', 'P2'), ('$Record.vip', 'EqualTo', 'true')])
>>> parsed, notes = parse_condition(logic, rows, {})
>>> [r.field for r in iter_rules(parsed)], notes
(['case.priority', 'case.priority', 'case.vip'], [])
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphs.conditions import Group, Operator, Rule
from graphs.salesforce import DEFAULT_ID_FIELD

__all__ = [
    "FlowCondition",
    "LogicTree",
    "parse_condition",
    "parse_logic",
    "record_fields",
    "render_condition",
    "same_rows",
    "translate_row",
    "tree_to_group",
]

_OPERATORS = {
    Operator.EQ: "EqualTo",
    Operator.NE: "NotEqualTo",
    Operator.LT: "LessThan",
    Operator.LTE: "LessThanOrEqualTo",
    Operator.GT: "GreaterThan",
    Operator.GTE: "GreaterThanOrEqualTo",
    Operator.CONTAINS: "Contains",
}
_FROM_SALESFORCE = {v: k for k, v in _OPERATORS.items()}
_NEGATED = {
    Operator.EQ: Operator.NE,
    Operator.NE: Operator.EQ,
    Operator.CONTAINS: Operator.NOT_CONTAINS,
    Operator.IS_SET: Operator.IS_NOT_SET,
    Operator.IS_NOT_SET: Operator.IS_SET,
}
#: Parentheses nested deeper than this are not read (no rule builder nests so deep).
MAX_LOGIC_DEPTH = 32
_TOKENS = re.compile(r"\s*(\d+|AND|OR|NOT|\(|\))", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FlowCondition:
    """One row of a Salesforce condition list; ``value_type`` None means no right value."""

    left: str
    operator: str
    value_type: str | None = None
    value: str = ""


def record_fields(trigger: Any) -> dict[str, str]:
    """Case field -> the Salesforce record field it comes from, for a trigger document.

    From its Salesforce field mapping, and its id field (the record's ``Id``); empty
    for a trigger that does not take its cases from Salesforce.

    >>> record_fields({"salesforce": {"field_mapping": [
    ...     {"sf_field": "Priority", "case_field": "priority"}]}})
    {'priority': 'Priority', 'salesforce_id': 'Id'}
    """
    config = trigger.get("salesforce") if isinstance(trigger, dict) else None
    if not isinstance(config, dict):
        return {}
    found: dict[str, str] = {}
    mappings = config.get("field_mapping")
    for mapping in mappings if isinstance(mappings, list) else []:
        if isinstance(mapping, dict):
            case, sf = mapping.get("case_field"), mapping.get("sf_field")
            if isinstance(case, str) and isinstance(sf, str):
                found.setdefault(case, sf)
    id_field = config.get("id_field", DEFAULT_ID_FIELD)
    if isinstance(id_field, str):
        found.setdefault(id_field, "Id")
    return found


#: A parsed condition logic: ``("leaf", n)``, ``("not", tree)``, ``("and"|"or", [trees])``.
LogicTree = tuple[str, Any]


# ----------------------------------------------------------------------------- rendering


def render_condition(
    condition: Group | None,
    step_names: Mapping[str, str],
    after: Sequence[str] = (),
    record: Mapping[str, str] | None = None,
) -> tuple[str, list[FlowCondition]]:
    """The logic and rows for ``condition``, preceded by a ``Completed`` row per ``after`` step.

    ``step_names`` maps Baton step ids to their API names; ``record`` case fields to the
    Salesforce fields of the record they come from (the trigger's field mapping).
    """
    rows = [
        FlowCondition(f"{name}.Status", "EqualTo", "stringValue", "Completed") for name in after
    ]
    parts = [str(n) for n in range(1, len(rows) + 1)]
    simple = True
    if condition is not None and condition.rules:
        names = _Names(step_names, record or {})
        expr, simple = _group_expr(condition, rows, names, top=True)
        if condition.match == "any" and after and len(condition.rules) > 1:
            expr, simple = f"({expr})", False
        parts.append(expr)
        if condition.match == "any" and simple and not after:
            return "or", rows
    if simple:
        return "and", rows
    return " AND ".join(parts), rows


def _group_expr(
    group: Group, rows: list[FlowCondition], names: _Names, *, top: bool = False
) -> tuple[str, bool]:
    texts: list[str] = []
    simple = True
    for item in group.rules:
        if isinstance(item, Rule):
            text, plain = _rule_expr(item, rows, names)
        else:
            if not item.rules:
                continue
            text, _ = _group_expr(item, rows, names)
            plain = False
            if len(item.rules) > 1:
                text = f"({text})"
        texts.append(text)
        simple = simple and plain
    joiner = " AND " if group.match == "all" else " OR "
    return joiner.join(texts), simple and top


def _rule_expr(rule: Rule, rows: list[FlowCondition], names: _Names) -> tuple[str, bool]:
    left = _left(rule.field, names)
    op = rule.op
    if op in (Operator.IN, Operator.NOT_IN):
        values = rule.value if isinstance(rule.value, list) else [rule.value]
        operator = "EqualTo" if op is Operator.IN else "NotEqualTo"
        numbers = [_add(rows, FlowCondition(left, operator, *_value(v))) for v in values]
        if len(numbers) == 1:
            return numbers[0], True
        return "(" + (" OR " if op is Operator.IN else " AND ").join(numbers) + ")", False
    if op is Operator.NOT_CONTAINS:
        return "NOT " + _add(rows, FlowCondition(left, "Contains", *_value(rule.value))), False
    if op in (Operator.IS_SET, Operator.IS_NOT_SET):
        flag = "true" if op is Operator.IS_NOT_SET else "false"
        return _add(rows, FlowCondition(left, "IsNull", "booleanValue", flag)), True
    if op is Operator.CHANGED:
        return _add(rows, FlowCondition(left, "IsChanged", "booleanValue", "true")), True
    if rule.value is None and op in (Operator.EQ, Operator.NE):
        flag = "true" if op is Operator.EQ else "false"
        return _add(rows, FlowCondition(left, "IsNull", "booleanValue", flag)), True
    return _add(rows, FlowCondition(left, _OPERATORS[op], *_value(rule.value))), True


def _add(rows: list[FlowCondition], row: FlowCondition) -> str:
    rows.append(row)
    return str(len(rows))


@dataclass(frozen=True, slots=True)
class _Names:
    steps: Mapping[str, str]
    record: Mapping[str, str]


def _left(field: str, names: _Names) -> str:
    root, _, rest = field.partition(".")
    if root == "case":
        return f"$Record.{names.record.get(rest, rest)}"
    if root == "step":
        step, _, key = rest.partition(".")
        return f"{names.steps.get(step, step)}.Outputs.{key}"
    return f"$Baton.{field}"


def _value(value: Any) -> tuple[str | None, str]:
    if isinstance(value, bool):
        return "booleanValue", "true" if value else "false"
    if isinstance(value, int | float):
        return "numberValue", repr(value)
    if isinstance(value, str):
        return "stringValue", value
    if value is None:
        return None, ""
    return "stringValue", json.dumps(value)


def same_rows(
    native: tuple[str, list[FlowCondition]], rendered: tuple[str, list[FlowCondition]]
) -> bool:
    """Whether two (logic, rows) pairs say the same, ignoring case and spacing of the logic."""

    def norm(logic: str) -> str:
        return " ".join(logic.upper().replace("(", " ( ").replace(")", " ) ").split())

    if native[1] != rendered[1]:
        return False
    return not native[1] or norm(native[0] or "and") == norm(rendered[0])


# ----------------------------------------------------------------------------- parsing


def parse_condition(
    logic: str,
    rows: Sequence[FlowCondition],
    step_ids: Mapping[str, str],
    record: Mapping[str, str] | None = None,
) -> tuple[Group | None, list[str]]:
    """A Baton condition for ``rows`` combined by ``logic``, and notes on what did not map.

    ``step_ids`` maps step API names to Baton step ids; ``record`` Salesforce record fields
    to the case fields they fill.
    """
    if not rows:
        return None, []
    notes: list[str] = []
    rules = [translate_row(row, step_ids, notes, record) for row in rows]
    tree = parse_logic(logic, len(rows), notes)
    group = tree_to_group(tree, rules, notes)
    return group, notes


def parse_logic(logic: str, count: int, notes: list[str]) -> LogicTree:
    """Parse ``and``, ``or`` or a custom logic over rows 1..``count``."""
    plain = (logic or "and").strip().lower()
    if plain in ("and", "or"):
        return (plain, [("leaf", n) for n in range(1, count + 1)])
    tokens = [t.upper() for t in _TOKENS.findall(logic)]
    readable = "".join(tokens).replace(" ", "") == re.sub(r"\s+", "", logic).upper()
    if not readable or not tokens or _depth(tokens) > MAX_LOGIC_DEPTH:
        notes.append(f"the condition logic {_short(logic)!r} could not be read; all rows must hold")
        return ("and", [("leaf", n) for n in range(1, count + 1)])
    position = 0

    def joined(word: str, part: Callable[[], LogicTree]) -> LogicTree:
        # One or more ``part``s joined by ``word`` (OR binds looser than AND).
        nonlocal position
        parts = [part()]
        while position < len(tokens) and tokens[position] == word:
            position += 1
            parts.append(part())
        return parts[0] if len(parts) == 1 else (word.lower(), parts)

    def expr() -> LogicTree:
        return joined("OR", term)

    def term() -> LogicTree:
        return joined("AND", factor)

    def factor() -> LogicTree:
        nonlocal position
        token = tokens[position] if position < len(tokens) else ""
        position += 1
        if token == "NOT":
            return ("not", factor())
        if token == "(":
            inner = expr()
            position += 1  # the closing parenthesis
            return inner
        if token.isdigit() and 1 <= int(token) <= count:
            return ("leaf", int(token))
        raise ValueError(token)

    try:
        return expr()
    except (ValueError, IndexError):
        notes.append(f"the condition logic {_short(logic)!r} could not be read; all rows must hold")
        return ("and", [("leaf", n) for n in range(1, count + 1)])


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _depth(tokens: list[str]) -> int:
    depth = deepest = 0
    for token in tokens:
        depth += 1 if token == "(" else -1 if token == ")" else 0
        deepest = max(deepest, depth)
    return deepest


def tree_to_group(tree: LogicTree, rules: Sequence[Rule | None], notes: list[str]) -> Group | None:
    """The Baton group a logic tree over translated ``rules`` stands for."""
    item = _tree_item(tree, rules, notes)
    if item is None:
        return None
    return item if isinstance(item, Group) else Group(match="all", rules=[item])


def _tree_item(
    tree: LogicTree, rules: Sequence[Rule | None], notes: list[str]
) -> Rule | Group | None:
    kind, body = tree
    if kind == "leaf":
        leaf: Rule | None = rules[int(body) - 1]
        return leaf
    if kind == "not":
        inner = _tree_item(body, rules, notes)
        if isinstance(inner, Rule) and inner.op in _NEGATED:
            return inner.model_copy(update={"op": _NEGATED[inner.op]})
        notes.append("a NOT over more than one comparison has no Baton form; it was left out")
        return None
    items = [i for i in (_tree_item(part, rules, notes) for part in body) if i is not None]
    if not items:
        return None
    return Group(match="all" if kind == "and" else "any", rules=items)


def translate_row(
    row: FlowCondition,
    step_ids: Mapping[str, str],
    notes: list[str],
    record: Mapping[str, str] | None = None,
) -> Rule | None:
    """One Salesforce condition row as a Baton rule, or None (with a note) when it has none."""
    field = _field(row.left, step_ids, notes, record or {})
    value = _parse_value(row, notes)
    operator = row.operator
    if operator in ("IsNull", "IsBlank"):
        return Rule(field=field, op=Operator.IS_NOT_SET if value is not False else Operator.IS_SET)
    if operator == "IsChanged" and value is not False:
        return Rule(field=field, op=Operator.CHANGED)
    if operator in ("StartsWith", "EndsWith"):
        notes.append(f"{row.left} {operator} {value!r} became 'contains', which is looser")
        return Rule(field=field, op=Operator.CONTAINS, value=value)
    if operator in _FROM_SALESFORCE:
        return Rule(field=field, op=_FROM_SALESFORCE[operator], value=value)
    notes.append(f"the comparison {row.left} {operator} has no Baton operator; it was left out")
    return None


def _field(
    left: str, step_ids: Mapping[str, str], notes: list[str], record: Mapping[str, str]
) -> str:
    if left.startswith("$Record."):
        name = left.removeprefix("$Record.")
        return "case." + record.get(name, name)
    if left.startswith("$Baton."):
        return left.removeprefix("$Baton.")
    head, _, rest = left.partition(".")
    if head in step_ids and rest.startswith("Outputs."):
        return f"step.{step_ids[head]}.{rest.removeprefix('Outputs.')}"
    if head in step_ids:
        notes.append(f"{left} reads the step's {rest or 'state'}; Baton reads it as a step output")
        return f"step.{step_ids[head]}.{rest or 'Status'}"
    name = re.sub(r"[^A-Za-z0-9_]+", "_", left.removeprefix("$Record__Prior.")).strip("_")
    notes.append(f"{left} is not a field of the record; Baton reads the case field {name!r}")
    return f"case.{name or 'unknown'}"


def _parse_value(row: FlowCondition, notes: list[str]) -> Any:
    kind, raw = row.value_type, row.value
    if kind is None:
        return None
    if kind == "booleanValue":
        return raw.lower() == "true"
    if kind == "numberValue":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(raw) if re.fullmatch(r"-?\d+", raw) else number
    if kind == "elementReference":
        notes.append(
            f"{row.left} is compared with {raw}, a reference Baton cannot follow; "
            "it compares with that text"
        )
    return raw
