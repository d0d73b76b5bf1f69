"""The sync holds Salesforce records to the limits on case data without stalling a stream."""

from __future__ import annotations

import logging

import pytest
from fake_salesforce import FakeSalesforce
from sf_flows import cases, install, sf_flow
from sqlalchemy.engine import Engine

from graphs import case_limits
from runtime.salesforce.client import SalesforceClient
from runtime.salesforce.sync import SalesforceSync


def test_a_value_past_the_limits_is_left_out_and_logged(
    db: Engine, client: SalesforceClient, fake: FakeSalesforce, caplog: pytest.LogCaptureFixture
) -> None:
    install(db, sf_flow())
    bad = fake.insert("Case", Subject="nul \x00 inside", Priority="High", Status="New")
    good = fake.insert("Case", Subject="Fine", Priority="Low", Status="New")
    with caplog.at_level(logging.WARNING, logger="baton.salesforce"):
        (result,) = SalesforceSync(db, client).poll_once()
    assert (result.created, result.refused, result.error) == (2, 0, None)
    stored = cases(db)
    assert "subject" not in stored[bad].fields and stored[bad].fields["priority"] == "High"
    assert stored[good].fields["subject"] == "Fine"
    assert "control character U+0000" in caplog.text and bad in caplog.text


def test_a_record_past_the_limits_is_refused_and_the_stream_goes_on(
    db: Engine,
    client: SalesforceClient,
    fake: FakeSalesforce,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    install(db, sf_flow())
    monkeypatch.setattr(case_limits, "MAX_RECORD_BYTES", 2_000)
    big = fake.insert("Case", Subject="x" * 3_000, Priority="High", Status="New")
    small = fake.insert("Case", Subject="Fine", Priority="Low", Status="New")
    sync = SalesforceSync(db, client)
    with caplog.at_level(logging.WARNING, logger="baton.salesforce"):
        (result,) = sync.poll_once()
    assert (result.created, result.refused, result.error) == (1, 1, None)
    assert result.as_dict()["refused"] == 1
    assert set(cases(db)) == {small}
    assert big in caplog.text and "max_record_bytes" not in caplog.text
    assert "at most 2,000 are allowed" in caplog.text
    (again,) = sync.poll_once()
    assert (again.created, again.refused, again.error) == (0, 0, None)
