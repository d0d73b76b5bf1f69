"""The data flow of a workflow: for every case field and step output, what writes it and
what reads it.

Writers: the case at creation (its required fields), the Salesforce trigger's field
mapping, actions' declared writes (``set_fields`` inputs, ``assign``'s owner, a
query's ``into``), interactive steps' form fields mapped to case fields, background
steps' outputs mapped to case fields, and every step's own outputs. Escalation actions
write no case field (they move work items and notify people), so they appear only as
readers. Readers: decision, stage, step and trigger conditions, escalation rules, and
step inputs given as a ``ref``.

What actions write is known only from the runtime's catalogue
(:class:`graphs.action_specs.ActionSpec`), passed in; without one, actions write nothing
that the analysis can see, and :attr:`DataFlow.complete` says so.

>>> from graphs.model import Workflow
>>> wf = Workflow.model_validate({"id": "w", "name": "W",
...     "case_schema": [{"name": "resolved", "type": "boolean"}],
...     "nodes": [{"id": "s", "kind": "stage", "steps": [{"id": "work", "kind": "interactive",
...         "form": [{"name": "resolved", "type": "boolean"}]}]}]})
>>> flow = data_flow(wf)
>>> [(w.kind, w.step_id) for w in flow.writers_of("case.resolved")]
[('form', 'work')]
>>> form_case_fields(wf.nodes[0].steps[0], wf)
{'resolved': 'resolved'}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from graphs.action_specs import ActionCatalogue, output_type
from graphs.conditions import Group, iter_rules
from graphs.model import (
    BackgroundStep,
    CaseField,
    DecisionNode,
    EdgeKind,
    FieldType,
    InteractiveStep,
    StageNode,
    Workflow,
)

__all__ = [
    "Access",
    "DataFlow",
    "answer_case_fields",
    "case_field_of",
    "data_flow",
    "form_case_fields",
    "hidden_answers",
    "mapped_answers",
    "mapped_outputs",
    "mapping_fits",
    "outcome_edges",
    "output_case_fields",
    "step_output_writers",
]

WRITER_KINDS = ("creation", "salesforce", "action", "form", "output", "step")
"""What an :class:`Access` that writes may be: the case at creation, the Salesforce
mapping, an action's declared write, a mapped form field, a mapped output, a step's own
output."""
READER_KINDS = (
    "decision", "stage_entry", "stage_exit", "step_entry", "trigger", "escalation", "input"
)  # fmt: skip
"""What an :class:`Access` that reads may be."""


@dataclass(frozen=True, slots=True)
class Access:
    """One part of the workflow that writes or reads a field path.

    ``field`` is a path (``case.resolved``, ``step.work.resolved``); ``what`` names the
    part for a person; the ids and ``path`` locate it on the canvas and in the document.
    ``type`` is what a writer writes, when known.
    """

    field: str
    kind: str
    what: str
    node_id: str | None = None
    step_id: str | None = None
    edge_id: str | None = None
    path: str | None = None
    type: FieldType | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(slots=True)
class DataFlow:
    """Writers and readers by field path."""

    writers: dict[str, list[Access]] = field(default_factory=dict)
    readers: dict[str, list[Access]] = field(default_factory=dict)
    #: False when no action catalogue was given: actions' writes are unknown
    complete: bool = True

    def writers_of(self, path: str) -> list[Access]:
        """Every part that writes ``path``."""
        return list(self.writers.get(path, ()))

    def readers_of(self, path: str) -> list[Access]:
        """Every part that reads ``path``."""
        return list(self.readers.get(path, ()))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: one entry per field path, in path order, with writers and readers."""
        paths = sorted(set(self.writers) | set(self.readers))
        return {
            "complete": self.complete,
            "fields": [
                {
                    "field": path,
                    "writers": [a.to_dict() for a in self.writers.get(path, ())],
                    "readers": [a.to_dict() for a in self.readers.get(path, ())],
                }
                for path in paths
            ],
        }

    def write(self, access: Access) -> None:
        self.writers.setdefault(access.field, []).append(access)

    def read(self, access: Access) -> None:
        self.readers.setdefault(access.field, []).append(access)

    def read_condition(self, condition: Group | None, workflow: Workflow, base: Access) -> None:
        """Record every field ``condition`` reads, as ``base`` does; a counter that reads a
        case field is a read of that field too."""
        if condition is None:
            return
        seen: set[str] = set()
        for rule in iter_rules(condition):
            paths = [rule.field]
            target = case_field_of(rule.field, workflow)
            if rule.field.startswith("counter.") and target is not None:
                paths.append(f"case.{target}")
            for path in paths:
                if path not in seen:
                    seen.add(path)
                    self.read(replace(base, field=path))


