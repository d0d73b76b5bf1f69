"""Small graph walks over an imported orchestration's connectors: loops and reading order.

>>> sorted(back_edges("a", [("a", "b"), ("b", "c"), ("c", "a")]))
[('c', 'a')]
>>> visit_order("a", [{"source": "a", "target": "c"}, {"source": "c", "target": "b"}])
['a', 'c', 'b']
"""

from __future__ import annotations

from typing import Any

__all__ = ["back_edges", "visit_order"]


def back_edges(start: str, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (source, target) pairs that close a loop in a depth-first walk from ``start``."""
    graph: dict[str, list[str]] = {}
    for source, target in pairs:
        if target:
            graph.setdefault(source, []).append(target)
    back: set[tuple[str, str]] = set()
    done: set[str] = set()
    on_path: set[str] = set()
    roots = [start, *graph]
    for root in roots:
        if root in done:
            continue
        stack = [(root, iter(graph.get(root, [])))]
        on_path.add(root)
        while stack:
            node, targets = stack[-1]
            found = next(targets, None)
            if found is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif found in on_path:
                back.add((node, found))
            elif found not in done:
                on_path.add(found)
                stack.append((found, iter(graph.get(found, []))))
    return back


def visit_order(start: str, edges: list[dict[str, Any]]) -> list[str]:
    """Node ids in breadth-first order from ``start`` along ``edges``."""
    seen: list[str] = []
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node in seen:
            continue
        seen.append(node)
        queue += [e["target"] for e in edges if e["source"] == node]
    return seen
