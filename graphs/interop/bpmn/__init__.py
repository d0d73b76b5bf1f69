"""BPMN 2.0 in and out of Baton: :func:`import_bpmn` and :func:`export_bpmn`.

The mapping, element by element, is the table in ``graphs/interop/README.md``.
"""

from __future__ import annotations

from graphs.interop.report import ReportItem
from graphs.model import Workflow

__all__ = ["export_bpmn", "import_bpmn"]


def import_bpmn(data: bytes) -> tuple[Workflow, list[ReportItem]]:
    """Read a BPMN 2.0 document into a workflow and the report of what did not map."""
    raise NotImplementedError("BPMN import is being written (issue 18)")


def export_bpmn(workflow: Workflow) -> str:
    """Write ``workflow`` as a BPMN 2.0 document with diagram interchange."""
    raise NotImplementedError("BPMN export is being written (issue 18)")
