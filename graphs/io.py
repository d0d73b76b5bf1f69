"""Reading and writing workflow documents: JSON in, :class:`Workflow` out, and back.

Loading checks, in order: the size limit, that the text is UTF-8 JSON (naming the line
and column where it is not), that the JSON is a workflow at all, the
``schema_version`` (older formats upgrade through :mod:`graphs.migrations`), and
finally the shape of every element, strictly: ``"60"`` is not a number and an unknown
field is an error. Every problem found by the model is reported at once, each with
its path in the document. The graph rules live in :mod:`graphs.validation`.

Dumping is canonical: fields equal to their defaults are left out (except ``id``,
``name``, ``kind`` and ``schema_version``, which say what an element is), keys keep
a fixed order, and whole-number coordinates are written without ``.0``. Equal
workflows therefore dump to equal text, and ``load -> dump -> load`` is the identity.

>>> wf = load_workflow('{"id": "w", "name": "Tiny", "nodes": ['
...     '{"id": "start", "kind": "start", "position": {"x": 0, "y": 40.5}}]}')
>>> wf.nodes[0].position.y
40.5
>>> print(dump_workflow(wf))
{
  "id": "w",
  "name": "Tiny",
  "schema_version": 1,
  "nodes": [
    {
      "id": "start",
      "kind": "start",
      "name": "",
      "position": {
        "y": 40.5
      }
    }
  ]
}
<BLANKLINE>
>>> load_workflow('{"id": "w", "name": "Tiny",\\n "nodes": [}')
Traceback (most recent call last):
...
graphs.errors.MalformedJSONError: malformed JSON: line 2, column 12: Expecting value
"""

from __future__ import annotations

import difflib
import functools
import json
import types
import typing
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Union

import pydantic_core
from pydantic import BaseModel, ValidationError

from graphs.errors import (
    DocumentTooLarge,
    FormatIssue,
    MalformedJSONError,
    NotAWorkflowError,
    UnreadableDocumentError,
    WorkflowFormatError,
)
from graphs.migrations import document_version, migrate
from graphs.model import SCHEMA_VERSION, Workflow

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "describe_value",
    "document_to_workflow",
    "dump_workflow",
    "load_workflow",
    "parse_document",
    "workflow_to_document",
]

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
"""The largest workflow document accepted: 32 MiB.

Measured: the shipped examples take about 2 kB per node as dumped, and a generated
10,000-node workflow about 19 MB, which loads in about half a second (2 s on a busy
2-core machine) and must still fit.
"""

# Keys that tell a JSON object is meant to be a workflow, even a broken one.
_WORKFLOW_KEYS = frozenset({"nodes", "edges", "name", "schema_version", "case_schema", "trigger"})
# Written even when equal to their default: they say what an element is.
_ALWAYS_WRITTEN = frozenset({"id", "name", "kind", "schema_version"})
# Collection field -> what one element of it is called in messages.
_ELEMENT_NOUNS = {
    "nodes": "node",
    "edges": "edge",
    "steps": "step",
    "outcomes": "outcome",
    "case_schema": "case field",
    "form": "form field",
}
_MISSING: Any = object()


# ----------------------------------------------------------------------------- loading


def load_workflow(
    source: str | bytes | Path | Mapping[str, Any], *, max_bytes: int = MAX_DOCUMENT_BYTES
) -> Workflow:
    """Read a workflow from JSON text, UTF-8 bytes, a file, or an already parsed mapping.

    A ``str`` is JSON text, never a file name: pass a :class:`~pathlib.Path` for a file.

    Raises
    ------
    WorkflowFormatError
        With every located issue when the document is not a readable workflow; its
        subclasses :class:`~graphs.errors.NotAWorkflowError`,
        :class:`~graphs.errors.DocumentTooLarge` and
        :class:`~graphs.errors.UnsupportedSchemaVersion` say which way it failed.
    """
    if isinstance(source, Mapping):
        return document_to_workflow(source)
    text = _text(source, max_bytes)
    return document_to_workflow(_parse(text), _text=text)


