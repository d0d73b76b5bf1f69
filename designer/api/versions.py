"""Moving running cases to another version: the impact first, then the move (in the
background, in batches; its progress is read back by id)."""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, Response
from sqlalchemy.engine import Engine

from designer.api.http import RouteDoc, documented, json_body, respond
from designer.api.run_schemas import current_actor
from designer.api.version_schemas import (
    ImpactBody,
    MigrationImpact,
    MigrationList,
    MigrationOut,
    MoveBody,
)
from designer.extensions import db_session, state
from runtime.db import session_scope
from runtime.services import migrations
from runtime.store.migration_tables import MigrationRow

__all__ = ["bp"]

bp = Blueprint("versions", __name__)

logger = logging.getLogger("baton.designer")

_TAG = "versions"
_WORKFLOW = {"workflow_id": "The workflow's id"}


@bp.post("/workflows/<workflow_id>/migrations/impact")
@documented(
    RouteDoc(
        "What moving running cases to another version would do",
        _TAG,
        {200: MigrationImpact},
        body=ImpactBody,
        errors=(400, 404, 415, 422),
        path_params=_WORKFLOW,
        description=(
            "Per node of the source version: its unfinished runs, where they land and why "
            "some cannot move; what becomes of steps, work items and timers under way. "
            "Nothing moves."
        ),
    )
)
def migration_impact(workflow_id: str) -> Response:
    body = json_body(ImpactBody)
    impact = migrations.migration_impact(
        db_session(), workflow_id=workflow_id, from_version=body.from_version,
        to_version=body.to_version, mapping=body.mapping,
    )  # fmt: skip
    return respond(MigrationImpact.of(impact))


def _out(row: MigrationRow) -> MigrationOut:
    abandoned = migrations.ABANDONED if migrations.is_abandoned(row) else None
    return MigrationOut.of(row, abandoned=abandoned)


def _move(engine: Engine, migration_id: str) -> None:
    try:
        migrations.run_migration(engine, migration_id=migration_id)
    except Exception:  # recorded on the migration as failed; a rerun finishes it
        logger.exception("moving runs (migration %s) failed", migration_id)


@bp.post("/workflows/<workflow_id>/migrations")
@documented(
    RouteDoc(
        "Move running cases to another version",
        _TAG,
        {202: MigrationOut},
        body=MoveBody,
        errors=(400, 404, 409, 415, 422),
        path_params=_WORKFLOW,
        description=(
            "Starts the move and answers at once; it runs in batches, each run in its own "
            "transaction. Runs that cannot move stay and are listed. One move per "
            "workflow at a time (409)."
        ),
    )
)
def start_migration(workflow_id: str) -> Response:
    body = json_body(MoveBody)
    engine = state().engine
    # Committed before the mover starts, so it finds its record.
    with session_scope(engine) as session:
        row = migrations.start_migration(
            session, workflow_id=workflow_id, from_version=body.from_version,
            to_version=body.to_version, mapping=body.mapping, by=current_actor(),
            reason=body.reason,
        )  # fmt: skip
    mover = threading.Thread(
        target=_move, args=(engine, row.id), name=f"baton-move-{row.id[:8]}", daemon=True
    )
    mover.start()
    return respond(MigrationOut.of(row), 202, {"Location": f"/api/migrations/{row.id}"})


@bp.get("/workflows/<workflow_id>/migrations")
@documented(
    RouteDoc(
        "A workflow's moves of running cases",
        _TAG,
        {200: MigrationList},
        errors=(404,),
        path_params=_WORKFLOW,
        description="Newest first.",
    )
)
def list_migrations(workflow_id: str) -> Response:
    rows = migrations.list_migrations(db_session(), workflow_id=workflow_id)
    return respond(MigrationList(migrations=[_out(row) for row in rows]))


@bp.get("/migrations/<migration_id>")
@documented(
    RouteDoc(
        "One move of running cases",
        _TAG,
        {200: MigrationOut},
        errors=(404,),
        path_params={"migration_id": "The move's id"},
        description=(
            "Where it stands: runs moved so far, runs that cannot move and why. A move "
            "whose process ended before it did reads as failed; starting it again finishes it."
        ),
    )
)
def get_migration(migration_id: str) -> Response:
    return respond(_out(migrations.get_migration(db_session(), migration_id=migration_id)))
