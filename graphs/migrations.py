"""Upgrades of stored workflow documents, one registered function per version step.

Stored workflows carry a ``schema_version``. Loading runs every upgrade from the
document's version up to :data:`graphs.model.SCHEMA_VERSION`, each a pure function
from a plain JSON document of version *n* to one of version *n + 1*, as
SpiffWorkflow's serializer migrations do. Upgrades work on plain dicts, never on the
models: the models only know today's format.

A document without ``schema_version`` is taken to be of the current version, as the
model's default says; documents of older formats always name their version.

Version history
---------------
0
    The pre-release layout. Edges named their ends ``from`` and ``to``; a decision's
    outcomes had no ids and were known by their labels (``{"label": "Urgent",
    "condition": ...}``), an outcome edge named its outcome by label, and the default
    outcome was a bare label string under ``default``. Nodes kept their canvas
    coordinates as top-level ``x`` and ``y``.
1
    Today's format (:mod:`graphs.model`): ``source``/``target``, outcome ids,
    ``default_outcome`` as an outcome object, and ``position: {x, y}``. Later additions
    are optional fields whose defaults keep older documents as they were meant, so they
    need no upgrade: a form field's ``case_field``/``to_case`` and a background step's
    ``outputs_to_case`` (unset: an answer writes the case field of its name and type, an
    output writes none), a case field's ``sensitive``.

>>> old = {"schema_version": 0, "id": "w", "name": "W", "nodes": [
...     {"id": "d", "kind": "decision", "x": 10, "y": 20,
...      "outcomes": [{"label": "Too big", "condition": None}], "default": "Fine"}],
...     "edges": [{"id": "e", "from": "d", "to": "x", "kind": "outcome", "outcome": "Fine"}]}
>>> new = migrate(old)
>>> new["schema_version"], new["edges"][0]["source"], new["edges"][0]["outcome"]
(1, 'd', 'fine')
>>> new["nodes"][0]["default_outcome"], new["nodes"][0]["position"]
({'id': 'fine', 'label': 'Fine'}, {'x': 10, 'y': 20})
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from graphs.errors import UnsupportedSchemaVersion
from graphs.model import SCHEMA_VERSION

__all__ = ["MIGRATIONS", "OLDEST_SCHEMA_VERSION", "document_version", "migrate", "migration"]

Document = dict[str, Any]
Migration = Callable[[Document], Document]

MIGRATIONS: dict[int, Migration] = {}
"""Upgrade functions keyed by the version they upgrade *from*."""

OLDEST_SCHEMA_VERSION = 0
"""The oldest stored format that can still be loaded."""


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register ``func`` as the upgrade from ``from_version`` to ``from_version + 1``."""

    def register(func: Migration) -> Migration:
        if from_version in MIGRATIONS:
            raise ValueError(f"an upgrade from version {from_version} is already registered")
        MIGRATIONS[from_version] = func
        return func

    return register


def document_version(document: Mapping[str, Any]) -> int:
    """The stored format version of ``document``; raises if it is not one we read.

    >>> document_version({}), document_version({"schema_version": 0})
    (1, 0)
    >>> document_version({"schema_version": "one"})
    Traceback (most recent call last):
    ...
    graphs.errors.UnsupportedSchemaVersion: unsupported schema version: schema_version: \
schema_version 'one' is not supported; expected a whole number from 0 to 1
    """
    version = document.get("schema_version", SCHEMA_VERSION)
    # bool is an int to Python but never a version to a person.
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not OLDEST_SCHEMA_VERSION <= version <= SCHEMA_VERSION
    ):
        raise UnsupportedSchemaVersion(version, oldest=OLDEST_SCHEMA_VERSION, newest=SCHEMA_VERSION)
    return version


def migrate(document: Mapping[str, Any]) -> Document:
    """Upgrade a plain workflow document to the current format; the input is not changed.

    Upgrades are defensive: where an old document is malformed they leave that part
    alone, so that model validation reports it by path afterwards.
    """
    version = document_version(document)
    if version == SCHEMA_VERSION:
        # Nothing to change: spare large documents a deep copy.
        return dict(document)
    upgraded: Document = copy.deepcopy(dict(document))
    while version < SCHEMA_VERSION:
        upgraded = MIGRATIONS[version](upgraded)
        version += 1
        upgraded["schema_version"] = version
    return upgraded


def _slug(label: str) -> str:
    """An identifier made from an outcome label.

    >>> _slug("Urgent / high"), _slug("2nd try"), _slug("")
    ('urgent_high', '_2nd_try', 'outcome')
    """
    slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:100]
    if not slug:
        return "outcome"
    return slug if re.match(r"[a-z_]", slug) else f"_{slug}"


@migration(from_version=0)
def _v0_to_v1(document: Document) -> Document:
    nodes = document.get("nodes")
    edges = document.get("edges")
    # decision id -> outcome label -> new outcome id
    outcome_ids: dict[str, dict[str, str]] = {}

    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict):
            continue
        if ("x" in node or "y" in node) and "position" not in node:
            node["position"] = {"x": node.pop("x", 0), "y": node.pop("y", 0)}
        if node.get("kind") != "decision":
            continue
        ids: dict[str, str] = {}
        taken: set[str] = set()

        def fresh_id(label: str, taken: set[str] = taken) -> str:
            base = candidate = _slug(label)
            counter = 2
            while candidate in taken:
                candidate = f"{base}_{counter}"
                counter += 1
            taken.add(candidate)
            return candidate

        outcomes = node.get("outcomes")
        for outcome in outcomes if isinstance(outcomes, list) else []:
            if isinstance(outcome, dict) and "id" not in outcome:
                label = outcome.get("label")
                if isinstance(label, str):
                    outcome["id"] = ids[label] = fresh_id(label)
        default = node.pop("default", None)
        if isinstance(default, str):
            ids[default] = fresh_id(default)
            node["default_outcome"] = {"id": ids[default], "label": default}
        elif default is not None:
            # Not a label: keep it where validation will name it as an unknown field.
            node["default"] = default
        if isinstance(node.get("id"), str):
            outcome_ids[node["id"]] = ids

    for edge in edges if isinstance(edges, list) else []:
        if not isinstance(edge, dict):
            continue
        for old, new in (("from", "source"), ("to", "target")):
            if old in edge and new not in edge:
                edge[new] = edge.pop(old)
        source = edge.get("source")
        labels = outcome_ids.get(source) if isinstance(source, str) else None
        outcome = edge.get("outcome")
        if labels and isinstance(outcome, str) and outcome in labels:
            edge["outcome"] = labels[outcome]
    return document