def parse_document(source: str | bytes | Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse JSON text, bytes or a file into plain data, enforcing the size limit.

    >>> parse_document(b'{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> parse_document('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    graphs.errors.MalformedJSONError: malformed JSON: duplicate key 'a' in an object
    """
    return _parse(_text(source, max_bytes))


def document_to_workflow(document: Any, *, _text: str | None = None) -> Workflow:
    """Build a :class:`Workflow` from parsed JSON, upgrading older formats first."""
    _require_workflow_shape(document)
    if document_version(document) == SCHEMA_VERSION and _text is not None:
        # Already checked for duplicate keys and NaN: validate the text as it came.
        checked, text = document, _text
    else:
        checked = migrate(document)
        text = json.dumps(checked)
    try:
        # From JSON text so that strict mode takes enum values as the strings they are.
        return Workflow.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise WorkflowFormatError(_issues_from(exc, checked)) from None


def _text(source: str | bytes | Path, max_bytes: int) -> str:
    if isinstance(source, Path):
        source = _read_file(source, max_bytes)
    if isinstance(source, bytes):
        if len(source) > max_bytes:
            raise DocumentTooLarge(len(source), max_bytes)
        return _decode(source)
    # Characters take 1-4 bytes in UTF-8: only encode when the length leaves it open.
    if len(source) * 4 > max_bytes and (size := len(source.encode("utf-8"))) > max_bytes:
        raise DocumentTooLarge(size, max_bytes)
    return source


def _parse(text: str) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_object_without_duplicates, parse_constant=_no_constant
        )
    except json.JSONDecodeError as exc:
        issue = FormatIssue(exc.msg, line=exc.lineno, column=exc.colno)
        raise MalformedJSONError([issue]) from None
    except _JSONValueError as exc:
        raise MalformedJSONError([FormatIssue(str(exc))]) from None
    except RecursionError:
        # Thousands of nested brackets: no workflow is shaped like that.
        raise MalformedJSONError([FormatIssue("nested too deeply to read")]) from None


class _JSONValueError(ValueError):
    pass


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # The json module keeps the last of duplicate keys; a stored workflow must not
    # silently lose the first.
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _JSONValueError(f"duplicate key {key!r} in an object")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise _JSONValueError(f"{name} is not a JSON value; numbers must be finite")


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise DocumentTooLarge(path.stat().st_size, max_bytes)
            return data
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UnreadableDocumentError(f"cannot read {path}: {reason}") from None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        issue = FormatIssue(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line=line, column=column
        )
        raise MalformedJSONError([issue]) from None


def describe_value(value: Any) -> str:
    """What a JSON value is, in words, for messages.

    >>> [describe_value(v) for v in (None, True, 3, "x", [], {})]
    ['null', 'true', 'the number 3', "the string 'x'", 'a list', 'an object']
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _require_workflow_shape(document: Any) -> None:
    if not isinstance(document, Mapping):
        raise NotAWorkflowError(
            f"expected a JSON object describing a workflow, found {describe_value(document)}"
        )
    if not _WORKFLOW_KEYS & document.keys():
        keys = sorted(str(key) for key in document)
        shown = ", ".join(repr(key) for key in keys[:8]) + (", ..." if len(keys) > 8 else "")
        found = f"the keys {shown}" if keys else "no keys at all"
        raise NotAWorkflowError(
            f"a workflow is an object with 'id', 'name', 'nodes' and 'edges'; this one has {found}"
        )


# ------------------------------------------------------------ locating model errors


def _strip(annotation: Any) -> Any:
    """The annotation without ``Annotated`` metadata and without ``None`` in a union."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
        return Union[tuple(_strip(member) for member in members)]  # noqa: UP007
    return annotation


def _union_tags(annotation: Any) -> dict[str, type[BaseModel]]:
    """The ``kind`` tags of a discriminated union of models, mapped to their classes."""
    if typing.get_origin(annotation) not in (Union, types.UnionType):
        return {}
    tags: dict[str, type[BaseModel]] = {}
    for member in typing.get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("kind")
            if kind is not None and typing.get_origin(kind.annotation) is typing.Literal:
                for tag in typing.get_args(kind.annotation):
                    tags[str(tag)] = member
    return tags


def _child(annotation: Any, key: str | int) -> Any:
    """The annotation of ``key`` inside a value annotated ``annotation`` (None if unknown)."""
    origin = typing.get_origin(annotation)
    if isinstance(key, int):
        return _strip(typing.get_args(annotation)[0]) if origin is list else None
    if origin is dict:
        return _strip(typing.get_args(annotation)[1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(key)
        return _strip(field.annotation) if field is not None else None
    return None


def _path_text(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


_TYPE_WORDS = {
    "string_type": "expected a string",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "list_type": "expected a list",
}


def _sentence(error: Mapping[str, Any], annotation: Any, parent: Any, tags: list[str]) -> str:
    kind = error["type"]
    value = error.get("input", _MISSING)
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        sentence = "unknown field"
        if isinstance(parent, type) and issubclass(parent, BaseModel):
            name = str(error["loc"][-1])
            close = difflib.get_close_matches(name, list(parent.model_fields), n=1)
            if close:
                sentence += f" (did you mean {close[0]!r}?)"
        return sentence
    expected = ", ".join(repr(tag) for tag in tags)
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return f"unknown kind {tag!r}; expected one of {expected}"
    if kind == "union_tag_not_found":
        return f"required field is missing; it says what this element is: one of {expected}"
    if kind == "string_pattern_mismatch":
        return (
            f"{describe_value(value)} is not a valid id: use letters, digits, '_' and '-', "
            "starting with a letter or '_'"
        )
    words = _TYPE_WORDS.get(kind)
    if words is None:
        message = str(error["msg"])
        words = message[:1].lower() + message[1:]
        if kind in ("enum", "literal_error"):
            words = words.replace("input should be", "expected", 1)
    if (value is not _MISSING and not isinstance(value, dict | list)) or kind in _TYPE_WORDS:
        words += f", got {describe_value(value)}"
    return words


def _issues_from(exc: ValidationError, document: Any) -> list[FormatIssue]:
    issues: list[FormatIssue] = []
    for error in exc.errors(include_url=False):
        annotation: Any = Workflow
        parent: Any = None
        data: Any = document
        parts: list[str | int] = []
        where: list[str] = []
        last_field = ""
        for key in error["loc"]:
            tags = _union_tags(annotation)
            if isinstance(key, str) and key in tags:
                # A discriminated union's tag: pydantic's bookkeeping, not the document's.
                annotation = tags[key]
                continue
            parent = annotation
            annotation = _child(annotation, key)
            parts.append(key)
            if isinstance(key, int):
                data = data[key] if isinstance(data, list) and key < len(data) else _MISSING
                noun = _ELEMENT_NOUNS.get(last_field)
                # Fields are known by name, every other element by id.
                name = data.get("id", data.get("name")) if isinstance(data, dict) else None
                if noun and isinstance(name, str):
                    where.append(f"{noun} {name!r}")
            else:
                data = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
                last_field = key
        tag_names = list(_union_tags(annotation))
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            parts.append("kind")
        issues.append(
            FormatIssue(
                _sentence(error, annotation, parent, tag_names),
                path=_path_text(parts) or None,
                where=", ".join(where) or None,
            )
        )
    return issues


# ----------------------------------------------------------------------------- dumping


def dump_workflow(workflow: Workflow) -> str:
    """The workflow as canonical, readable JSON text (two-space indent, final newline)."""
    document = workflow_to_document(workflow)
    # pydantic-core writes the same text as json.dumps(indent=2, ensure_ascii=False)
    # ten times faster, and floats in their shortest exact form.
    return pydantic_core.to_json(document, indent=2).decode("utf-8") + "\n"


def workflow_to_document(workflow: Workflow) -> dict[str, Any]:
    """The workflow as the plain data :func:`dump_workflow` writes.

    >>> from graphs.model import Edge
    >>> wf = Workflow(id="w", name="W", edges=[Edge(id="e", source="a", target="b")])
    >>> workflow_to_document(wf)["edges"]
    [{'id': 'e', 'kind': 'next', 'source': 'a', 'target': 'b'}]
    """
    return _prune(workflow, workflow.model_dump(mode="json"))


@functools.cache
def _field_facts(model: type[BaseModel]) -> tuple[tuple[str, bool, Any, bool], ...]:
    """Per field: name, whether it may be left out, its default, whether it is a float."""
    # Computing defaults is slow in pydantic (it inspects factories); once per class.
    facts = []
    for name, field in model.model_fields.items():
        optional = name not in _ALWAYS_WRITTEN and not field.is_required()
        default = field.get_default(call_default_factory=True) if optional else None
        facts.append((name, optional, default, _strip(field.annotation) is float))
    return tuple(facts)


def _prune(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    pruned: dict[str, Any] = {}
    for name, optional, default, is_float in _field_facts(type(model)):
        value = getattr(model, name)
        if optional and value == default:
            continue
        pruned[name] = _prune_value(value, data[name], is_float)
    # Identity first, canvas position last: the order a person reads an element in.
    ordered: dict[str, Any] = {key: pruned.pop(key) for key in ("id", "kind") if key in pruned}
    ordered.update(pruned)
    if "position" in ordered:
        ordered["position"] = ordered.pop("position")
    return ordered


def _prune_value(value: Any, data: Any, is_float: bool) -> Any:
    if isinstance(value, BaseModel):
        return _prune(value, data)
    if isinstance(value, list):
        pairs = zip(value, data, strict=True)
        return [_prune_value(item, item_data, False) for item, item_data in pairs]
    if isinstance(value, dict):
        return {key: _prune_value(value[key], data[key], False) for key in value}
    if isinstance(value, Enum):
        return data
    if is_float and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return data
