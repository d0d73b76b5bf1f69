"""The sum of a pool's metric files, and pool processes marked dead (client multiprocess mode).

The worker's main process reads :mod:`runtime.observability.pool_dir`'s directory at each
scrape with :class:`PoolCollector`. Counters and histograms of a pool process that has
ended stay in its file and keep counting (the steps it finished were finished); only
``live*`` gauges of ended processes are dropped, by :func:`mark_dead` when a pool process
stops cleanly and by a sweep at each scrape for one that was killed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

__all__ = ["PoolCollector", "mark_dead", "sweep_dead"]

logger = logging.getLogger("baton.metrics")


def mark_dead(pid: int, path: Path) -> None:
    """Drop the ``live*`` gauges of pool process ``pid`` (the library's ``mark_process_dead``)."""
    mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process has the pid
    return True


def sweep_dead(path: Path) -> list[int]:
    """Mark dead the processes whose ``live*`` gauge files remain but which are gone.

    A pool process killed by SIGKILL never says goodbye; this is how its live gauges go.
    Returns the pids marked.
    """
    pids = set()
    for live in path.glob("gauge_live*_*.db"):
        suffix = live.stem.rsplit("_", 1)[-1]
        if suffix.isdigit():
            pids.add(int(suffix))
    gone = sorted(pid for pid in pids if not _alive(pid))
    for pid in gone:
        mark_dead(pid, path)
    return gone


def _merge(files: list[str]) -> list[Metric]:
    """The library's sum of ``files`` (histogram buckets made cumulative, as served)."""
    return list(MultiProcessCollector.merge(files, accumulate=True))  # type: ignore[no-untyped-call]


def _readable(files: Iterable[str]) -> list[str]:
    """The files the library can read; the others (cut short by a kill) named in the log."""
    good = []
    for name in files:
        try:
            _merge([name])
        except Exception as exc:  # a file cut short can fail in many ways; skip it
            logger.warning("metrics: skipping unreadable metrics file %s: %r", name, exc)
        else:
            good.append(name)
    return good


class PoolCollector(Collector):
    """Every process's metric files in ``path``, summed (as ``MultiProcessCollector``).

    A scrape never fails because of one file: a file the library cannot read (a process
    killed while making it) is skipped, with a warning, and the others are summed.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def collect(self) -> Iterator[Metric]:
        sweep_dead(self._path)
        files = sorted(str(name) for name in self._path.glob("*.db"))
        try:
            merged = _merge(files)
        except Exception:  # find the bad file(s); sum the rest
            merged = _merge(_readable(files))
        yield from merged
