"""Local classifiers in the store: trained from a workflow's resolved cases, versioned.

A model learns one case field (say ``category``) from the text of others (``subject``
and ``description`` by default), from the cases whose run of the workflow completed with
that field set: the organisation's own decisions. Each training adds a version with its
figures; AI steps use the newest. ``baton ai train --workflow ID --field FIELD`` retrains.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from runtime.ai.local import Classifier, Trained, train
from runtime.store import statements as sql
from runtime.store.ai_tables import AiModelRow
from runtime.store.tables import CaseRow, RunRow

__all__ = [
    "DEFAULT_TEXT_FIELDS",
    "ModelInfo",
    "classifier_for",
    "latest_model",
    "list_models",
    "resolved_examples",
    "save_model",
    "train_workflow",
]

DEFAULT_TEXT_FIELDS = ("subject", "description")
_MAX_CASES = 100_000


class ModelInfo(BaseModel, frozen=True):
    """A stored model's figures, without its bytes (the API answers with them as they are)."""

    id: int
    workflow_id: str
    field: str
    version: int
    text_fields: list[str]
    labels: list[str]
    cases_used: int
    held_out: int
    accuracy: float | None
    train_seconds: float
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return self.model_dump()


def _info(row: AiModelRow) -> ModelInfo:
    assert row.id is not None
    return ModelInfo(
        id=row.id, workflow_id=row.workflow_id, field=row.field, version=row.version,
        text_fields=list(row.text_fields), labels=list(row.labels), cases_used=row.cases_used,
        held_out=row.held_out, accuracy=row.accuracy, train_seconds=row.train_seconds,
        created_at=row.created_at.isoformat(),
    )  # fmt: skip


def case_text(fields: dict[str, Any], text_fields: Sequence[str]) -> str:
    """The text a model reads from a case: its text fields, joined.

    >>> case_text({"subject": "VAT", "description": "wrong rate", "n": 3}, ["subject", "n"])
    'VAT\\n3'
    """
    parts = [str(fields[name]) for name in text_fields if fields.get(name) not in (None, "")]
    return "\n".join(parts)


def resolved_examples(
    session: Session, *, workflow_id: str, field: str, text_fields: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Texts and labels of the cases whose run of ``workflow_id`` completed with ``field`` set."""
    # Each case once, however many of its runs completed (JSON has no equality for DISTINCT).
    resolved = select(RunRow.case_id).where(
        RunRow.workflow_id == workflow_id, RunRow.status == "completed"
    )
    query = select(CaseRow.fields).where(col(CaseRow.id).in_(resolved)).limit(_MAX_CASES)
    texts: list[str] = []
    labels: list[str] = []
    for fields in session.exec(query):
        label = fields.get(field) if isinstance(fields, dict) else None
        text = case_text(fields, text_fields) if isinstance(fields, dict) else ""
        if isinstance(label, str) and label and text:
            texts.append(text)
            labels.append(label)
    return texts, labels


def save_model(
    session: Session, *, workflow_id: str, field: str, text_fields: Sequence[str], trained: Trained
) -> ModelInfo:
    """Store ``trained`` as the next version for (workflow, field)."""
    newest = session.exec(
        select(func.max(AiModelRow.version)).where(
            AiModelRow.workflow_id == workflow_id, AiModelRow.field == field
        )
    ).one()
    row = AiModelRow(
        workflow_id=workflow_id, field=field, version=(newest or 0) + 1,
        text_fields=list(text_fields), labels=trained.labels, cases_used=trained.cases_used,
        held_out=trained.held_out, accuracy=trained.accuracy, train_seconds=trained.seconds,
        blob=trained.blob,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return _info(row)


def train_workflow(
    session: Session,
    *,
    workflow_id: str,
    field: str,
    text_fields: Sequence[str] = DEFAULT_TEXT_FIELDS,
) -> ModelInfo:
    """Train on the workflow's resolved cases and store a new version.

    Raises :class:`~runtime.ai.errors.TooFewCases` when the cases cannot teach anything.
    """
    texts, labels = resolved_examples(
        session, workflow_id=workflow_id, field=field, text_fields=text_fields
    )
    trained = train(texts, labels)
    return save_model(
        session, workflow_id=workflow_id, field=field, text_fields=text_fields, trained=trained
    )


def _newest(workflow_id: str, field: str) -> SelectOfScalar[AiModelRow]:
    return (
        select(AiModelRow)
        .where(AiModelRow.workflow_id == workflow_id, AiModelRow.field == field)
        .order_by(col(AiModelRow.version).desc())
        .limit(1)
    )


# Every local AI step asks which model is the newest, on the driver (runtime.store.
# statements; it runs inside the step's transaction): its identity only, the rest read
# once per version and process.
_models: Table = AiModelRow.__table__  # type: ignore[attr-defined]
_NEWEST_VERSION = (
    select_columns(_models.c.id, _models.c.version, _models.c.created_at)
    .where(
        _models.c.workflow_id == bindparam("_workflow_id"),
        _models.c.field == bindparam("_field"),
    )
    .order_by(_models.c.version.desc())
    .limit(1)
)


def latest_model(session: Session, *, workflow_id: str, field: str) -> ModelInfo | None:
    """The newest model's figures for (workflow, field), or None."""
    row = session.exec(_newest(workflow_id, field)).first()
    return _info(row) if row is not None else None


def list_models(session: Session, *, workflow_id: str | None = None) -> list[ModelInfo]:
    """Every stored model version (newest first), optionally of one workflow."""
    query = select(AiModelRow).order_by(
        col(AiModelRow.workflow_id), col(AiModelRow.field), col(AiModelRow.version).desc()
    )
    if workflow_id is not None:
        query = query.where(AiModelRow.workflow_id == workflow_id)
    return [_info(row) for row in session.exec(query)]


_loaded: dict[tuple[Any, ...], tuple[Classifier, ModelInfo]] = {}
_loaded_lock = threading.Lock()


def classifier_for(
    session: Session, *, workflow_id: str, field: str
) -> tuple[Classifier, ModelInfo] | None:
    """The newest classifier for (workflow, field), loaded once per version and process."""
    newest = sql.read_first(
        session, _NEWEST_VERSION, {"_workflow_id": workflow_id, "_field": field}
    )
    if newest is None:
        return None
    row_id, version, created_at = newest
    # Keyed by the engine and the version's identity: tests reuse row ids after a wipe.
    key = (id(session.get_bind()), row_id, workflow_id, field, version, created_at)
    with _loaded_lock:
        found = _loaded.get(key)
    if found is None:
        # The row, with its bytes, only when this process has not loaded that version.
        row = session.get(AiModelRow, row_id)
        assert row is not None  # just read, in this transaction
        found = (Classifier.load(row.blob), _info(row))
        with _loaded_lock:
            if len(_loaded) > 64:
                _loaded.clear()
            _loaded[key] = found
    return found
