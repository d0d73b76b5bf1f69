"""The directory where a worker's pool processes leave their metrics (``PROMETHEUS_MULTIPROC_DIR``).

Under Celery's prefork pool a step finishes in a pool process, whose memory nobody
scrapes. The client library's multiprocess mode answers that, as its docs prescribe for
gunicorn and other pre-forking servers: before the pool forks, the main process names a
directory in ``PROMETHEUS_MULTIPROC_DIR``; every process then keeps its metric values in
files of its own there (``histogram_<pid>.db``), and the main process's ``/metrics`` sums
them (:class:`runtime.observability.pool_metrics.PoolCollector`).

This module imports no ``prometheus_client`` at its top: the library chooses where
values live when it is first imported, so the directory must be named before then.
Processes without a pool (``make run``, ``baton worker``, the web) never call
:func:`prepare` and keep their metrics in memory, as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ENV", "PoolDir", "directory", "prepare"]

logger = logging.getLogger("baton.metrics")

#: The client library's variable naming the directory.
ENV = "PROMETHEUS_MULTIPROC_DIR"
# The pid of the process that prepared the directory: its pool processes inherit the
# variables, and one started fresh (spawn, not fork) must not empty it again.
_OWNER_ENV = "BATON_PROMETHEUS_DIR_OWNER"


@dataclass(frozen=True)
class PoolDir:
    """The directory in use, and whether it was made here (removed at exit) or given."""

    path: Path
    made_here: bool


def directory(environ: MutableMapping[str, str] | None = None) -> Path | None:
    """The multiprocess directory this process writes to, if any (``None``: in memory)."""
    value = (os.environ if environ is None else environ).get(ENV)
    return Path(value) if value else None


def prepare(environ: MutableMapping[str, str] | None = None) -> PoolDir:
    """Name the directory for this process and the pool it is about to fork; empty it.

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is used (made if missing); else a private
    directory is made under the temporary directory and removed when this process exits.
    Either way it holds no metric files from an earlier run afterwards (the library's rule:
    wipe it between runs), so give each worker node a directory of its own. In a process
    whose parent already prepared it, nothing is changed.
    """
    env = os.environ if environ is None else environ
    given = directory(env)
    if given is not None and env.get(_OWNER_ENV) not in (None, str(os.getpid())):
        return PoolDir(given, made_here=False)  # a pool process: its parent prepared it
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        for stale in given.glob("*.db"):
            stale.unlink(missing_ok=True)
        pool = PoolDir(given, made_here=False)
    else:
        pool = PoolDir(Path(tempfile.mkdtemp(prefix="baton-metrics-")), made_here=True)
        env[ENV] = str(pool.path)
        atexit.register(_remove, pool.path, os.getpid())
    env[_OWNER_ENV] = str(os.getpid())
    if environ is None:
        _values_in_files()
    logger.info("metrics: pool processes write to %s", pool.path)
    return pool


def _values_in_files() -> None:
    """Have the client library keep values made from now on in the directory's files.

    It decides once, when imported; if it was imported before the directory was named,
    let it decide again by its own rule (metrics with labels make their values on first
    use, in the pool process, so they follow the new choice).
    """
    values: Any = sys.modules.get("prometheus_client.values")
    if values is None:
        return  # not imported yet: its import will see the variable
    if values.ValueClass is values.MutexValue:
        logger.debug("metrics: prometheus_client was imported before the directory was named")
        values.ValueClass = values.get_value_class()


def _remove(path: Path, owner: int) -> None:
    # Forked pool processes leave through os._exit, but check: only the maker removes it.
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)