def mapping_fits(source: FieldType, values: list[str], target: CaseField) -> bool:
    """Whether a value of type ``source`` (a picklist with ``values``) fits ``target``.

    A picklist fits a string field, and a picklist whose values the target allows.

    >>> mapping_fits(FieldType.BOOLEAN, [], CaseField(name="r", type="boolean"))
    True
    >>> mapping_fits(FieldType.PICKLIST, ["a", "z"], CaseField(name="p", type="picklist",
    ...     values=["a", "b"]))
    False
    """
    if source is FieldType.PICKLIST and target.type is FieldType.STRING:
        return True
    if source is not target.type:
        return False
    return source is not FieldType.PICKLIST or set(values) <= set(target.values)


def form_case_fields(step: InteractiveStep, workflow: Workflow) -> dict[str, str]:
    """Form field name -> the case field its answer writes, for every field that writes one.

    The one owner of the mapping rule, read by validation and by the runtime when an item
    is completed: ``to_case: false`` writes nothing; ``case_field`` names the target;
    otherwise the case field of the same name, when it fits the answer's type.
    """
    found: dict[str, str] = {}
    for form_field in step.form:
        if not form_field.to_case:
            continue
        if form_field.case_field is not None:
            found[form_field.name] = form_field.case_field
            continue
        target = workflow.field(form_field.name)
        if target is not None and mapping_fits(form_field.type, form_field.values, target):
            found[form_field.name] = target.name
    return found


