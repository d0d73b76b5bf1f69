"""Accounts and what they may do: roles, passwords, API tokens, sign-in throttling.

``roles`` names the four roles; ``credentials`` and ``throttle`` are pure (hashing,
minting tokens, throttling arithmetic); ``service`` stores accounts and tokens through
keyword-only functions taking the caller's session; ``sessions`` keeps the signed-in
browser sessions; ``ownership`` answers what an agent owns. The designer decides who
may call which endpoint (``designer.auth.policy``).
"""

from __future__ import annotations

from runtime.accounts.roles import Role

__all__ = ["Role"]
