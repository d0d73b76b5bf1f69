"""Password hashing (argon2id) and API token minting; no I/O.

>>> token = new_token()
>>> token.startswith(TOKEN_PREFIX) and len(token_hash(token)) == 64
True
>>> verify_password(hash_password("correct horse"), "correct horse")
True
"""

from __future__ import annotations

import hashlib
import secrets as _random

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "dummy_verify",
    "hash_password",
    "needs_rehash",
    "new_password",
    "new_session_key",
    "new_token",
    "token_hash",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "baton_"

# argon2id with the library's defaults (RFC 9106's low-memory profile).
_hasher = PasswordHasher()
# Checked against when the account does not exist, so that an unknown name takes as long
# to refuse as a wrong password and does not give away which names exist.
_DUMMY_HASH = _hasher.hash(_random.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; the text encodes its parameters)."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time a real check takes, for an account that does not exist."""
    verify_password(_DUMMY_HASH, password)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)


def new_password() -> str:
    """A random password to hand out once (demo accounts, resets)."""
    return _random.token_urlsafe(12)


def new_session_key() -> str:
    """A browser session's key, 256 random bits: the signed cookie carries it."""
    return _random.token_urlsafe(32)


def new_token() -> str:
    """A new API token: a recognisable prefix and 256 random bits."""
    return TOKEN_PREFIX + _random.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the store keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
