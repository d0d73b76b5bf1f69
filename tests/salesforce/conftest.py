"""Fixtures: a stand-in Salesforce org on loopback, settings pointing Baton at it, a database.

The stand-in (:mod:`fake_salesforce`) is a test fixture only; the client under test is
the real simple-salesforce, talking HTTP to it (``endpoint_override`` routes the
``https://*.salesforce.com`` URLs simple-salesforce builds to the local server).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_salesforce import FakeSalesforce
from sf_support import sf_settings

from runtime.salesforce.client import SalesforceClient, forget_clients
from runtime.salesforce.config import SalesforceSettings


@pytest.fixture
def fake() -> Iterator[FakeSalesforce]:
    """A fresh stand-in org, served on loopback for the test."""
    server = FakeSalesforce().start()
    try:
        yield server
    finally:
        server.close()
        forget_clients()


@pytest.fixture
def settings(fake: FakeSalesforce) -> SalesforceSettings:
    return sf_settings(fake)


@pytest.fixture
def sleeps() -> list[float]:
    """Every backoff the client waited, in seconds (recorded instead of slept)."""
    return []


@pytest.fixture
def client(settings: SalesforceSettings, sleeps: list[float]) -> SalesforceClient:
    return SalesforceClient(settings, sleep=sleeps.append)


def tmp_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
