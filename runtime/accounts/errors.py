"""Errors of sign-in and account management (the designer maps them to 401/403/429)."""

from __future__ import annotations

from runtime.errors import BatonRuntimeError

__all__ = ["CurrentPasswordWrong", "LoginRefused", "LoginThrottled"]


class LoginRefused(BatonRuntimeError):
    """The name and password do not match an active account."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        # One message for every cause, so a refusal never says which names exist.
        super().__init__("The username or password is wrong, or the account is disabled.")


class LoginThrottled(BatonRuntimeError):
    """Too many failed sign-ins for this account or address; try after ``retry_after`` s."""

    code = "too_many_attempts"
    context = ("retry_after",)

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-ins; try again in {retry_after} seconds."
        )
        self.retry_after = retry_after


class CurrentPasswordWrong(BatonRuntimeError):
    """A password change gave the wrong current password."""

    code = "current_password_wrong"

    def __init__(self) -> None:
        super().__init__("The current password is wrong; the password was not changed.")
