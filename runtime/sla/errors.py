"""What the SLA package refuses: each a :class:`~runtime.errors.BatonRuntimeError`."""

from __future__ import annotations

from runtime.errors import InvalidInput

__all__ = ["UnknownPlace"]


class UnknownPlace(InvalidInput, ValueError):
    """A country or region code the holidays package does not know; ``field`` names which."""

    code = "unknown_place"
    context = ("field",)

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
