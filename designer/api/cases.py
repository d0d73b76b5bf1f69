"""Cases (create, preview a start, read, change, history), which workflows' triggers
overlap, and work items (list, complete, reassign)."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlmodel import Session

from designer.api.http import (
    RouteDoc,
    documented,
    json_body,
    minimal,
    query_args,
    respond,
    wants_minimal,
)
from designer.api.run_schemas import (
    CaseChange,
    CaseChangeList,
    CaseDetail,
    CaseOut,
    CompleteBody,
    CreateCaseBody,
    ReassignBody,
    RunOut,
    UpdateCaseBody,
    WorkItemList,
    WorkItemOut,
    WorkItemQuery,
    current_actor,
)
from designer.api.start_schemas import StartPreview, TriggerOverlapList, TriggerOverlapQuery
from designer.extensions import db_session, end_session, state
from graphs import case_limits
from runtime import services
from runtime.db import session_scope
from runtime.services import monitor, triggers

__all__ = ["bp"]

bp = Blueprint("cases", __name__)

_CASES = "cases"
_ITEMS = "work items"
_ID = {"case_id": "The case's id"}
_KEY = {"key": "The work item's key, <run>:<step>:<attempt>"}
# The limits of graphs.case_limits, said once for every route that writes case data.
_LIMITS = (
    f" Case data is limited so that every list and export can read it back: at most "
    f"{case_limits.MAX_FIELDS:,} fields, names of at most "
    f"{case_limits.MAX_FIELD_NAME_LENGTH} characters (letters, digits, `_`, `-`), values "
    f"nested at most {case_limits.MAX_DEPTH} levels deep and at most "
    f"{case_limits.MAX_VALUE_BYTES:,} bytes of JSON each, {case_limits.MAX_RECORD_BYTES:,} "
    f"for the whole case; no control characters but tab, line feed and carriage return, no "
    f"lone surrogates, finite numbers only and integers within ±(2^63-1). A value past a "
    f"limit is refused before anything is stored, with 400 `case_data_refused` whose "
    f"details name the `field` and the `limit`."
)
# The rules of graphs.case_types, said once for every route that writes case data.
_TYPES = (
    " Fields are typed by the case schemas of the workflows the case runs or is about to "
    "start: a value of another type, or outside its picklist, is refused with 400 "
    "`case_fields_invalid` whose details name the `field`, what it `expected`, and every "
    'problem (`field_errors`, `problems`). Baton converts nothing (the string "2" for a '
    'number is refused, saying to send 2); `null`, `""` and `[]` mean not set. A field '
    "a workflow marks `required` must be set when a run of it starts, and may not be "
    "cleared while one is active."
)
_PREFER = {
    "Prefer": "`return=minimal` (RFC 7240): answer 204 with no body, for a caller that "
    "only writes (an integration); the answer says `Preference-Applied: return=minimal`"
}


def _detail(case_id: str, session: Session | None = None) -> CaseDetail:
    session = session if session is not None else db_session()
    case = services.get_case(session, case_id=case_id)
    runs = monitor.search_runs(
        session, filters=monitor.CaseFilter(case_id=case_id), limit=100
    ).items
    return CaseDetail(
        case=CaseOut.of(case),
        runs=[RunOut.of(s) for s in monitor.summarize_runs(session, runs=runs)],
    )


@bp.post("/cases")
@documented(
    RouteDoc(
        "Create a case",
        _CASES,
        {201: CaseDetail},
        body=CreateCaseBody,
        errors=(400, 404, 409, 415, 422),
        description=(
            "With `workflow_id`, a run of that workflow's active version starts, and no "
            "other: record triggers do not fire for a case started by name (404 for an "
            "unknown workflow, 422 when it has no active version). Without one, the active "
            "record-triggered workflows whose create trigger matches start at once; "
            "`POST /api/cases/start-preview` says which before anything is stored."
            + _TYPES
            + _LIMITS
        ),
    )
)
def create_case() -> Response:
    body = json_body(CreateCaseBody)
    case = services.create_case(
        db_session(), fields=body.fields, actor=current_actor(), workflow_id=body.workflow_id
    )
    return respond(_detail(case.id), 201, {"Location": f"/api/cases/{case.id}"})


@bp.post("/cases/start-preview")
@documented(
    RouteDoc(
        "Preview which workflows a new case starts",
        _CASES,
        {200: StartPreview},
        body=CreateCaseBody,
        errors=(400, 404, 415, 422),
        description=(
            "Takes the body `POST /api/cases` takes and stores nothing: `starts` lists the "
            "workflows the case would start (`why`: `named` for `workflow_id`, `trigger` for "
            "a record trigger that matches), `fields` the case fields they declare (merged: "
            "what a start dialog shows), and `problems` what `POST /api/cases` would refuse "
            "(type, picklist, required), by field. Unknown `workflow_id`: 404; one with no "
            "active version: 422." + _LIMITS
        ),
    )
)
def start_preview() -> Response:
    body = json_body(CreateCaseBody)
    plan = services.preview_start(db_session(), fields=body.fields, workflow_id=body.workflow_id)
    return respond(StartPreview.of(plan))


@bp.get("/workflows/<workflow_id>/trigger-overlaps")
@documented(
    RouteDoc(
        "List active workflows whose triggers overlap this one's",
        "workflows",
        {200: TriggerOverlapList},
        query=TriggerOverlapQuery,
        errors=(400, 404),
        path_params={"workflow_id": "The workflow's id"},
        description=(
            "The other active workflows whose record triggers can fire on the same records "
            "as this workflow's trigger (in `version`, default the active one, else the "
            "draft): same source (and sObject), a common event, and conditions that can both "
            "hold. Conservative: conditions count as exclusive only when a rule each requires "
            "contradicts one of the other's on the same case field (`case_type eq support` "
            "against `case_type eq insurance_claim`). Ask before activating: a case matching "
            "both would start both."
        ),
    )
)
def trigger_overlaps(workflow_id: str) -> Response:
    query = query_args(TriggerOverlapQuery)
    found = triggers.trigger_overlaps(db_session(), workflow_id=workflow_id, version=query.version)
    return respond(TriggerOverlapList.of(found))


@bp.get("/cases/<case_id>")
@documented(
    RouteDoc("Read a case and its runs", _CASES, {200: CaseDetail}, errors=(404,),
             path_params=_ID)
)  # fmt: skip
def get_case(case_id: str) -> Response:
    return respond(_detail(case_id))


@bp.patch("/cases/<case_id>")
@documented(
    RouteDoc(
        "Change case fields",
        _CASES,
        {200: CaseDetail, 204: None},
        body=UpdateCaseBody,
        errors=(400, 404, 409, 415),
        path_params=_ID,
        header_params=_PREFER,
        description=(
            "Every active run of the case sees the change at once: waiting entry and exit "
            "conditions are evaluated again. `expected_version` refuses a stale change (409). "
            "The answer is the case and its runs, or nothing (204) with "
            "`Prefer: return=minimal`." + _TYPES + _LIMITS
        ),
    )
)
def update_case(case_id: str) -> Response:
    body = json_body(UpdateCaseBody)
    services.update_case(
        db_session(),
        case_id=case_id,
        changes=body.changes,
        actor=current_actor(),
        expected_version=body.expected_version,
    )
    # Commit now and read the answer in a transaction of its own, which on SQLite takes
    # no write lock: the next change need not wait while this one's answer is built.
    end_session(commit=True)
    if wants_minimal():
        return minimal()
    with session_scope(state().engine, read_only=True) as session:
        detail = _detail(case_id, session)
    return respond(detail)


@bp.get("/cases/<case_id>/changes")
@documented(
    RouteDoc("Read a case's change history", _CASES, {200: CaseChangeList}, errors=(404,),
             path_params=_ID)
)  # fmt: skip
def case_changes(case_id: str) -> Response:
    rows = services.list_case_changes(db_session(), case_id=case_id)
    return respond(CaseChangeList(changes=[CaseChange.of(row) for row in rows]))


@bp.get("/work-items")
@documented(RouteDoc("List work items", _ITEMS, {200: WorkItemList}, query=WorkItemQuery,
                     errors=(400,)))  # fmt: skip
def list_work_items() -> Response:
    query = query_args(WorkItemQuery)
    rows = services.list_work_items(
        db_session(),
        status=None if query.status == "any" else query.status,
        queue=query.queue,
        assignee=query.assignee,
        run_id=query.run_id,
        case_id=query.case_id,
        limit=query.limit,
    )
    return respond(WorkItemList(items=[WorkItemOut.of(row) for row in rows]))


@bp.get("/work-items/<key>")
@documented(RouteDoc("Read a work item", _ITEMS, {200: WorkItemOut}, errors=(404,),
                     path_params=_KEY))  # fmt: skip
def get_work_item(key: str) -> Response:
    return respond(WorkItemOut.of(services.get_work_item(db_session(), key=key)))


@bp.post("/work-items/<key>/complete")
@documented(
    RouteDoc(
        "Complete a work item",
        _ITEMS,
        {200: WorkItemOut},
        body=CompleteBody,
        errors=(400, 404, 409, 415, 422),
        path_params=_KEY,
        description=(
            "The data is checked against the step's form (422 names each field), and each "
            "value against the limits on case data (nesting, size, characters, numbers)."
        ),
    )
)
def complete_work_item(key: str) -> Response:
    body = json_body(CompleteBody)
    item = services.complete_work_item(db_session(), key=key, data=body.data, actor=current_actor())
    return respond(WorkItemOut.of(item))


@bp.post("/work-items/<key>/reassign")
@documented(
    RouteDoc("Reassign a work item", _ITEMS, {200: WorkItemOut}, body=ReassignBody,
             errors=(400, 404, 409, 415), path_params=_KEY)
)  # fmt: skip
def reassign_work_item(key: str) -> Response:
    body = json_body(ReassignBody)
    item = services.reassign_work_item(
        db_session(), key=key, assignee=body.assignee, actor=current_actor(), reason=body.reason
    )
    return respond(WorkItemOut.of(item))
