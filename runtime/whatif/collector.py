"""Python's cycle collector paused, or on, for a stretch of a what-if.

Reading ten thousand cases makes a million small objects that live to the answer and hold
no cycles; the collector's passes over them find nothing to free. A what-if pauses it
where it only reads and routes, and has it on where the predictions make cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_on", "collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while (back on after, if it was on).

    Reading ten thousand cases makes a million small objects that live to the answer and
    hold no cycles, and routing makes many short-lived ones over that heap: each full pass
    of the collector walked it all and found nothing to free (a third of the reading's
    CPU). Reference counting still frees what is dropped; a cycle made meanwhile waits for
    the next pass. The forked workers instead freeze what they inherit
    (:func:`gc.freeze`), and predict with the collector on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def collector_on() -> Iterator[None]:
    """The cycle collector on for a while (paused again after, if it was paused)."""
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()
