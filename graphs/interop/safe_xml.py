"""Reading XML from other tools safely: no DTDs, no entity expansion, no external references.

Every importer parses through :func:`parse_xml`, so a billion-laughs document or an
external entity is refused the same way everywhere, and malformed XML names its line
and column.

>>> parse_xml(b"<a><b/></a>").tag
'a'
>>> parse_xml(b"<a><b></a>")
Traceback (most recent call last):
...
graphs.interop.errors.MalformedXMLError: malformed XML: line 1, column 9: mismatched tag
>>> parse_xml(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphs.interop.errors.UnsafeXMLError: unsafe XML refused: the document declares a DTD, ...
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from graphs.errors import DocumentTooLarge
from graphs.interop.errors import MalformedXMLError, UnsafeXMLError

__all__ = ["MAX_IMPORT_BYTES", "local_name", "namespace_of", "parse_xml"]

MAX_IMPORT_BYTES = 32 * 1024 * 1024
"""The largest document an import reads, as for Baton's own JSON documents."""


def parse_xml(data: bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> Element:
    """Parse ``data`` into an element tree, refusing DTDs, entities and oversized input."""
    if len(data) > max_bytes:
        raise DocumentTooLarge(len(data), max_bytes)
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException:
        raise UnsafeXMLError(
            "the document declares a DTD, entities or external references, "
            "which Baton never reads"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        raise MalformedXMLError(reason, line=line, column=column + 1) from None
    return root


def namespace_of(element: Element) -> str:
    """The namespace URI of an element's tag, or ``""``.

    >>> namespace_of(parse_xml(b'<d xmlns="urn:x"/>'))
    'urn:x'
    """
    tag = element.tag
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def local_name(element: Element) -> str:
    """An element's tag without its namespace.

    >>> local_name(parse_xml(b'<d xmlns="urn:x"/>'))
    'd'
    """
    return element.tag.rsplit("}", 1)[-1]
