"""Simple BPMN condition expressions to Baton conditions: Python, FEEL or JUEL comparisons.

An expression translates when it is a comparison of a variable with a literal, a bare
variable (true when it is true), ``not`` of one, or such comparisons joined by ``and``
or ``or``. Variables become case fields (``amount`` is ``case.amount``); Baton's own
export names (``case_amount``, ``step_work.get('done')``) read back as what they were.
Anything else (calls, arithmetic, dotted paths) is not simple: the caller keeps the text
and reports it. The text is parsed, never evaluated.

>>> [(r.field, r.op.value, r.value) for r in translate("${amount > 1000 && approved}").rules]
[('case.amount', 'gt', 1000), ('case.approved', 'eq', True)]
>>> translate('= status = "open"').rules[0].value
'open'
>>> translate("priority in ['high', 'urgent']").rules[0].op.value
'in'
>>> translate("len(items) > 2") is None
True
"""

from __future__ import annotations

import ast
import re
from typing import Any

from graphs.conditions import Group, Operator, Rule

__all__ = ["translate"]

_MAX_LENGTH = 4000
_STRINGS = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_WORDS = {
    "&&": " and ", "||": " or ", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=",
    "ge": ">=", "true": "True", "false": "False", "null": "None", "not": "not ",
}
_JUEL_TOKENS = re.compile(r"&&|\|\||!(?!=)|\b(?:eq|ne|lt|gt|le|ge|true|false|null|not)\b")
_FEEL_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")
_OPERATORS: dict[type[ast.cmpop], Operator] = {
    ast.Eq: Operator.EQ, ast.NotEq: Operator.NE, ast.Lt: Operator.LT, ast.LtE: Operator.LTE,
    ast.Gt: Operator.GT, ast.GtE: Operator.GTE, ast.In: Operator.IN, ast.NotIn: Operator.NOT_IN,
}
_FLIPPED = {Operator.LT: Operator.GT, Operator.GT: Operator.LT, Operator.LTE: Operator.GTE,
            Operator.GTE: Operator.LTE, Operator.EQ: Operator.EQ, Operator.NE: Operator.NE}


class _NotSimple(Exception):
    """The expression is more than Baton's rule builder can hold."""


def translate(text: str, language: str = "") -> Group | None:
    """The Baton condition ``text`` means, or ``None`` when it is not a simple comparison."""
    source = text.strip()
    if not source or len(source) > _MAX_LENGTH:
        return None
    feel = "feel" in language.lower() or source.startswith("=")
    if source[:2] in ("${", "#{") and source.endswith("}"):
        source = _normalise(source[2:-1], feel=False)
    elif feel or "juel" in language.lower():
        source = _normalise(source.removeprefix("="), feel=feel)
    try:
        tree = ast.parse(source.strip(), mode="eval")
        found = _condition(tree.body)
    except (SyntaxError, ValueError, RecursionError, MemoryError, _NotSimple):
        return None
    return found if isinstance(found, Group) else Group(rules=[found])


def _normalise(source: str, *, feel: bool) -> str:
    """JUEL and FEEL spelt as Python, string literals left alone."""
    parts = _STRINGS.split(source)
    for index in range(0, len(parts), 2):  # the odd parts are the literals
        code = _JUEL_TOKENS.sub(lambda m: _WORDS.get(m.group(0), " not "), parts[index])
        parts[index] = _FEEL_EQUALS.sub("==", code) if feel else code
    return "".join(parts)


def _condition(node: ast.expr) -> Group | Rule:
    if isinstance(node, ast.BoolOp):
        match = "all" if isinstance(node.op, ast.And) else "any"
        return Group(match=match, rules=[_condition(value) for value in node.values])
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Rule(field=_field(node.operand), op=Operator.EQ, value=False)
    if isinstance(node, ast.Compare):
        return _comparison(node)
    if isinstance(node, ast.Constant) and node.value is True:
        return Group()
    return Rule(field=_field(node), op=Operator.EQ, value=True)


def _comparison(node: ast.Compare) -> Rule:
    if len(node.ops) != 1:
        raise _NotSimple
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, ast.Is | ast.IsNot) and _literal(right) is None:
        return Rule(field=_field(left),
                    op=Operator.IS_NOT_SET if isinstance(op, ast.Is) else Operator.IS_SET)
    operator = _OPERATORS.get(type(op))
    if operator is None:
        raise _NotSimple
    try:
        return Rule(field=_field(left), op=operator, value=_literal(right))
    except _NotSimple:
        value, field = _literal(left), _field(right)
    if operator is Operator.IN:
        return Rule(field=field, op=Operator.CONTAINS, value=value)
    if operator is Operator.NOT_IN:
        return Rule(field=field, op=Operator.NOT_CONTAINS, value=value)
    return Rule(field=field, op=_FLIPPED[operator], value=value)


def _field(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("case_") and len(name) > 5:
            return f"case.{name[5:]}"
        return f"case.{name}"
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "case"):
        return f"case.{node.attr}"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get" and isinstance(node.func.value, ast.Name)
            and node.func.value.id.startswith("step_") and len(node.args) == 1
            and not node.keywords and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return f"step.{node.func.value.id[5:]}.{node.args[0].value}"
    raise _NotSimple


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _NotSimple from None
    if isinstance(value, tuple | set):
        value = list(value)
    if isinstance(value, list) and not all(isinstance(v, str | int | float) for v in value):
        raise _NotSimple
    if not isinstance(value, str | int | float | bool | list | None):
        raise _NotSimple
    return value
