"""One error tree: every public exception class Baton defines derives from ``BatonError``.

Private control-flow exceptions (``_Timeout``, ``_Refused``) never leave their module
and are left out. A domain error in a service module, or one deriving only from a
builtin, would escape the designer's one error handler and the ``code`` every error has.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import pytest

import designer
import graphs
import runtime
from graphs.errors import BatonError


def _modules() -> Iterator[str]:
    for package in (graphs, runtime, designer):
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            if ".migrations." in f"{info.name}.":
                continue
            yield info.name


def _public_exceptions() -> list[type[BaseException]]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            defined_here = cls.__module__ == name
            if defined_here and issubclass(cls, BaseException) and not cls.__name__.startswith("_"):
                found.append(cls)
    return found


def test_public_exceptions_are_found() -> None:
    names = {cls.__name__ for cls in _public_exceptions()}
    assert {"GraphError", "NotFound", "UnknownPlace", "TooFewCases"} <= names


@pytest.mark.parametrize(
    "cls", _public_exceptions(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}"
)
def test_every_error_is_a_baton_error_with_a_code(cls: type[BaseException]) -> None:
    assert issubclass(cls, BatonError), f"{cls.__module__}.{cls.__name__} is outside the tree"
    assert isinstance(getattr(cls, "code", None), str)


@pytest.mark.parametrize(
    "cls", _public_exceptions(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}"
)
def test_errors_live_in_errors_modules(cls: type[BaseException]) -> None:
    assert cls.__module__.rsplit(".", 1)[-1] == "errors"
