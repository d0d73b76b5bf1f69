"""A pooled what-if's worker: a forked process that reads its part's cases, then predicts them.

The parent (:mod:`runtime.whatif.parallel`) holds a :class:`Worker` per process: how far
the worker has got, and the pipe to it. In the forked process, :func:`work` reads the
cases off their logs in their order and sends their traces and minutes a chunk at a time,
waits for the medians, then predicts the cases the draft may change, again a chunk at a
time. Its messages leave through a thread of their own (:class:`Outbox`), so the worker
never waits for a parent busy elsewhere. Pure code only: no database, no clock.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from runtime.engine.definition import CompiledWorkflow
from runtime.whatif.collector import collector_paused
from runtime.whatif.play import Draft, Played, read_recorded
from runtime.whatif.recorded import RecordedCase
from runtime.whatif.trace import Trace

__all__ = [
    "CHUNK",
    "PREDICTED",
    "READ",
    "Failed",
    "Outbox",
    "Worker",
    "minutes_of",
    "predict_changed",
    "read_off",
    "work",
]


def read_off(
    definitions: Mapping[int, CompiledWorkflow], cases: Sequence[RecordedCase]
) -> list[Played]:
    """What each case did and how its steps answered (the collector paused)."""
    with collector_paused():
        return [read_recorded(definitions[case.version], case) for case in cases]


def predict_changed(
    draft: Draft,
    cases: Sequence[RecordedCase],
    played: Sequence[Played],
    typical: Mapping[str, float],
) -> list[tuple[int, Trace]]:
    """The draft's trace of each case it may change, by the case's place."""
    return [
        (n, draft.play(case, done, typical))
        for n, (case, done) in enumerate(zip(cases, played, strict=True))
        if not draft.unaffected(case, done)
    ]


def minutes_of(played: Iterable[Played]) -> list[dict[str, list[float]]]:
    return [done.script.minutes for done in played]


READ, PREDICTED = "read", "predicted"
"""What a worker's message holds: ``(READ, (traces, minutes))`` of the next cases read,
``(PREDICTED, (count, [(n, trace), ...]))``: the next ``count`` cases predicted, with the
traces of those the draft changes by their place ``n`` in the part."""

CHUNK = 128
"""Cases a worker reads or predicts between two messages."""


class Failed:
    """A worker's error, sent back to be raised here."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Worker:
    """A forked process that holds one part's cases: it reads them off their logs, then
    predicts them with the medians it is sent; here, how far it has got."""

    def __init__(
        self,
        context: Any,
        definitions: Mapping[int, CompiledWorkflow],
        draft: Draft,
        cases: Sequence[RecordedCase],
        places: Sequence[int],
    ) -> None:
        here, there = context.Pipe()
        self.connection: Connection = here
        self.places = places  #: each case's place among all the cases
        #: the earliest start of the cases from each place in the part on (``None``: past
        #: the end); read before the fork, so that no page of the cases is copied here
        self.earliest: list[datetime | None] = [None] * (len(cases) + 1)
        for n in range(len(cases) - 1, -1, -1):
            later, start = self.earliest[n + 1], cases[n].started_at
            self.earliest[n] = start if later is None else min(start, later)
        self.read = self.predicted = 0  #: cases sent back read, and predicted
        # The cases reach the worker inside a list this process empties once it no longer
        # needs them (the process object keeps its arguments to its end).
        self._cases = [cases]
        self._process: BaseProcess = context.Process(
            target=work, args=(there, definitions, draft, self._cases), daemon=True
        )
        self._process.start()
        there.close()

    def next(self, count: int, *, predicting: bool = False) -> Sequence[int]:
        """The places of the next ``count`` cases it sent back (read, else predicted)."""
        first = self.predicted if predicting else self.read
        if predicting:
            self.predicted += count
        else:
            self.read += count
        return self.places[first : first + count]

    def forget(self) -> None:
        """Drop this process's reference to the worker's cases (its own copy stays)."""
        self._cases.clear()

    def send(self, value: Any) -> None:
        self.connection.send(value)

    def receive(self) -> Any:
        try:
            found = self.connection.recv()
        except EOFError:
            raise RuntimeError("a what-if worker process ended without answering") from None
        if isinstance(found, Failed):
            raise found.error
        return found

    def close(self) -> None:
        self.connection.close()
        self._process.join(timeout=5)
        if self._process.is_alive():  # only when the what-if failed: it waits for nothing
            self._process.terminate()
            self._process.join()


def work(
    connection: Connection,
    definitions: Mapping[int, CompiledWorkflow],
    draft: Draft,
    held: list[Sequence[RecordedCase]],
) -> None:
    """A worker's life (in the forked process)."""
    gc.freeze()  # what it inherits lives to its end: no collector passes over it
    (cases,) = held
    outbox = Outbox(connection)
    try:
        played: list[Played] = []
        # At least one message each way, even with no cases: the parent counts them.
        for first in range(0, len(cases) or 1, CHUNK):
            done = read_off(definitions, cases[first : first + CHUNK])
            played.extend(done)
            outbox.put((READ, ([d.trace for d in done], minutes_of(done))))
        gc.freeze()  # and what it has read: the predictions' passes need not walk it
        typical = connection.recv()
        for first in range(0, len(cases) or 1, CHUNK):
            chunk = slice(first, first + CHUNK)
            predicted = predict_changed(draft, cases[chunk], played[chunk], typical)
            found = [(first + n, trace) for n, trace in predicted]
            outbox.put((PREDICTED, (len(cases[chunk]), found)))
    except BaseException as error:  # raised in the parent, which waits for an answer
        outbox.put(Failed(error))
    finally:
        outbox.close()
        connection.close()


class Outbox:
    """A worker's messages, sent in order by a thread of their own: the worker goes on
    reading and predicting while the parent, busy elsewhere, has yet to take them."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_all, daemon=True)
        self._thread.start()

    def put(self, message: Any) -> None:
        self._queue.put(message)

    def close(self) -> None:
        """Send what is left, then stop."""
        self._queue.put(_END)
        self._thread.join()

    def _send_all(self) -> None:
        while (message := self._queue.get()) is not _END:
            try:
                self._connection.send(message)
            except OSError:  # the parent is gone: nobody to tell
                return
            except Exception as error:  # it does not pickle: the parent gets an error
                failure = message if isinstance(message, Failed) else Failed(error)
                self._connection.send(Failed(RuntimeError(repr(failure.error))))
                return


_END = object()