def answer_case_fields(
    workflow: Workflow, step_id: str, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """The case changes a completed form makes: each answer to a form field that writes a
    case field (:func:`form_case_fields`), under its case field.

    >>> wf = Workflow.model_validate({"id": "w", "name": "W",
    ...     "case_schema": [{"name": "resolved", "type": "boolean"}],
    ...     "nodes": [{"id": "s", "kind": "stage", "steps": [{"id": "work",
    ...         "kind": "interactive", "form": [{"name": "resolved", "type": "boolean"},
    ...                                          {"name": "note"}]}]}]})
    >>> answer_case_fields(wf, "work", {"resolved": True, "note": "rebooted"})
    {'resolved': True}
    """
    step = workflow.step(step_id)
    if not isinstance(step, InteractiveStep):
        return {}
    return mapped_answers(form_case_fields(step, workflow), answers)


def mapped_answers(mapping: Mapping[str, str], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Each answer that ``mapping`` (:func:`form_case_fields`) names, under its case field,
    in the answers' order: what a completed form writes, once the mapping is known."""
    return {mapping[name]: value for name, value in answers.items() if name in mapping}


def output_case_fields(step: BackgroundStep, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The case changes a completed background step's ``outputs`` make: each output named
    in ``outputs_to_case``, under its case field (an output the action did not give is
    left out).

    >>> step = BackgroundStep(id="c", action="classify", outputs_to_case={"label": "category"})
    >>> output_case_fields(step, {"label": "billing", "score": 0.9})
    {'category': 'billing'}
    """
    return mapped_outputs(step.outputs_to_case, outputs)


def mapped_outputs(mapping: Mapping[str, str], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Each output that ``mapping`` (a step's ``outputs_to_case``) names, under its case
    field, in the mapping's order (an output the action did not give is left out)."""
    return {target: outputs[name] for name, target in mapping.items() if name in outputs}


def hidden_answers(step: InteractiveStep, workflow: Workflow) -> frozenset[str]:
    """The form fields whose answers the run's log leaves out: those that write a case
    field the case schema marks ``sensitive``, and those named like one.

    >>> wf = Workflow.model_validate({"id": "w", "name": "W",
    ...     "case_schema": [{"name": "card", "sensitive": True}],
    ...     "nodes": [{"id": "s", "kind": "stage", "steps": [{"id": "pay", "kind": "interactive",
    ...         "form": [{"name": "card"}, {"name": "number", "case_field": "card"},
    ...                  {"name": "note"}]}]}]})
    >>> sorted(hidden_answers(wf.nodes[0].steps[0], wf))
    ['card', 'number']
    """
    sensitive = {f.name for f in workflow.case_schema if f.sensitive}
    if not sensitive:
        return frozenset()
    mapped = form_case_fields(step, workflow)
    return frozenset(
        f.name for f in step.form if f.name in sensitive or mapped.get(f.name) in sensitive
    )


def case_field_of(path: str, workflow: Workflow) -> str | None:
    """The case field a field path or a ``ref`` reads, if it reads one.

    ``counter.<name>`` reads the case's ``<name>_count`` (or its singular's) unless the
    engine keeps that counter itself.

    >>> wf = Workflow(id="w", name="W", case_schema=[CaseField(name="contact_count")])
    >>> [case_field_of(p, wf) for p in ("case.a", "a", "counter.contacts", "counter.loops")]
    ['a', 'a', 'contact_count', None]
    """
    root, _, rest = path.partition(".")
    if root == "case":
        return rest
    if root == "counter":
        if rest == "loops" or rest.startswith("visits."):
            return None
        names = [f"{rest}_count"] + ([f"{rest[:-1]}_count"] if rest.endswith("s") else [])
        return next((n for n in names if workflow.field(n) is not None), None)
    if root in ("step", "sla"):
        return None
    return path  # a bare name in a ref is a case field


def outcome_edges(workflow: Workflow) -> dict[tuple[str, str], str]:
    """(decision id, outcome id) -> the id of the first edge that carries the outcome."""
    found: dict[tuple[str, str], str] = {}
    for edge in workflow.edges:
        if edge.kind in (EdgeKind.OUTCOME, EdgeKind.GOTO) and edge.outcome is not None:
            found.setdefault((edge.source, edge.outcome), edge.id)
    return found


def _ref_path(ref: str) -> str:
    root = ref.partition(".")[0]
    return ref if root in ("case", "step", "sla", "counter") else f"case.{ref}"


def data_flow(workflow: Workflow, actions: ActionCatalogue | None = None) -> DataFlow:
    """The writers and readers of every field path of ``workflow``."""
    flow = DataFlow(complete=actions is not None)
    for i, case_field in enumerate(workflow.case_schema):
        if case_field.required:
            what = "the case, which must have it at creation"
            flow.write(Access(f"case.{case_field.name}", "creation", what,
                              path=f"case_schema[{i}]", type=case_field.type))  # fmt: skip
    salesforce = workflow.trigger.salesforce
    for i, mapping in enumerate(salesforce.field_mapping if salesforce else []):
        what = f"the Salesforce mapping of {mapping.sf_field}"
        where = f"trigger.salesforce.field_mapping[{i}]"
        flow.write(Access(f"case.{mapping.case_field}", "salesforce", what, path=where))
    trigger = Access("", "trigger", "the trigger's condition", path="trigger.condition")
    flow.read_condition(workflow.trigger.condition, workflow, trigger)
    for i, rule in enumerate(workflow.escalations):
        what = f"escalation rule {rule.id!r}"
        escalation = Access("", "escalation", what, path=f"escalations[{i}].condition")
        flow.read_condition(rule.condition, workflow, escalation)
    carried = outcome_edges(workflow)
    for n, node in enumerate(workflow.nodes):
        at = f"nodes[{n}]"
        if isinstance(node, DecisionNode):
            edges = carried
            for k, outcome in enumerate(node.outcomes):
                what = f"outcome {outcome.label!r} of decision {node.id!r}"
                where = f"{at}.outcomes[{k}].condition"
                edge_id = edges.get((node.id, outcome.id))
                base = Access("", "decision", what, node.id, None, edge_id, where)
                flow.read_condition(outcome.condition, workflow, base)
        elif isinstance(node, StageNode):
            for kind, condition, where in (
                ("stage_entry", node.entry_condition, "entry_condition"),
                ("stage_exit", node.exit_condition, "exit_condition"),
            ):
                what = f"the {where.replace('_', ' ')} of stage {node.id!r}"
                base = Access("", kind, what, node.id, path=f"{at}.{where}")
                flow.read_condition(condition, workflow, base)
            for s, step in enumerate(node.steps):
                _step_flow(flow, workflow, node, step, f"{at}.steps[{s}]", actions)
    return flow


def _step_flow(
    flow: DataFlow,
    workflow: Workflow,
    stage: StageNode,
    step: BackgroundStep | InteractiveStep,
    at: str,
    actions: ActionCatalogue | None,
) -> None:
    def access(path: str, kind: str, what: str, where: str, type_: FieldType | None) -> Access:
        return Access(path, kind, what, stage.id, step.id, None, where, type_)

    what = f"the entry condition of step {step.id!r}"
    flow.read_condition(
        step.entry_condition,
        workflow,
        access("", "step_entry", what, f"{at}.entry_condition", None),
    )
    if isinstance(step, InteractiveStep):
        mapped = form_case_fields(step, workflow)
        for f, form_field in enumerate(step.form):
            what = f"form field {form_field.name!r} of step {step.id!r}"
            where = f"{at}.form[{f}]"
            own = f"step.{step.id}.{form_field.name}"
            flow.write(access(own, "step", what, where, form_field.type))
            if form_field.name in mapped:
                target = f"case.{mapped[form_field.name]}"
                flow.write(access(target, "form", what, where, form_field.type))
        return
    for name, item in step.inputs.items():
        if item.ref is not None:
            what = f"input {name!r} of step {step.id!r}"
            flow.read(access(_ref_path(item.ref), "input", what, f"{at}.inputs.{name}", None))
    spec = actions.get(step.action) if actions is not None else None
    what = f"step {step.id!r} ({step.action})"
    if spec is not None:
        for target, name in spec.case_writes(step.inputs):
            given = step.inputs.get(name)
            literal = given is not None and given.ref is None and name == target
            where = f"{at}.inputs.{name}" if name else f"{at}.action"
            type_ = given.type if literal and given is not None else None
            flow.write(access(f"case.{target}", "action", what, where, type_))
    names = spec.output_names() if spec is not None else None
    for name in names if names is not None else ["*"]:
        type_ = output_type(spec, name) if spec is not None else None
        output = f"output {name!r} of step {step.id!r}"
        flow.write(access(f"step.{step.id}.{name}", "step", output, f"{at}.action", type_))
    for name, target in step.outputs_to_case.items():
        type_ = output_type(spec, name) if spec is not None else None
        output = f"output {name!r} of step {step.id!r}"
        where = f"{at}.outputs_to_case.{name}"
        flow.write(access(f"case.{target}", "output", output, where, type_))


def step_output_writers(flow: DataFlow, step_id: str, key: str) -> list[Access]:
    """The writers of output ``key`` of a step: the declared one, or ``*`` (undeclared)."""
    return flow.writers_of(f"step.{step_id}.{key}") or flow.writers_of(f"step.{step_id}.*")
