"""Field definitions and step inputs: case schema and form fields well declared, inputs
with a value of their type or a ref to a known field."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from graphs.model import CaseField, FieldType, FormField, StepInput, Workflow
from graphs.problems import Problem, ProblemCode, Severity
from graphs.validation.catalog import BARE, Catalog, fits
from graphs.validation.graph import Finding, duplicates, index_of, problem, worded, workflow_graph  # noqa: F401 (doctests)


def _definitions_look_fine(fields: Sequence[CaseField | FormField]) -> bool:
    """A quick pass that is true for nearly every real form; the full check explains."""
    names = set()
    for f in fields:
        if f.type is FieldType.PICKLIST:
            if not f.values or len(set(f.values)) != len(f.values):
                return False
        elif f.values:
            return False
        names.add(f.name)
    return len(names) == len(fields)


def _field_definition_problems(
    fields: Sequence[CaseField | FormField],
    duplicate_code: ProblemCode,
    what: str,
    path: str,
    *,
    node_id: str | None = None,
    step_id: str | None = None,
) -> list[Problem]:
    """The problems of a list of field definitions: the case schema or a form."""
    if _definitions_look_fine(fields):
        return []

    def found(code: ProblemCode, message: str, at: str, severity: Severity = "error") -> Problem:
        return problem(code, message, severity=severity, path=at, node_id=node_id, step_id=step_id)

    subject = what[0].upper() + what[1:]
    problems = [
        found(duplicate_code, f"{subject} declares field {name!r} twice.", f"{path}[{index}]")
        for index, name in duplicates([f.name for f in fields])
    ]
    for index, definition in enumerate(fields):
        at = f"{path}[{index}]"
        field = f"field {definition.name!r} of {what}"
        if definition.type is FieldType.PICKLIST:
            if not definition.values:
                problems.append(
                    found(
                        ProblemCode.PICKLIST_WITHOUT_VALUES,
                        f"Picklist {field} has no values to pick from.",
                        at,
                    )
                )
            for _, value in duplicates(definition.values):
                problems.append(
                    found(
                        ProblemCode.DUPLICATE_PICKLIST_VALUE,
                        f"Picklist {field} lists {value!r} twice.",
                        at,
                        "warning",
                    )
                )
        elif definition.values:
            problems.append(
                found(
                    ProblemCode.VALUES_ON_NON_PICKLIST,
                    f"Field {definition.name!r} of {what} lists values but is a "
                    f"{definition.type} field, so they are ignored; make it a picklist?",
                    at,
                    "warning",
                )
            )
    return problems


def check_case_schema(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Case fields are unique; picklists have (distinct) values; only picklists have values.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3)
    >>> wf.case_schema[2].values = []
    >>> [(p.code.value, p.path) for p in check_case_schema(wf, workflow_graph(wf))]
    [('picklist_without_values', 'case_schema[2]')]
    """
    return _field_definition_problems(
        workflow.case_schema, ProblemCode.DUPLICATE_CASE_FIELD, "the case schema", "case_schema"
    )


def check_forms(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """Form fields of each interactive step are unique and well typed.

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=2)
    >>> step = next(s for s in wf.nodes[1].steps if s.kind == "interactive")
    >>> step.form.append(step.form[0])
    >>> [(p.code.value, p.step_id) for p in check_forms(wf, workflow_graph(wf))]
    [('duplicate_form_field', 'stage_1_s1')]
    """
    problems: list[Problem] = []
    for index, k, stage, step in index_of(workflow, graph).catalog.interactive:
        if not _definitions_look_fine(step.form):
            problems += _field_definition_problems(
                step.form,
                ProblemCode.DUPLICATE_FORM_FIELD,
                f"the form of step {step.id!r}",
                f"nodes[{index}].steps[{k}].form",
                node_id=stage.id,
                step_id=step.id,
            )
    return problems


_TEXTUAL = frozenset({FieldType.STRING, FieldType.PICKLIST})


def _compatible(declared: FieldType, referenced: FieldType | None) -> bool:
    return (
        referenced is None
        or referenced is declared
        or (declared in _TEXTUAL and referenced in _TEXTUAL)
    )


def _input_problems(item: StepInput, catalog: Catalog) -> list[Finding]:
    found: list[Finding] = []
    value, ref, type_ = item.value, item.ref, item.type
    if value is not None:
        if ref is not None:
            found.append((ProblemCode.INPUT_VALUE_AND_REF, "has both a value and a ref", "error"))
        if not fits(value, BARE[type_]):
            found.append(
                (
                    ProblemCode.BAD_INPUT_VALUE,
                    f"is a {type_} input but its value is {value!r}",
                    "error",
                )
            )
    elif ref is None:
        found.append(
            (ProblemCode.INPUT_WITHOUT_VALUE, "has neither a value nor a ref to a field", "error")
        )
    if ref is not None:
        info, why, severity = catalog.resolve(ref)
        if info is None:
            found.append(
                (ProblemCode.UNKNOWN_REF, f"refers to unknown field {ref!r}: {why}", severity)
            )
        elif not _compatible(type_, info.type):
            found.append(
                (
                    ProblemCode.INPUT_REF_TYPE_MISMATCH,
                    f"is a {type_} input but {ref!r} is a {info.type} field",
                    "warning",
                )
            )
    return found


def check_step_inputs(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """A background step's input has a literal value of its type or a ref to a known field.

    Not both, and not neither. A ref to a field of another type is a warning (text and
    picklist values mix freely).

    >>> from graphs.generate import generate_workflow
    >>> wf = generate_workflow(3, seed=1)
    >>> step = next(s for s in wf.nodes[1].steps if s.kind == "background")
    >>> step.inputs["Description"].type = FieldType.NUMBER
    >>> [(p.code.value, p.path) for p in check_step_inputs(wf, workflow_graph(wf))]
    [('bad_input_value', 'nodes[1].steps[0].inputs.Description')]
    """
    catalog = index_of(workflow, graph).catalog
    problems: list[Problem] = []
    for index, k, stage, step in catalog.background:
        for name, item in step.inputs.items():
            problems += worded(
                _input_problems(item, catalog),
                f"Input {name!r} of step {step.id!r}",
                node_id=stage.id,
                step_id=step.id,
                path=f"nodes[{index}].steps[{k}].inputs.{name}",
            )
    return problems
