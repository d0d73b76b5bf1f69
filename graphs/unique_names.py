"""Names unique within one scope: ``base``, else ``base_2``, ``base_3``... (one rule for
every importer and exporter that must invent ids).

>>> names = UniqueNames()
>>> names.take("review"), names.take("review"), names.take("review")
('review', 'review_2', 'review_3')
>>> first_free("end", {"end", "end-2"}, sep="-")
'end-3'
"""

from __future__ import annotations

from collections.abc import Callable, Container

__all__ = ["UniqueNames", "first_free"]


def first_free(
    base: str,
    taken: Container[str],
    *,
    sep: str = "_",
    keep: int | None = None,
    fold: Callable[[str], str] | None = None,
) -> str:
    """``base``, or ``base`` with the first number from 2 that makes it free.

    ``keep`` cuts ``base`` before a number is added (a length limit); ``fold`` compares
    names as it folds them (``str.lower``: case-insensitive scopes).

    >>> first_free("Stage", {"stage"}, fold=str.lower)
    'Stage_2'
    >>> first_free("abcdef", {"abcdef"}, keep=3)
    'abc_2'
    """
    name, n = base, 2
    while (fold(name) if fold else name) in taken:
        name, n = f"{base[:keep]}{sep}{n}", n + 1
    return name


class UniqueNames:
    """A scope that hands out each name once (see :func:`first_free` for the options)."""

    def __init__(
        self, *, sep: str = "_", keep: int | None = None, fold: Callable[[str], str] | None = None
    ) -> None:
        self._taken: set[str] = set()
        self._sep = sep
        self._keep = keep
        self._fold = fold

    def take(self, base: str) -> str:
        """The first free name from ``base``, now taken."""
        name = first_free(base, self._taken, sep=self._sep, keep=self._keep, fold=self._fold)
        self.reserve(name)
        return name

    def reserve(self, name: str) -> None:
        """Mark ``name`` taken as it is (one that came with the document)."""
        self._taken.add(self._fold(name) if self._fold else name)
