"""The sync: Salesforce records become cases that run workflows, exactly once each, with
the real simple-salesforce client polling the stand-in org."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_salesforce import RATE_LIMITED, UNAVAILABLE, FakeSalesforce
from sf_flows import ESCALATION_QUEUE, cases, events, install, runs, sf_flow, work_items
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from runtime.db import session_scope
from runtime.executor import Worker
from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.config import SalesforceSettings
from runtime.salesforce.sync import SalesforceSync, sync_states
from runtime.settings import Settings
from runtime.store.salesforce_tables import SalesforceRecordRow


@pytest.fixture
def sync(db: Engine, client: SalesforceClient) -> SalesforceSync:
    return SalesforceSync(db, client)


def _worker(db: Engine, settings: SalesforceSettings) -> Worker:
    return Worker(Settings(_env_file=None, salesforce=settings), db)  # type: ignore[call-arg]


def _state(db: Engine) -> Any:
    with session_scope(db) as session:
        (row,) = sync_states(session)
        return row


def test_a_new_case_starts_a_run(db: Engine, fake: FakeSalesforce, sync: SalesforceSync) -> None:
    install(db, sf_flow())
    case_id = fake.insert(
        "Case",
        Subject="Cannot log in",
        Priority="Medium",
        Status="New",
        OwnerId="005000000000007AAA",
        Contacts__c=1,
    )
    (result,) = sync.poll_once()
    assert (result.created, result.updated, result.error) == (1, 0, None)
    case = cases(db)[case_id]
    assert case.source == "salesforce"
    assert case.fields == {
        "salesforce_id": case_id,
        "subject": "Cannot log in",
        "priority": "Medium",
        "status": "New",
        "owner": "005000000000007AAA",
        "contacts": 1,
    }
    (run,) = runs(db)
    assert (run.case_id, run.node_id, run.status) == (case.id, "triage", "running")
    assert [w.step_id for w in work_items(db)] == ["review"]


def test_the_same_record_twice_is_one_case_and_the_same_change_one_update(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    case_id = fake.insert("Case", Subject="Cannot log in", Priority="Low", Status="New")
    sync.poll_once()
    (again,) = sync.poll_once()  # the watermark's own second is read again
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    fake.change("Case", case_id, Contacts__c=2)
    (changed,) = sync.poll_once()
    (repeat,) = sync.poll_once()
    assert (changed.updated, repeat.updated, repeat.unchanged) == (1, 0, 1)
    assert len(cases(db)) == 1 and len(runs(db)) == 1
    assert cases(db)[case_id].version == 2  # created, then one change
    assert _state(db).records_synced == 2


def test_a_later_change_escalates_the_case_and_writes_the_owner_back(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync, settings: SalesforceSettings
) -> None:
    install(db, sf_flow())
    case_id = fake.insert(
        "Case", Subject="Outage", Priority="Medium", Status="New", OwnerId="005000000000007AAA"
    )
    sync.poll_once()
    (run,) = runs(db)
    assert run.node_id == "triage"
    fake.change("Case", case_id, Priority="High")  # a Salesforce user raises the priority
    (result,) = sync.poll_once()
    assert result.updated == 1
    (run,) = runs(db)
    assert run.node_id == "escalation"  # the exit condition held at once, no timer
    kinds = [e.kind for e in events(db, run.id)]
    assert "stage.exited" in kinds and "decision.taken" in kinds
    assert [w.status for w in work_items(db)] == ["cancelled"]
    _worker(db, settings).drain()
    (run,) = runs(db)
    assert (run.status, run.node_id) == ("completed", "escalated")
    record = fake.records["Case"][case_id]
    assert record["OwnerId"] == ESCALATION_QUEUE
    assert record["Escalation_Reason__c"] == "Priority raised to High"
    done = next(e for e in events(db, run.id) if e.kind == "step.completed")
    assert done.data["outputs"]["previous"]["OwnerId"] == "005000000000007AAA"
    # The write-back comes back through the next poll as a change of the owner only.
    (echo,) = sync.poll_once()
    assert echo.updated == 1
    assert cases(db)[case_id].fields["owner"] == ESCALATION_QUEUE


def test_paging_follows_next_records_url_and_commits_page_by_page(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    fake.page_size = 3
    ids = [fake.insert("Case", Subject=f"case {n}", Status="New") for n in range(8)]
    fake.insert("Case", Subject="closed already", Status="Closed")
    (result,) = sync.poll_once()
    assert (result.created, result.pages) == (8, 3)
    assert sorted(cases(db)) == sorted(ids)
    assert fake.count("GET", r"/query/\w+-\d+") == 2


def test_an_expired_session_is_refreshed_mid_sync(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    fake.page_size = 2
    for n in range(5):
        fake.insert("Case", Subject=f"case {n}", Status="New")
    sync.client.check()
    # The session expires after the first page has been served.
    fake.fail(
        "GET",
        r"/query/\w+-2$",
        401,
        [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    )
    (result,) = sync.poll_once()
    assert (result.created, result.error) == (5, None)
    assert fake.logins == 2


def test_a_rate_limit_is_waited_out(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync, sleeps: list[float]
) -> None:
    install(db, sf_flow())
    fake.insert("Case", Subject="x", Status="New")
    fake.fail("GET", "/query", 403, RATE_LIMITED, times=2)
    (result,) = sync.poll_once()
    assert (result.created, result.error) == (1, None)
    assert sleeps == [2.0, 4.0]


def test_an_outage_leaves_the_stream_where_it_was_and_says_so(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    fake.insert("Case", Subject="x", Status="New")
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=10)
    (result,) = sync.poll_once()
    assert result.created == 0 and "503" in (result.error or "")
    state = _state(db)
    assert state.watermark is None and "503" in (state.last_error or "")
    fake.faults.clear()
    (result,) = sync.poll_once()
    assert (result.created, result.error) == (1, None)
    assert _state(db).last_error is None


class _CrashBeforeCommit:
    """Fails the commits (numbered from 1) that write synced records, as a crash would."""

    def __init__(self) -> None:
        self.commits = 0
        self.fail_at: set[int] = set()

    def __call__(self, session: Session) -> None:
        if any(isinstance(o, SalesforceRecordRow) for o in session.new | session.dirty):
            self.commits += 1
            if self.commits in self.fail_at:
                raise RuntimeError("the process died before the commit")


@pytest.fixture
def crash() -> Iterator[_CrashBeforeCommit]:
    hook = _CrashBeforeCommit()
    event.listen(Session, "before_commit", hook)
    try:
        yield hook
    finally:
        event.remove(Session, "before_commit", hook)


def test_a_crash_between_fetch_and_commit_repeats_nothing_and_misses_nothing(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync, crash: _CrashBeforeCommit
) -> None:
    install(db, sf_flow())
    fake.page_size = 2
    first = [fake.insert("Case", Subject=f"a{n}", Status="New") for n in range(3)]
    sync.poll_once()
    assert crash.commits == 2
    # New records and a change arrive; the poll that fetches them dies before committing
    # its second page (the first page of this poll is committed).
    later = [fake.insert("Case", Subject=f"b{n}", Status="New") for n in range(3)]
    fake.change("Case", first[0], Contacts__c=5)
    crash.fail_at = {4}
    (result,) = sync.poll_once()
    assert "died" in (result.error or "")
    assert len(cases(db)) == 4  # the first page of this poll: a2 (seen already) and b0
    (result,) = sync.poll_once()
    assert result.error is None
    synced = cases(db)
    assert sorted(synced) == sorted(first + later)
    assert synced[first[0]].fields["contacts"] == 5 and synced[first[0]].version == 2
    assert len(runs(db)) == 6  # one run per case, none twice
    with session_scope(db) as session:
        assert len(session.exec(select(SalesforceRecordRow)).all()) == 6


def test_a_first_sync_backfills_with_bulk_api_2(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow(backfill=True))
    fake.bulk_page_size = 4
    fake.bulk_polls = 2
    ids = [fake.insert("Case", Subject=f"old {n}", Status="New", Contacts__c=n) for n in range(10)]
    (result,) = sync.poll_once()
    assert (result.backfill, result.created, result.pages, result.error) == (True, 10, 3, None)
    assert fake.count("POST", "/jobs/query$") == 1 and fake.count("GET", "/query$") == 0
    synced = cases(db)
    assert sorted(synced) == sorted(ids) and synced[ids[3]].fields["contacts"] == 3
    assert len(runs(db)) == 10
    state = _state(db)
    assert state.backfilled and state.watermark is not None
    # From now on the REST query takes only what changed.
    fake.change("Case", ids[0], Priority="High")
    (result,) = sync.poll_once()
    assert (result.backfill, result.updated) == (False, 1)
    assert fake.count("POST", "/jobs/query$") == 1


def test_a_changed_trigger_starts_its_stream_over(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    fake.insert("Case", Subject="open", Status="New")
    closed = fake.insert("Case", Subject="closed", Status="Closed")
    sync.poll_once()
    assert closed not in cases(db)
    install(db, sf_flow(soql_filter=None), version=2)
    (result,) = sync.poll_once()
    assert (result.created, result.unchanged) == (1, 1)
    assert closed in cases(db)


def test_no_secret_is_stored_in_the_database(
    db: Engine, fake: FakeSalesforce, sync: SalesforceSync
) -> None:
    install(db, sf_flow())
    fake.insert("Case", Subject="x", Status="New")
    fake.fail("GET", "/query", 503, UNAVAILABLE, times=10)
    sync.poll_once()
    fake.faults.clear()
    sync.poll_once()
    with db.connect() as conn:
        from runtime.store import metadata

        dump = " ".join(
            str(row) for table in metadata.sorted_tables for row in conn.execute(table.select())
        )
    for secret in (fake.login.password, fake.login.security_token, *fake.tokens):
        assert secret not in dump
