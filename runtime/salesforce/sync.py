"""One poll: Salesforce records changed since the watermark become Baton cases.

Every active workflow whose trigger names a Salesforce sObject is a **stream** with its
own watermark (the SystemModstamp of the newest change applied). A poll of a stream

1. on its first run (no watermark, ``backfill`` on) loads every matching record with a
   Bulk API 2.0 query job, page by page (``Sforce-Locator``);
2. otherwise queries the records changed at or after the watermark, oldest first,
   following ``nextRecordsUrl`` from page to page;
3. applies each page in **one transaction**: each record creates its case or updates it
   through :mod:`runtime.services` (so runs start, and waiting conditions and escalations
   re-evaluate, exactly as for a local case), the record's SystemModstamp is noted, and
   the watermark moves to the page's newest change. Either all of that commits or none.

A crash between fetching and committing therefore leaves the stream where it was: the
next poll fetches the same page again and applies it once. A change seen twice (polls
overlap on the watermark's own timestamp) is recognised by its SystemModstamp and not
applied twice; the same record is always the same case (source ``salesforce``, external
id = record Id).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from graphs.model import CaseField
from graphs.salesforce import SalesforceTrigger
from runtime.db import session_scope
from runtime.errors import BatonRuntimeError, CaseDataRefused
from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.mapping import case_fields, parse_modstamp
from runtime.salesforce.soql import MODSTAMP, backfill_query, changes_query
from runtime.services import create_case, update_case
from runtime.services.run_events import definition_for
from runtime.store.records import LockedCase
from runtime.store.salesforce_tables import SalesforceRecordRow, SalesforceSyncRow
from runtime.store.tables import CaseRow, utcnow
from runtime.store.workflow_tables import WorkflowRow

__all__ = [
    "ACTOR",
    "SOURCE",
    "SalesforceSync",
    "Stream",
    "StreamResult",
    "active_streams",
    "find_case",
    "summarise",
    "sync_states",
]

logger = logging.getLogger("baton.salesforce")

SOURCE = "salesforce"
"""The ``source`` of cases made from Salesforce records (their external id is the Id)."""
ACTOR = "salesforce"


@dataclass(frozen=True, slots=True)
class Stream:
    """One active workflow's Salesforce trigger."""

    workflow_id: str
    trigger: SalesforceTrigger
    case_schema: tuple[CaseField, ...]

    @property
    def signature(self) -> str:
        """A fingerprint of what the stream asks Salesforce for."""
        text = changes_query(self.trigger, since=None) + "|" + self.trigger.id_field
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(slots=True)
class StreamResult:
    """What one poll of one stream did."""

    workflow_id: str
    sobject: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    pages: int = 0
    backfill: bool = False
    error: str | None = None
    refused: int = 0
    """Records not applied because their case data breaks a limit (each one logged)."""
    case_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the CLI and the API: every figure, not the case ids."""
        return {name: value for name, value in asdict(self).items() if name != "case_ids"}


# ---------------------------------------------------------------------------- queries


def active_streams(session: Session) -> list[Stream]:
    """The streams of every active workflow whose trigger polls Salesforce, by workflow id."""
    rows = session.exec(
        select(WorkflowRow.id, WorkflowRow.active_version)
        .where(col(WorkflowRow.active_version).is_not(None))
        .order_by(col(WorkflowRow.id))
    ).all()
    streams = []
    for workflow_id, version in rows:
        workflow = definition_for(session, workflow_id, int(version or 0)).workflow
        trigger = workflow.trigger
        if trigger.salesforce is not None and trigger.kind == "record":
            streams.append(Stream(workflow_id, trigger.salesforce, tuple(workflow.case_schema)))
    return streams


def sync_states(session: Session) -> list[SalesforceSyncRow]:
    """Every stream's stored state, by workflow id."""
    return list(
        session.exec(select(SalesforceSyncRow).order_by(col(SalesforceSyncRow.workflow_id)))
    )


