"""AI steps as the designer sees them: per-step figures, local classifiers, daily budgets,
the provider's settings (never its key) and a reviewer's suggestion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from designer.api.http import RouteDoc, documented, json_body, query_args, respond
from designer.api.schemas import Instant, QueryModel
from designer.extensions import db_session, state
from runtime.ai import budget, training
from runtime.ai.errors import TooFewCases
from runtime.ai.review import suggestion_for_item
from runtime.errors import InvalidInput, NotFound
from runtime.services.ai_metrics import AiStepMetrics, ai_step_metrics
from runtime.store.workflow_tables import WorkflowRow

__all__ = ["bp"]

bp = Blueprint("ai", __name__)
_TAG = "ai"
_NAME = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")


class AiMetricsQuery(QueryModel):
    """Narrow the figures to one workflow and/or a period of calls."""

    workflow_id: str | None = None
    start: Instant | None = None
    end: Instant | None = None


class AiMetricsList(BaseModel):
    """Figures per AI step."""

    steps: list[AiStepMetrics]


class ModelsQuery(QueryModel):
    """Narrow the list to one workflow."""

    workflow_id: str | None = None


class AiModelOut(training.ModelInfo, frozen=True):
    """One trained classifier version and its training figures."""


class AiModelList(BaseModel):
    """Classifier versions, newest first per (workflow, field)."""

    models: list[AiModelOut]


class TrainBody(BaseModel):
    """Which classifier to (re)train from the workflow's resolved cases."""

    model_config = ConfigDict(extra="forbid")

    workflow_id: str = _NAME
    field: str = _NAME
    text_fields: list[str] = Field(
        default_factory=lambda: list(training.DEFAULT_TEXT_FIELDS), min_length=1, max_length=20
    )


class BudgetBody(BaseModel):
    """A workflow's daily limits; null lifts one."""

    model_config = ConfigDict(extra="forbid")

    max_calls: int | None = Field(default=None, ge=0, le=10_000_000)
    max_cost: float | None = Field(default=None, ge=0, le=1e9)


class BudgetOut(BaseModel):
    """A workflow's daily limits and what today (UTC) has used."""

    workflow_id: str
    max_calls: int | None
    max_cost: float | None
    day: str
    calls_today: int
    cost_today: float


class ProviderOut(BaseModel):
    """The OpenAI-compatible provider's settings; the key only as set or not."""

    configured: bool
    base_url: str | None
    model: str
    api_key_set: bool
    timeout_seconds: float
    max_attempts: int
    daily_calls: int | None


class SuggestionOut(BaseModel):
    """The AI answer a review work item was opened for (null fields when none)."""

    ai_step: str | None = None
    needs_review: bool = False
    answer: dict[str, Any] | None = None
    reason: str | None = None
    confidence: float | None = None
    model: str | None = None


@bp.get("/ai/metrics")
@documented(
    RouteDoc(
        "Figures per AI step", _TAG, {200: AiMetricsList}, query=AiMetricsQuery,
        description="Calls, the share handed to people, the share of handed-over answers "
        "the reviewer changed (the step's real accuracy), cost, tokens and latency.",
    )
)  # fmt: skip
def metrics() -> Response:
    query = query_args(AiMetricsQuery)
    steps = ai_step_metrics(
        db_session(), workflow_id=query.workflow_id or None, start=query.start, end=query.end
    )
    return respond(AiMetricsList(steps=steps))


@bp.get("/ai/models")
@documented(RouteDoc("Trained local classifiers", _TAG, {200: AiModelList}, query=ModelsQuery))
def list_models() -> Response:
    query = query_args(ModelsQuery)
    found = training.list_models(db_session(), workflow_id=query.workflow_id or None)
    return respond(AiModelList(models=[AiModelOut(**m.as_dict()) for m in found]))


def _workflow(workflow_id: str) -> None:
    if db_session().get(WorkflowRow, workflow_id) is None:
        raise NotFound("workflow", workflow_id)


@bp.post("/ai/models")
@documented(
    RouteDoc(
        "Train a local classifier", _TAG, {201: AiModelOut}, body=TrainBody, errors=(400, 404),
        description="A new version trained from the cases whose run of the workflow completed "
        "with the field set; 400 when they are too few or all say the same.",
    )
)  # fmt: skip
def train_model() -> Response:
    body = json_body(TrainBody)
    _workflow(body.workflow_id)
    try:
        info = training.train_workflow(
            db_session(), workflow_id=body.workflow_id, field=body.field,
            text_fields=body.text_fields,
        )  # fmt: skip
    except TooFewCases as exc:
        raise InvalidInput(f"cannot train {body.workflow_id}.{body.field}: {exc}") from None
    return respond(AiModelOut(**info.as_dict()), 201)


def _budget_out(workflow_id: str) -> BudgetOut:
    session = db_session()
    found = budget.get_budget(
        session, workflow_id=workflow_id, default_calls=state().settings.ai.daily_calls
    )
    day = budget.day_of(datetime.now(UTC))
    calls, cost = budget.usage(session, workflow_id=workflow_id, day=day)
    return BudgetOut(workflow_id=workflow_id, max_calls=found.max_calls, max_cost=found.max_cost,
                     day=day, calls_today=calls, cost_today=round(cost, 6))  # fmt: skip


@bp.get("/ai/budgets/<workflow_id>")
@documented(RouteDoc("A workflow's daily AI budget", _TAG, {200: BudgetOut}, errors=(404,)))
def get_budget(workflow_id: str) -> Response:
    _workflow(workflow_id)
    return respond(_budget_out(workflow_id))


@bp.put("/ai/budgets/<workflow_id>")
@documented(
    RouteDoc("Set a workflow's daily AI budget", _TAG, {200: BudgetOut}, body=BudgetBody,
             errors=(400, 404))
)  # fmt: skip
def set_budget(workflow_id: str) -> Response:
    body = json_body(BudgetBody)
    _workflow(workflow_id)
    budget.set_budget(
        db_session(), workflow_id=workflow_id, max_calls=body.max_calls,
        max_cost=body.max_cost, now=datetime.now(UTC),
    )  # fmt: skip
    return respond(_budget_out(workflow_id))


@bp.get("/ai/provider")
@documented(RouteDoc("The AI provider's settings (never the key)", _TAG, {200: ProviderOut}))
def provider() -> Response:
    return respond(ProviderOut(**state().settings.ai.public()))


@bp.get("/ai/work-items/<key>/suggestion")
@documented(
    RouteDoc("The AI answer a review item was opened for", _TAG, {200: SuggestionOut},
             errors=(404,))
)  # fmt: skip
def suggestion(key: str) -> Response:
    found = suggestion_for_item(db_session(), key=key)
    return respond(SuggestionOut(**found) if found is not None else SuggestionOut())
