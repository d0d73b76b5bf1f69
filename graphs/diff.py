"""What changed between two workflows: nodes and edges added, removed and changed.

Elements are matched by id. An element present in both whose stored form differs is
*changed*, and the diff names the top-level fields that differ, so a node that was
only moved reports ``["position"]``. Defaults are filled in before comparing, so a
field written out with its default value equals the same field left out.

>>> from graphs.model import EndNode, Position, StartNode, Workflow
>>> a = Workflow(id="w", name="W", nodes=[StartNode(id="s"), EndNode(id="e")])
>>> b = a.model_copy(update={"nodes": [StartNode(id="s", position=Position(x=40)),
...                                     EndNode(id="done")]})
>>> d = diff_workflows(a, b)
>>> d.nodes.added, d.nodes.removed, d.nodes.changed
(['done'], ['e'], ['s'])
>>> [(c.id, c.kind, c.fields) for c in d.changes]
[('s', 'node', ['position'])]
>>> d.is_empty(), diff_workflows(a, a).is_empty()
(False, True)

A stage whose steps changed says which steps, and which of their fields:

>>> from graphs.model import BackgroundStep, StageNode
>>> one = BackgroundStep(id="tag", action="set_fields")
>>> a = Workflow(id="w", name="W", nodes=[StageNode(id="t", steps=[one])])
>>> b = a.model_copy(update={"nodes": [StageNode(id="t", steps=[
...     one.model_copy(update={"name": "Tag it", "timeout_seconds": 5}),
...     BackgroundStep(id="log", action="log")])]})
>>> [(s.id, s.status, s.fields) for s in diff_workflows(a, b).changes[0].steps]
[('tag', 'changed', ['name', 'timeout_seconds']), ('log', 'added', [])]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graphs.model import Workflow

__all__ = [
    "Change",
    "ElementChanges",
    "StepChange",
    "WorkflowDiff",
    "diff_elements",
    "diff_workflows",
]

#: Workflow fields compared element by element rather than as a whole.
_ELEMENT_FIELDS = ("nodes", "edges")


class ElementChanges(BaseModel):
    """Ids of the elements of one kind that were added, removed or changed."""

    model_config = ConfigDict(extra="forbid")

    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class StepChange(BaseModel):
    """A step of a changed stage: added, removed, or changed in the named fields."""

    model_config = ConfigDict(extra="forbid")

    id: str
    status: Literal["added", "removed", "changed"]
    fields: list[str] = Field(default_factory=list)


class Change(BaseModel):
    """One changed element and the names of its top-level fields that differ."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["node", "edge"]
    fields: list[str]
    steps: list[StepChange] = Field(
        default_factory=list,
        description="For a stage whose steps changed: each step added, removed or changed",
    )


class WorkflowDiff(BaseModel):
    """The difference between two workflows, ``a`` (from) and ``b`` (to)."""

    model_config = ConfigDict(extra="forbid")

    nodes: ElementChanges = Field(default_factory=ElementChanges)
    edges: ElementChanges = Field(default_factory=ElementChanges)
    changes: list[Change] = Field(
        default_factory=list, description="Every changed node and edge, with its changed fields"
    )
    workflow_fields: list[str] = Field(
        default_factory=list,
        description="Workflow-level fields that differ, such as name or case_schema",
    )

    def is_empty(self) -> bool:
        """Whether the two workflows are the same."""
        return not (
            self.nodes.added
            or self.nodes.removed
            or self.nodes.changed
            or self.edges.added
            or self.edges.removed
            or self.edges.changed
            or self.workflow_fields
        )


def _changed_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    # Keys keep the order of ``b`` then ``a`` so the result reads like the document.
    keys = list(dict.fromkeys([*b, *a]))
    return [key for key in keys if a.get(key) != b.get(key)]


def diff_elements(
    a: Sequence[dict[str, Any]], b: Sequence[dict[str, Any]]
) -> tuple[ElementChanges, list[tuple[str, list[str]]]]:
    """Compare two lists of id-carrying documents.

    Returns
    -------
    tuple
        The added, removed and changed ids, and for each changed id its differing fields.
        When an id appears twice in one list (an invalid draft), the first one counts.

    >>> changes, fields = diff_elements([{"id": "x", "v": 1}], [{"id": "x", "v": 2}])
    >>> changes.changed, fields
    (['x'], [('x', ['v'])])
    """
    before: dict[str, dict[str, Any]] = {}
    for item in a:
        before.setdefault(item["id"], item)
    after: dict[str, dict[str, Any]] = {}
    for item in b:
        after.setdefault(item["id"], item)
    result = ElementChanges(
        added=[key for key in after if key not in before],
        removed=[key for key in before if key not in after],
    )
    fields: list[tuple[str, list[str]]] = []
    for key, item in after.items():
        if key in before and before[key] != item:
            result.changed.append(key)
            fields.append((key, _changed_fields(before[key], item)))
    return result, fields


def _step_changes(a: dict[str, Any], b: dict[str, Any]) -> list[StepChange]:
    """The steps that differ between two versions of a stage document."""
    changes, fields = diff_elements(a.get("steps") or [], b.get("steps") or [])
    changed = dict(fields)
    return [
        *(StepChange(id=key, status="changed", fields=changed[key]) for key in changes.changed),
        *(StepChange(id=key, status="added") for key in changes.added),
        *(StepChange(id=key, status="removed") for key in changes.removed),
    ]


def diff_workflows(a: Workflow, b: Workflow) -> WorkflowDiff:
    """The changes that turn workflow ``a`` into workflow ``b``.

    >>> from graphs.model import Edge, EndNode, StartNode, Workflow
    >>> a = Workflow(id="w", name="W", nodes=[StartNode(id="s"), EndNode(id="e")])
    >>> b = a.model_copy(update={"name": "W2",
    ...                          "edges": [Edge(id="s-e", source="s", target="e")]})
    >>> d = diff_workflows(a, b)
    >>> d.edges.added, d.workflow_fields, d.nodes.changed
    (['s-e'], ['name'], [])
    """
    doc_a = a.model_dump(mode="json")
    doc_b = b.model_dump(mode="json")
    nodes, node_fields = diff_elements(doc_a["nodes"], doc_b["nodes"])
    edges, edge_fields = diff_elements(doc_a["edges"], doc_b["edges"])
    nodes_a = {n["id"]: n for n in doc_a["nodes"]}
    nodes_b = {n["id"]: n for n in doc_b["nodes"]}
    changes = [
        Change(
            id=key,
            kind="node",
            fields=f,
            steps=_step_changes(nodes_a[key], nodes_b[key]) if "steps" in f else [],
        )
        for key, f in node_fields
    ]
    changes += [Change(id=key, kind="edge", fields=f) for key, f in edge_fields]
    top_a = {k: v for k, v in doc_a.items() if k not in _ELEMENT_FIELDS}
    top_b = {k: v for k, v in doc_b.items() if k not in _ELEMENT_FIELDS}
    return WorkflowDiff(
        nodes=nodes,
        edges=edges,
        changes=changes,
        workflow_fields=_changed_fields(top_a, top_b),
    )
