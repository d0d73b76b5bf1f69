"""BPMN 2.0 in and out of Baton: :func:`import_bpmn` and :func:`export_bpmn`.

The mapping, element by element, is the table in ``graphs/interop/README.md``:
:mod:`.reader` reads the XML into a neutral model, :mod:`.roles` decides what each
element becomes, :mod:`.mapping` builds the workflow (with :mod:`.steps`, :mod:`.timers`,
:mod:`.expressions` and :mod:`.fields`); :mod:`.writer` writes a workflow back out (with
:mod:`.stages` and :mod:`.scripts`). :mod:`.layout` (diagram interchange) and
:mod:`.extensions` (the Baton namespace) serve both ways.

>>> from graphs.generate import generate_workflow
>>> workflow = generate_workflow(12, seed=1)
>>> again, report = import_bpmn(export_bpmn(workflow).encode())
>>> again == workflow, report
(True, [])
"""

from __future__ import annotations

from graphs.interop.bpmn.mapping import map_process
from graphs.interop.bpmn.reader import read_process
from graphs.interop.bpmn.writer import export_bpmn
from graphs.interop.errors import UnknownDocumentKind
from graphs.interop.formats import BPMN_MODEL_NS
from graphs.interop.report import ReportItem
from graphs.interop.safe_xml import local_name, namespace_of, parse_xml
from graphs.model import Workflow

__all__ = ["export_bpmn", "import_bpmn"]


def import_bpmn(data: bytes) -> tuple[Workflow, list[ReportItem]]:
    """Read a BPMN 2.0 document into a workflow and the report of what did not map."""
    root = parse_xml(data)
    if local_name(root) != "definitions" or namespace_of(root) != BPMN_MODEL_NS:
        raise UnknownDocumentKind(f"an XML document whose root is <{local_name(root)}>, "
                                  "not BPMN 2.0 <definitions>")
    return map_process(read_process(root))
