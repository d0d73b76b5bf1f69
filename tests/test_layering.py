"""Dependencies point one way: designer -> runtime -> graphs. Nothing imports upward.

And the pure packages change nothing about the process they run in: no garbage
collector switched off, no signal handlers, no environment or logging set up. Those
are the application's choices (or a benchmark's), made once where it starts.
"""

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


# Pure packages: their code may not touch process-wide state. A name here is banned
# wherever it appears; a prefix ending in "." bans the whole module or object.
NO_SIDE_EFFECTS = ("graphs", "runtime/engine")
PROCESS_WIDE = (
    "gc.",
    "signal.",
    "faulthandler.",
    "atexit.register",
    "sys.setrecursionlimit",
    "sys.setswitchinterval",
    "sys.settrace",
    "sys.setprofile",
    "sys.path.",
    "sys.stdout.reconfigure",
    "os.environ.update",
    "os.environ.setdefault",
    "os.environ.pop",
    "os.environ.popitem",
    "os.environ.clear",
    "os.putenv",
    "os.unsetenv",
    "os.chdir",
    "os.umask",
    "locale.setlocale",
    "logging.basicConfig",
    "logging.disable",
    "logging.captureWarnings",
    "logging.root.",
    "warnings.filterwarnings",
    "warnings.simplefilter",
    "warnings.resetwarnings",
    "random.seed",
)


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _process_wide(name: str) -> bool:
    return any(name.startswith(b) or name == b.rstrip(".") for b in PROCESS_WIDE)


def process_wide_effects(path: Path) -> list[str]:
    """``<line> <what>`` for each use in ``path`` of something that changes the process."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    aliases = _aliases(tree)
    found: set[tuple[int, str]] = set()
    inner: set[int] = set()  # the ``a.b`` of ``a.b.c``: judged as part of the whole name
    for node in ast.walk(tree):  # parents come before their children
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
        if id(node) in inner:
            continue
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            if _dotted(node.value, aliases) == "os.environ":  # os.environ["X"] = ...
                found.add((node.lineno, "writes os.environ"))
        elif isinstance(node, ast.Attribute | ast.Name) and not isinstance(node.ctx, ast.Store):
            name = _dotted(node, aliases)
            if name is not None and _process_wide(name):
                found.add((node.lineno, f"uses {name}"))
    return [f"{line} {what}" for line, what in sorted(found)]


@pytest.mark.parametrize("folder", NO_SIDE_EFFECTS)
def test_pure_packages_change_nothing_process_wide(folder: str) -> None:
    assert (ROOT / folder).is_dir()
    found = [
        e for path in sorted((ROOT / folder).rglob("*.py")) for e in process_wide_effects(path)
    ]
    assert found == []


def test_the_checker_sees_process_wide_effects(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import gc\n"
        "import os\n"
        "import sys as system\n"
        "from logging import basicConfig\n"
        "from os import environ\n"
        "gc.disable()\n"
        "system.setrecursionlimit(10_000)\n"
        "basicConfig(level=10)\n"
        "environ['TZ'] = 'UTC'\n"
        "os.environ.update(A='1')\n"
        "value = os.environ.get('HOME')\n",
        encoding="utf-8",
    )
    assert process_wide_effects(sample) == [
        "6 uses gc.disable",
        "7 uses sys.setrecursionlimit",
        "8 uses logging.basicConfig",
        "9 writes os.environ",
        "10 uses os.environ.update",
    ]
