"""The workflows shipped with Baton, read as package resources.

>>> example_names()
['access-request', 'insurance-claim', 'support-case']
>>> load_example("support-case").name
'Support case'
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from graphs.io import load_workflow
from graphs.model import Workflow

__all__ = ["example_names", "example_paths", "example_text", "load_example"]


def example_paths() -> dict[str, Traversable]:
    """Every shipped example by name (its file name without ``.json``), sorted by name."""
    found = {
        entry.name.removesuffix(".json"): entry
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".json") and entry.is_file()
    }
    return dict(sorted(found.items()))


def example_names() -> list[str]:
    """The names of the shipped examples, sorted."""
    return list(example_paths())


def example_text(name: str) -> str:
    """The stored JSON text of the example called ``name``."""
    paths = example_paths()
    if name not in paths:
        raise KeyError(f"no example called {name!r}; there are: {', '.join(paths)}")
    return paths[name].read_text(encoding="utf-8")


def load_example(name: str) -> Workflow:
    """The shipped example called ``name`` as a :class:`~graphs.model.Workflow`."""
    return load_workflow(example_text(name))
