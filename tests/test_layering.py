"""Dependencies point one way: designer -> runtime -> graphs. Nothing imports upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "graphs": ("runtime", "designer", "flask", "flask_socketio", "sqlmodel", "sqlalchemy"),
    "runtime": ("designer", "flask", "flask_socketio", "flask_login"),
}
# The engine is the pure core: no database, clock, network or threads inside.
PURE = {
    "runtime/engine": (
        "sqlmodel",
        "sqlalchemy",
        "requests",
        "socket",
        "threading",
        "time",
        "random",
        "runtime.store",
        "runtime.services",
        "runtime.executor",
        "runtime.actions",
    ),
    # SLA arithmetic and the routing choices are pure functions as well.
    "runtime/sla": ("sqlmodel", "sqlalchemy", "runtime.store", "runtime.services"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(folder: str, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for name in imported_modules(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_packages_never_import_upward(folder: str) -> None:
    assert offending(folder, FORBIDDEN[folder]) == []


@pytest.mark.parametrize("folder", sorted(PURE))
def test_the_engine_does_no_io(folder: str) -> None:
    assert (ROOT / folder).is_dir()
    assert offending(folder, PURE[folder]) == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from runtime.store import x\nimport flask\n", encoding="utf-8")
    assert imported_modules(sample) == {"runtime.store", "flask"}
