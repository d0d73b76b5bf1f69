"""The poller: a thread that runs :class:`~runtime.salesforce.sync.SalesforceSync` on a timer.

``baton run`` and ``baton worker`` start one next to the executor when a Salesforce
connection is configured (:func:`start_poller`). It is its own thread, not part of the
executor: a slow Salesforce never holds up steps or timers, and a poll that fails is
logged, kept in the stream's state (``last_error``), and tried again next interval.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from runtime.salesforce.client import client_for
from runtime.salesforce.sync import SalesforceSync
from runtime.settings import Settings

__all__ = ["SalesforcePoller", "start_poller"]

logger = logging.getLogger("baton.salesforce")


class SalesforcePoller:
    """Polls every Salesforce stream every ``poll_interval_seconds`` until stopped."""

    def __init__(self, sync: SalesforceSync, interval_seconds: float) -> None:
        self.sync = sync
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self._round_done = threading.Condition()

    def start(self) -> None:
        """Start polling in a background thread (the first poll at once)."""
        if self._thread is not None:
            raise RuntimeError("poller already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="baton-salesforce", daemon=True)
        self._thread.start()
        logger.info("Salesforce poller started (every %gs)", self.interval)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the poll under way, if any."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Poll now instead of at the next interval."""
        self._wake.set()

    def wait_rounds(self, rounds: int, timeout: float) -> bool:
        """Wait until ``rounds`` polls have finished in all (tests, the CLI)."""
        with self._round_done:
            return self._round_done.wait_for(lambda: self.rounds >= rounds, timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync.poll_once()
            except Exception:
                logger.exception("Salesforce poll failed; trying again next interval")
            with self._round_done:
                self.rounds += 1
                self._round_done.notify_all()
            self._wake.wait(self.interval)
            self._wake.clear()


def start_poller(settings: Settings, engine: Engine) -> SalesforcePoller | None:
    """Start a poller when a Salesforce connection is configured; None otherwise."""
    config = settings.salesforce
    if not config.configured:
        return None
    poller = SalesforcePoller(
        SalesforceSync(engine, client_for(config)), config.poll_interval_seconds
    )
    poller.start()
    return poller
