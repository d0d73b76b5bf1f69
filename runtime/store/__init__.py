"""The store: SQLModel tables, their migrations, and the engine set-up around them.

Import :mod:`runtime.store.tables` and :mod:`runtime.store.workflow_tables` for the
tables; :func:`migrate` brings a database's schema to the newest revision.
"""

from __future__ import annotations

from runtime.store.migrate import metadata, migrate

__all__ = ["metadata", "migrate"]
