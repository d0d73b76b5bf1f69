"""The errors of actions: one failed, or none is registered under a name."""

from __future__ import annotations

from graphs.errors import BatonError

__all__ = ["ActionError", "UnknownAction"]


class ActionError(BatonError):
    """An action failed; ``retryable`` says whether the retry policy should try again."""

    code = "action_failed"

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"ActionError({self.message!r}, retryable={self.retryable})"


class UnknownAction(BatonError, LookupError):
    """No action is registered under this name."""

    code = "unknown_action"

    def __init__(self, name: str, known: list[str], broken: dict[str, str]) -> None:
        self.name = name
        self.known = known
        self.broken = broken
        if name in broken:
            message = f"action {name!r} is registered but failed to load: {broken[name]}"
        else:
            message = f"unknown action {name!r}; known actions: {', '.join(known) or '(none)'}"
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])
