"""The case schema of a plain BPMN import: the fields its conditions read.

BPMN declares no case data. So that an imported workflow validates, every ``case.x`` a
translated condition reads becomes a case field, typed by the literal it is compared with
(a number, a boolean, else a string). A Baton export carries its schema and skips this.

>>> from graphs.model import DecisionNode, Outcome, Workflow
>>> from graphs.conditions import Group
>>> rule = Rule(field="case.amount", op="gt", value=10)
>>> wf = Workflow(id="w", name="W", nodes=[DecisionNode(id="d", outcomes=[
...     Outcome(id="o", label="Big", condition=Group(rules=[rule]))])])
>>> [(f.name, f.type.value) for f in inferred_schema(wf)]
[('amount', 'number')]
"""

from __future__ import annotations

from graphs.conditions import Operator, Rule, iter_rules
from graphs.interop.bpmn.steps import identifier
from graphs.model import CaseField, DecisionNode, FieldType, Workflow

__all__ = ["inferred_schema"]


def inferred_schema(workflow: Workflow) -> list[CaseField]:
    """A case field for every ``case.x`` a translated condition reads, typed by its value."""
    fields: dict[str, FieldType] = {}
    for node in workflow.nodes:
        if isinstance(node, DecisionNode):
            for outcome in node.all_outcomes():
                for rule in iter_rules(outcome.condition) if outcome.condition else []:
                    _note_field(fields, rule)
    return [CaseField(name=name, type=kind) for name, kind in fields.items()]


def _note_field(fields: dict[str, FieldType], rule: Rule) -> None:
    root, _, name = rule.field.partition(".")
    if root != "case" or name in fields or identifier(name) != name:
        return
    value = rule.value[0] if isinstance(rule.value, list) and rule.value else rule.value
    if isinstance(value, bool) or (rule.op is Operator.IS_SET and value is None):
        fields[name] = FieldType.BOOLEAN if isinstance(value, bool) else FieldType.STRING
    elif isinstance(value, int | float):
        fields[name] = FieldType.NUMBER
    else:
        fields[name] = FieldType.STRING
