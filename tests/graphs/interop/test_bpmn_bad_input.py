"""Bad BPMN input: a clear error naming what is wrong, never a traceback or a silent drop."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphs.errors import DocumentTooLarge, WorkflowFormatError
from graphs.interop import (
    InteropFormat,
    MalformedXMLError,
    NothingToImport,
    UnknownDocumentKind,
    UnsafeXMLError,
    import_document,
)
from graphs.interop.bpmn import import_bpmn

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def test_malformed_xml_names_its_line_and_column() -> None:
    data = f'<definitions xmlns="{MODEL}">\n  <process id="p">\n    <task id="t">\n</process>'
    with pytest.raises(MalformedXMLError) as caught:
        import_document(data.encode())
    assert "line 4, column 3" in str(caught.value)
    assert caught.value.issues[0].line == 4


def test_entity_expansion_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<definitions xmlns="{MODEL}"><process id="p" name="&c;"/></definitions>'
    )
    with pytest.raises(UnsafeXMLError):
        import_document(laughs.encode(), format=InteropFormat.BPMN)


def test_an_external_entity_is_never_read() -> None:
    external = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<definitions xmlns="{MODEL}"><process id="p" name="&x;"/></definitions>'
    )
    with pytest.raises(UnsafeXMLError) as caught:
        import_bpmn(external.encode())
    assert "passwd" not in str(caught.value) and "root:" not in str(caught.value)


def test_an_oversized_document_is_refused_with_its_size() -> None:
    data = f'<definitions xmlns="{MODEL}"><process id="p"/></definitions>'.encode()
    with pytest.raises(DocumentTooLarge) as caught:
        import_document(data + b" " * 2000, max_bytes=1000)
    assert f"{len(data) + 2000:,} bytes" in str(caught.value)


@pytest.mark.parametrize(("data", "says"), [
    (b"<html><body>Hello</body></html>", "<html>"),
    (b'<Flow xmlns="urn:other"><label>x</label></Flow>', "<Flow> in namespace urn:other"),
    (b"%PDF-1.4 binary", "neither JSON nor XML"),
])
def test_a_document_of_another_kind_says_what_it_is(data: bytes, says: str) -> None:
    with pytest.raises(UnknownDocumentKind) as caught:
        import_document(data)
    assert says in str(caught.value)


def test_the_bpmn_importer_given_another_xml_says_what_it_got() -> None:
    with pytest.raises(UnknownDocumentKind) as caught:
        import_bpmn(b"<rss><channel/></rss>")
    assert "<rss>" in str(caught.value)


def test_a_process_without_a_start_event_imports_nothing_and_says_so() -> None:
    data = f'<definitions xmlns="{MODEL}"><process id="p"><task id="t"/></process></definitions>'
    with pytest.raises(NothingToImport) as caught:
        import_document(data.encode())
    assert "start event" in str(caught.value)


@pytest.mark.parametrize(("broken", "reported", "problem"), [
    ('<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>',
     ("f", "not_imported"), "no_end"),
    ('<startEvent id="s"/><boundaryEvent id="b" attachedToRef="ghost"><timerEventDefinition/>'
     "</boundaryEvent>", ("b", "not_imported"), "no_end"),
    ('<startEvent id="s"/><task id="s"/><endEvent id="e"/>'
     '<sequenceFlow id="f" sourceRef="s" targetRef="e"/>', ("s", "not_imported"), None),
    ('<startEvent id="s"/><task/><endEvent id="e"/>'
     '<sequenceFlow id="f" sourceRef="s" targetRef="e"/>', ("(a task)", "not_imported"), None),
    ('<startEvent id="1 bad id"/><userTask id="u" name=""/>'
     '<sequenceFlow id="f" sourceRef="1 bad id" targetRef="u"/>', None, "no_end"),
])
def test_broken_models_import_with_their_report_and_problems(
    broken: str, reported: tuple[str, str] | None, problem: str | None
) -> None:
    data = f'<definitions xmlns="{MODEL}"><process id="p">{broken}</process></definitions>'
    result = import_document(data.encode())
    assert result.workflow.nodes[0].kind == "start"
    items = [(i.element_id, i.kind.value) for i in result.report]
    assert items == ([reported] if reported else [])
    codes = {p.code.value for p in result.problems}
    assert (problem in codes) if problem else not codes


def test_a_broken_baton_extension_is_reported_and_the_element_read_as_bpmn() -> None:
    data = (
        f'<definitions xmlns="{MODEL}" xmlns:baton="https://baton.example/schema/bpmn/1">'
        '<process id="p"><startEvent id="s"/>'
        "<userTask id=\"u\"><extensionElements><baton:step>{not json</baton:step>"
        "</extensionElements></userTask>"
        '<endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
        '<sequenceFlow id="f2" sourceRef="u" targetRef="e"/></process></definitions>'
    )
    result = import_document(data.encode())
    assert [(i.element_id, i.element_type, i.kind.value) for i in result.report] == [
        ("u", "baton:step", "approximated")]
    assert [n.kind for n in result.workflow.nodes] == ["start", "stage", "end"]


CORPUS = sorted((Path(__file__).parent / "corpus" / "bpmn").rglob("*.bpmn"))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CORPUS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3)),
                                         min_size=1, max_size=6))
def test_a_damaged_real_file_imports_or_is_refused_but_never_crashes(
    path: Path, damage: list[tuple[int, int]]
) -> None:
    try:
        root = ET.fromstring(path.read_bytes())
    except ET.ParseError:
        return  # the corpus keeps a malformed file on purpose
    for where, how in damage:
        elements = list(root.iter())
        element = elements[where % len(elements)]
        if how == 0:  # drop an element
            parent = next((p for p in root.iter() if element in list(p)), None)
            if parent is not None:
                parent.remove(element)
        elif how == 1 and element.attrib:  # drop an attribute
            del element.attrib[sorted(element.attrib)[where % len(element.attrib)]]
        elif how == 2 and element.attrib:  # point a reference somewhere else
            element.attrib[sorted(element.attrib)[where % len(element.attrib)]] = "Task_1"
        else:  # garble the text
            element.text = "{not json ${a > "
    try:
        result = import_document(ET.tostring(root))
    except WorkflowFormatError:
        return
    assert result.workflow.name
