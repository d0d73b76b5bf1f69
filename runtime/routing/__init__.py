"""Routing: who gets a work item, who waits, and what an agent takes next.

- :mod:`runtime.routing.choose` — the pure choices (strategies, capacity, skills,
  waiting lines), free of I/O;
- :mod:`runtime.routing.presence` — whether an agent can take work at a moment (pure);
- :mod:`runtime.routing.rework` — a re-entered step's item back to who did the work;
- :mod:`runtime.routing.router` — the same choices against the store: the store calls
  :func:`choose_assignee` inside the transaction that creates a work item, and
  :func:`item_closed` hands freed capacity to the best waiting item at once.
"""

from __future__ import annotations

from runtime.routing.router import choose_assignee, drain, item_closed

__all__ = ["choose_assignee", "drain", "item_closed"]
