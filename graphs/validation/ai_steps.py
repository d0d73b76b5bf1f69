"""AI steps (background steps whose action is ``ai``): who takes over when the model is not
sure, and what it may read.

The ``ai`` action hands an answer below its confidence threshold (or a refusal) to a
person by setting ``needs_review``; the person is the *review step*: an interactive step
of the same stage that waits for it (``after``) and opens only when
``step.<ai>.needs_review`` is true. Without one, a hand-over would reach nobody.

>>> from graphs.model import Workflow
>>> ai = {"id": "classify", "kind": "background", "action": "ai", "inputs": {
...     "confidence_threshold": {"type": "number", "value": 0.8},
...     "fields": {"value": "subject, iban"}}}
>>> wf = Workflow.model_validate({"id": "w", "name": "w",
...     "case_schema": [{"name": "subject"}, {"name": "iban", "sensitive": True}],
...     "nodes": [{"id": "start", "kind": "start"},
...               {"id": "t", "kind": "stage", "steps": [ai]}, {"id": "end", "kind": "end"}],
...     "edges": [{"id": "a", "source": "start", "target": "t"},
...               {"id": "b", "source": "t", "target": "end"}]})
>>> [(p.code.value, p.severity) for p in check_ai_steps(wf, workflow_graph(wf))]
[('ai_step_without_review', 'error'), ('ai_reads_sensitive_field', 'warning')]
"""

from __future__ import annotations

import networkx as nx

from graphs.conditions import iter_rules
from graphs.model import BackgroundStep, InteractiveStep, StageNode, Workflow
from graphs.problems import Problem, ProblemCode
from graphs.validation.graph import index_of, problem, workflow_graph  # noqa: F401 (doctests)

__all__ = ["AI_ACTION", "check_ai_steps"]

AI_ACTION = "ai"


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(part) for part in value]
    return []


def _reads_needs_review(step: InteractiveStep, ai_id: str) -> bool:
    condition = step.entry_condition
    if condition is None:
        return False
    wanted = f"step.{ai_id}.needs_review"
    return any(rule.field == wanted for rule in iter_rules(condition))


def _check_step(
    workflow: Workflow, stage: StageNode, index: int, k: int, step: BackgroundStep
) -> list[Problem]:
    problems: list[Problem] = []
    at = f"nodes[{index}].steps[{k}]"
    reviews = [s for s in stage.steps if isinstance(s, InteractiveStep) and step.id in s.after]
    threshold = step.inputs.get("confidence_threshold")
    if threshold is not None and (threshold.value is not None or threshold.ref) and not reviews:
        problems.append(problem(
            ProblemCode.AI_STEP_WITHOUT_REVIEW,
            f"AI step {step.id!r} hands answers below its confidence threshold to a person, "
            f"but no interactive step of stage {stage.id!r} waits for it; add a review step "
            f"after it that opens when step.{step.id}.needs_review is true.",
            node_id=stage.id, step_id=step.id, path=f"{at}.inputs.confidence_threshold",
        ))  # fmt: skip
    for review in reviews:
        if not _reads_needs_review(review, step.id):
            problems.append(problem(
                ProblemCode.AI_REVIEW_OPENS_ALWAYS,
                f"Review step {review.id!r} waits for AI step {step.id!r} but opens for every "
                f"case; give it the entry condition step.{step.id}.needs_review is true so "
                f"that only the answers the model was not sure of reach a person.",
                severity="warning", node_id=stage.id, step_id=review.id,
                path=f"nodes[{index}].steps[{stage.steps.index(review)}].entry_condition",
                related=[step.id],
            ))  # fmt: skip
    fields = step.inputs.get("fields")
    hidden = {f.name for f in workflow.case_schema if f.sensitive}
    withheld = [name for name in _listed(fields.value if fields else None) if name in hidden]
    if withheld:
        problems.append(problem(
            ProblemCode.AI_READS_SENSITIVE_FIELD,
            f"AI step {step.id!r} lists {', '.join(withheld)}, which the case schema marks "
            f"sensitive: Baton never sends it to a model.",
            severity="warning", node_id=stage.id, step_id=step.id, path=f"{at}.inputs.fields",
        ))  # fmt: skip
    return problems


def check_ai_steps(workflow: Workflow, graph: nx.DiGraph) -> list[Problem]:
    """AI steps with a threshold have a review step; review steps open only when needed;
    sensitive fields listed for a model to read are flagged (they are never sent)."""
    problems: list[Problem] = []
    for index, stage in index_of(workflow, graph).stages:
        for k, step in enumerate(stage.steps):
            if isinstance(step, BackgroundStep) and step.action == AI_ACTION:
                problems.extend(_check_step(workflow, stage, index, k, step))
    return problems
