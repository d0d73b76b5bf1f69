"""What can go wrong around an AI call, as one small tree."""

from __future__ import annotations

from graphs.errors import BatonError

__all__ = ["AiError", "BudgetReached", "ProviderError", "TooFewCases"]


class AiError(BatonError):
    """An AI call did not give a usable answer; ``retryable`` says whether trying again may."""

    code = "ai_error"

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class ProviderError(AiError):
    """The provider failed (refused the key, overloaded, too slow, answered nonsense)."""

    code = "ai_provider_error"

    def __init__(self, message: str, *, retryable: bool, status: int | None = None) -> None:
        super().__init__(message, retryable=retryable)
        self.status = status


class BudgetReached(AiError):
    """The workflow's daily AI budget is spent: the call was not sent."""

    code = "ai_budget_reached"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class TooFewCases(AiError, ValueError):
    """Not enough labelled cases (or only one label) to train on."""

    code = "ai_too_few_cases"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)