def find_case(session: Session, record_id: str) -> CaseRow | None:
    """The case made from this Salesforce record, if any."""
    return session.exec(
        select(CaseRow).where(CaseRow.source == SOURCE, CaseRow.external_id == record_id)
    ).first()


def _lock_state(session: Session, stream: Stream) -> SalesforceSyncRow:
    row = session.exec(
        select(SalesforceSyncRow)
        .where(SalesforceSyncRow.workflow_id == stream.workflow_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        row = SalesforceSyncRow(
            workflow_id=stream.workflow_id,
            sobject=stream.trigger.sobject,
            signature=stream.signature,
        )
        session.add(row)
        session.flush()
    return row


class _StreamMoved(Exception):
    """Another poller committed this stream meanwhile: drop this page, poll again later."""


# ---------------------------------------------------------------------------- the poll


class SalesforceSync:
    """Polls every Salesforce stream once per :meth:`poll_once`; safe to call repeatedly.

    ``clock`` stamps the cases and the stream state (tests pass a fixed one).
    """

    def __init__(
        self,
        engine: Engine,
        client: SalesforceClient,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock

    def poll_once(self) -> list[StreamResult]:
        """Poll every active stream; one failing stream never stops the others."""
        with session_scope(self.engine) as session:
            streams = active_streams(session)
        return [self.poll_stream(stream) for stream in streams]

    def poll_stream(self, stream: Stream) -> StreamResult:
        """Bring one stream up to date (see the module doc); errors end up in the result."""
        result = StreamResult(stream.workflow_id, stream.trigger.sobject)
        try:
            watermark, backfilled = self._prepare(stream)
            if watermark is None and not backfilled and stream.trigger.backfill:
                self._backfill(stream, result)
            else:
                self._changes(stream, watermark, result)
        except _StreamMoved:
            logger.info("stream %s moved on in another poller; later", stream.workflow_id)
        except BatonRuntimeError as exc:
            result.error = exc.message
        except Exception as exc:
            logger.exception("Salesforce poll of %s failed", stream.workflow_id)
            result.error = self.client.scrub(f"unexpected error: {exc!r}")
        self._finish(stream, result)
        if result.error:
            logger.warning("Salesforce poll of %s: %s", stream.workflow_id, result.error)
        return result

    # ------------------------------------------------------------------ steps

    def _prepare(self, stream: Stream) -> tuple[datetime | None, bool]:
        """The stream's watermark and whether its backfill is done; resets a changed query."""
        with session_scope(self.engine) as session:
            row = _lock_state(session, stream)
            if row.signature != stream.signature:
                logger.info(
                    "the trigger of %s asks for other records now; starting over",
                    stream.workflow_id,
                )
                row.signature = stream.signature
                row.sobject = stream.trigger.sobject
                row.watermark = None
                row.backfilled = False
                session.execute(
                    delete(SalesforceRecordRow).where(
                        col(SalesforceRecordRow.workflow_id) == stream.workflow_id
                    )
                )
                session.add(row)
            return row.watermark, row.backfilled

    def _changes(self, stream: Stream, since: datetime | None, result: StreamResult) -> None:
        sobject = stream.trigger.sobject
        page = self.client.query(changes_query(stream.trigger, since=since), sobject=sobject)
        expected = since
        while True:
            records = [dict(r) for r in page.get("records", [])]
            expected = self._apply(stream, records, result, expected=expected, advance=True)
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self.client.query_more(str(page["nextRecordsUrl"]), sobject=sobject)

    def _backfill(self, stream: Stream, result: StreamResult) -> None:
        result.backfill = True
        newest: datetime | None = None
        pages = self.client.bulk_query(
            backfill_query(stream.trigger), sobject=stream.trigger.sobject
        )
        for records in pages:
            self._apply(stream, records, result, expected=None, advance=False)
            for record in records:
                stamp = parse_modstamp(record[MODSTAMP])
                newest = stamp if newest is None or stamp > newest else newest
        # Only now does the stream get a watermark: a backfill cut short starts over, and
        # the records it applied already are recognised by their SystemModstamp.
        with session_scope(self.engine) as session:
            row = _lock_state(session, stream)
            if row.watermark is not None or row.signature != stream.signature:
                raise _StreamMoved
            row.watermark = newest
            row.backfilled = True
            session.add(row)

    def _apply(
        self,
        stream: Stream,
        records: Sequence[Mapping[str, Any]],
        result: StreamResult,
        *,
        expected: datetime | None,
        advance: bool,
    ) -> datetime | None:
        """Apply one page in one transaction; the watermark after it (if ``advance``)."""
        now = self.clock()
        created = updated = unchanged = refused = 0
        case_ids: list[str] = []
        with session_scope(self.engine) as session:
            state = _lock_state(session, stream)
            if state.signature != stream.signature or (advance and state.watermark != expected):
                raise _StreamMoved
            newest = state.watermark
            for record in records:
                record_id = str(record["Id"])
                stamp = parse_modstamp(record[MODSTAMP])
                if newest is None or stamp > newest:
                    newest = stamp
                seen = session.get(SalesforceRecordRow, (stream.workflow_id, record_id))
                if seen is not None and seen.system_modstamp >= stamp:
                    unchanged += 1
                    continue
                fields = case_fields(record, stream.trigger, stream.case_schema)
                case: CaseRow | LockedCase | None = find_case(session, record_id)
                try:
                    if case is None:
                        case = create_case(
                            session,
                            fields=fields,
                            actor=ACTOR,
                            source=SOURCE,
                            external_id=record_id,
                            now=now,
                        )
                        created += 1
                    else:
                        before = case.version
                        case = update_case(
                            session, case_id=case.id, changes=fields, actor=ACTOR, now=now
                        )
                        if case.version != before:
                            updated += 1
                        else:
                            unchanged += 1
                except CaseDataRefused as exc:
                    # Refused before anything was written: the rest of the page goes on,
                    # and the record is counted and logged rather than stalling the stream.
                    logger.warning(
                        "Salesforce %s %s refused: %s", stream.trigger.sobject, record_id, exc
                    )
                    refused += 1
                    continue
                case_ids.append(case.id)
                if seen is None:
                    seen = SalesforceRecordRow(
                        workflow_id=stream.workflow_id,
                        record_id=record_id,
                        case_id=case.id,
                        system_modstamp=stamp,
                        synced_at=now,
                    )
                else:
                    seen.system_modstamp = stamp
                    seen.case_id = case.id
                    seen.synced_at = now
                session.add(seen)
            if advance:
                state.watermark = newest
            state.records_synced += created + updated
            state.updated_at = now
            session.add(state)
        result.pages += 1
        result.created += created
        result.updated += updated
        result.unchanged += unchanged
        result.refused += refused
        result.case_ids.extend(case_ids)
        return newest if advance else expected

    def _finish(self, stream: Stream, result: StreamResult) -> None:
        now = self.clock()
        with session_scope(self.engine) as session:
            row = _lock_state(session, stream)
            row.last_poll_at = now
            row.last_error = result.error
            if result.error is None:
                row.last_success_at = now
            row.updated_at = now
            session.add(row)


def summarise(results: Iterable[StreamResult]) -> str:
    """One line per stream, for the CLI and the log."""
    lines = []
    for r in results:
        what = "backfill" if r.backfill else "changes"
        line = (
            f"{r.workflow_id} ({r.sobject}, {what}): {r.created} created, {r.updated} updated, "
            f"{r.unchanged} unchanged in {r.pages} page{'s' if r.pages != 1 else ''}"
        )
        if r.error:
            line += f"; error: {r.error}"
        lines.append(line)
    return "\n".join(lines) or "no active workflow has a Salesforce trigger"
