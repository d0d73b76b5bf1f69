"""Which format a document is in, told from its content.

>>> detect_format(b'  {"id": "w"}')
<InteropFormat.BATON: 'baton'>
>>> detect_format(b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')
<InteropFormat.BPMN: 'bpmn'>
>>> detect_format(b'<Flow xmlns="http://soap.sforce.com/2006/04/metadata"/>')
<InteropFormat.SALESFORCE: 'salesforce'>
>>> detect_format(b'<html><body/></html>')
Traceback (most recent call last):
...
graphs.interop.errors.UnknownDocumentKind: not a document Baton can import: an XML document \
whose root is <html>, not BPMN 2.0 <definitions> or a Salesforce <Flow>
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from graphs.interop.errors import UnknownDocumentKind
from graphs.interop.report import InteropFormat
from graphs.interop.safe_xml import local_name, namespace_of, parse_xml

__all__ = ["BPMN_MODEL_NS", "SALESFORCE_METADATA_NS", "detect_format", "format_of_root"]

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SALESFORCE_METADATA_NS = "http://soap.sforce.com/2006/04/metadata"


def detect_format(data: bytes) -> InteropFormat:
    """The format of ``data``: Baton JSON, BPMN 2.0 or a Salesforce flow; else an error."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return InteropFormat.BATON
    if not head.startswith(b"<"):
        raise UnknownDocumentKind(
            "neither JSON nor XML: Baton imports its own JSON, BPMN 2.0 and Salesforce "
            ".flow-meta.xml files"
        )
    return format_of_root(parse_xml(data))


def format_of_root(root: Element) -> InteropFormat:
    """The format an XML document's root element says it is in."""
    name, namespace = local_name(root), namespace_of(root)
    if name == "definitions" and namespace == BPMN_MODEL_NS:
        return InteropFormat.BPMN
    if name == "Flow" and namespace == SALESFORCE_METADATA_NS:
        return InteropFormat.SALESFORCE
    shown = f"<{name}>" if not namespace else f"<{name}> in namespace {namespace}"
    raise UnknownDocumentKind(
        f"an XML document whose root is {shown}, not BPMN 2.0 <definitions> "
        "or a Salesforce <Flow>"
    )
