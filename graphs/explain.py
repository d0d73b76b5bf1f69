"""Conditions compiled with their explanations: whether one holds, and for each of its
rules the value it saw and whether it held, as the run log and the timeline tell it.

:func:`compile_explained` compiles through :func:`graphs.conditions.compile_condition`
and reads what each rule saw through :func:`graphs.conditions.reader`, so a condition
is judged exactly as it is compiled. The engine compiles every condition of a
published version this way, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal

from graphs.conditions import (
    Facts,
    Group,
    Predicate,
    Reader,
    Rule,
    compile_condition,
    iter_rules,
    reader,
)

__all__ = ["CompiledCondition", "compile_explained", "summarize"]

_HELD = itemgetter("held")


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A condition compiled once, with its leaf rules kept for explaining a result."""

    source: Group
    test: Predicate
    rules: tuple[tuple[Rule, Predicate], ...]
    #: per leaf rule, what :meth:`explain` reports, precomputed: field, operator, value,
    #: a reader for the value seen, and the rule's predicate
    leaves: tuple[tuple[str, str, Any, Reader, Predicate], ...] = ()
    #: the group's ``match`` when every rule is a direct leaf (no nested groups): then
    #: the explanation alone says whether the condition holds
    flat: Literal["all", "any"] | None = None
    #: per leaf rule, the start of its line in :func:`summarize`: field, operator, value
    labels: tuple[str, ...] = ()

    def __call__(self, facts: Facts) -> bool:
        return self.test(facts)

    def judge(self, facts: Facts) -> tuple[bool, list[dict[str, Any]]]:
        """Whether the condition holds, and :meth:`explain`'s answer, evaluating once.

        >>> c = compile_explained(Group(rules=[Rule(field="case.p", op="eq", value="high")]))
        >>> c.judge(Facts(case={"p": "low"}))[0]
        False
        """
        explained = self.explain(facts)
        if self.flat == "all":
            return all(map(_HELD, explained)), explained
        if self.flat == "any":
            return any(map(_HELD, explained)), explained
        return self.test(facts), explained

    def explain(self, facts: Facts) -> list[dict[str, Any]]:
        """Every leaf rule with the value it saw and whether it held.

        >>> c = compile_explained(Group(rules=[Rule(field="case.p", op="eq", value="high")]))
        >>> c.explain(Facts(case={"p": "low"}))
        [{'field': 'case.p', 'op': 'eq', 'value': 'high', 'seen': 'low', 'held': False}]
        """
        # A loop, not a comprehension: on Python 3.11 a comprehension is a function of its
        # own, made and called each time, which costs more than the one to three rules a
        # condition holds (conditions are explained on most decisions and stage entries).
        explained: list[dict[str, Any]] = []
        for field, op, value, read, check in self.leaves:
            explained.append(
                {
                    "field": field,
                    "op": op,
                    "value": value,
                    "seen": read(facts),
                    "held": check(facts),
                }
            )
        return explained

    def describe(self, facts: Facts, held: bool) -> str:
        """A one-line reason: the rules that made the condition ``held`` (or not).

        >>> c = compile_explained(Group(rules=[Rule(field="case.p", op="eq", value="high")]))
        >>> c.describe(Facts(case={"p": "high"}), True)
        "case.p eq 'high' (saw 'high')"
        """
        return self.summarize(self.explain(facts), held)

    def summarize(self, explained: list[dict[str, Any]], held: bool) -> str:
        """:func:`summarize` of this condition's own explanation, with each rule's text
        prepared at compile time.

        >>> c = compile_explained(Group(rules=[Rule(field="case.p", op="in", value=["a", "b"])]))
        >>> c.summarize(c.explain(Facts(case={"p": "c"})), False)
        "case.p in ['a', 'b'] (saw 'c')"
        """
        # By index: ``labels`` and ``explained`` both follow ``leaves`` (a ``zip`` with
        # ``strict=True`` is called with a keyword, which costs more than the rest); a loop,
        # as in :meth:`explain`.
        labels = self.labels
        parts: list[str] = []
        for i, r in enumerate(explained):
            if r["held"] == held:
                parts.append(f"{labels[i]} (saw {r['seen']!r})")
        return "; ".join(parts) if parts else ("no rules" if held else "no rule held")


def _label(field: str, op: str, value: Any) -> str:
    return f"{field} {op}" + ("" if value is None else f" {value!r}")


def summarize(explained: list[dict[str, Any]], held: bool) -> str:
    """The rules of an explanation that held (or did not), as one line."""
    parts = [
        f"{_label(r['field'], r['op'], r['value'])} (saw {r['seen']!r})"
        for r in explained
        if r["held"] == held
    ]
    return "; ".join(parts) if parts else ("no rules" if held else "no rule held")


def compile_explained(condition: Group | None) -> CompiledCondition | None:
    """``condition`` compiled with its explanation."""
    if condition is None:
        return None
    rules = tuple((rule, compile_condition(rule)) for rule in iter_rules(condition))
    leaves = tuple(
        (
            rule.field,
            rule.op.value,
            rule.value,
            reader(rule.field),
            check,
        )
        for rule, check in rules
    )
    flat = condition.match if all(isinstance(r, Rule) for r in condition.rules) else None
    return CompiledCondition(
        source=condition,
        test=compile_condition(condition),
        rules=rules,
        leaves=leaves,
        flat=flat,
        labels=tuple(_label(field, op, value) for field, op, value, _, _ in leaves),
    )
