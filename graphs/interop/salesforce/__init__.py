"""Salesforce Flow Orchestrator: an orchestration's ``.flow-meta.xml`` in and out of Baton.

The mapping table is in ``graphs/interop/README.md`` ("Salesforce Orchestrator").
"""

from __future__ import annotations

from graphs.interop.salesforce.reader import import_orchestration
from graphs.interop.salesforce.writer import export_orchestration

__all__ = ["export_orchestration", "import_orchestration"]
