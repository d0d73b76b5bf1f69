"""Validating a posted workflow costs each account no more than its role needs.

``POST /api/validate`` computes and stores nothing, so every role may call it; but a
large document is expensive: reading, parsing and checking 50,000 nodes takes seconds
of CPU, and done on a request thread it holds the interpreter's lock that every other
request waits for (three such validations took the cases list from 46 ms to 2.2 s).
So:

- **size by role**: designers may send what the app accepts (``MAX_CONTENT_LENGTH``);
  every other role, whose pages only check what they are shown, at most
  :data:`OTHER_ROLES_MAX_BYTES` (413 naming the limit, before the body is read);
- **off the request threads**: a body over :data:`INLINE_MAX_BYTES` is parsed and
  checked in a separate process (:data:`POOL_PROCESSES`, started on first use), so
  the web process's threads keep the interpreter; small ones, the canvas's everyday
  checks, stay inline (a few milliseconds);
- **one at a time per account**: an account with a large validation under way gets
  429 ``validation_busy`` (``Retry-After``) for the next, and so does everyone once
  :data:`MAX_QUEUED` large validations are under way or waiting.

Reading a stored document is bounded the same way (:func:`bound_read`): a draft or
version over :data:`OTHER_ROLES_MAX_BYTES` is loaded, checked and sent only to
designers (403 ``too_large_for_role`` for the others, answered from its stored size
without loading it); the pages of other roles draw versions far smaller than that.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from designer.api.http import body_bytes, json_body, require_json
from designer.api.schemas import ValidateBody
from designer.auth.identity import current_principal
from designer.errors import TooLargeForRole, TooLargeToRead, ValidationBusy
from designer.validation_child import problems_of_body
from graphs.problems import Problem
from graphs.validation import validate
from runtime.accounts.roles import Role
from runtime.actions.registry import action_catalogue

__all__ = [
    "INLINE_MAX_BYTES",
    "MAX_QUEUED",
    "OTHER_ROLES_MAX_BYTES",
    "POOL_PROCESSES",
    "ValidationSlot",
    "bound_read",
    "check_in_pool",
    "max_bytes_for",
    "validate_posted",
]

logger = logging.getLogger("baton.designer")

OTHER_ROLES_MAX_BYTES = 1024 * 1024
"""The largest document a supervisor, agent or viewer may have validated (1 MiB)."""

INLINE_MAX_BYTES = 256 * 1024
"""Bodies up to this size are checked on the request thread (the shipped examples are
a few tens of KiB); larger ones in the pool."""

POOL_PROCESSES = 1
"""Processes checking large documents; each takes a core while it works."""

MAX_QUEUED = 4
"""Large validations under way or waiting, for all accounts together."""

_POOL = "baton.validation_pool"
_DESIGNERS = frozenset({Role.ADMIN})


def bound_read(nbytes: int) -> None:
    """Refuse the current account a stored document of ``nbytes`` its role may not read."""
    principal = current_principal()
    if principal is None or principal.role in _DESIGNERS or nbytes <= OTHER_ROLES_MAX_BYTES:
        return
    raise TooLargeToRead(
        f"This workflow is {nbytes:,} bytes as stored; a {principal.role.value} may read "
        f"documents of up to {OTHER_ROLES_MAX_BYTES:,} bytes (designers may read any).",
        {"bytes": nbytes, "max_bytes": OTHER_ROLES_MAX_BYTES},
    )


def max_bytes_for(role: Role, app_limit: int | None) -> int | None:
    """The largest body ``role`` may send to ``POST /api/validate``.

    >>> max_bytes_for(Role.VIEWER, 32 * 1024 * 1024)
    1048576
    >>> max_bytes_for(Role.ADMIN, 32 * 1024 * 1024)
    33554432
    """
    if role in _DESIGNERS:
        return app_limit
    return OTHER_ROLES_MAX_BYTES if app_limit is None else min(app_limit, OTHER_ROLES_MAX_BYTES)


class _Pool:
    """The worker processes of one app, and who has a validation under way in them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accounts: set[int] = set()
        self.executor: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        with self.lock:
            if self.executor is None:
                # spawn: forking a process whose threads hold locks can deadlock the child.
                self.executor = ProcessPoolExecutor(
                    POOL_PROCESSES, mp_context=multiprocessing.get_context("spawn")
                )
            return self.executor

    def close(self) -> None:
        with self.lock:
            executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _pool(app: Flask) -> _Pool:
    found: _Pool | None = app.extensions.get(_POOL)
    if found is None:
        found = app.extensions.setdefault(_POOL, _Pool())
        weakref.finalize(app, found.close)
    return found


class ValidationSlot:
    """Hold one of the large-validation places for ``account_id`` (429 if none is free)."""

    def __init__(self, app: Flask, account_id: int) -> None:
        self._pool = _pool(app)
        self._account = account_id

    def __enter__(self) -> ValidationSlot:
        pool = self._pool
        with pool.lock:
            if self._account in pool.accounts:
                raise ValidationBusy(
                    "A validation of yours is still under way; send the next once it is answered.",
                    {"retry_after": 2},
                )
            if len(pool.accounts) >= MAX_QUEUED:
                raise ValidationBusy(
                    "The server is validating as many large documents as it may; try "
                    "again shortly.",
                    {"retry_after": 2},
                )
            pool.accounts.add(self._account)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._pool.lock:
            self._pool.accounts.discard(self._account)


def check_in_pool(app: Flask, data: bytes) -> list[Problem] | None:
    """:func:`problems_of_body` in a pool process of ``app`` (hold a :class:`ValidationSlot`)."""
    pool = _pool(app)
    try:
        found = pool.get().submit(problems_of_body, data, action_catalogue()).result()
    except BrokenProcessPool:
        # The process died (killed, out of memory): the next validation gets a new one.
        logger.error("the validation process stopped; starting another for the next")
        pool.close()
        raise ValidationBusy(
            "The validation process stopped while checking this document; try again shortly.",
            {"retry_after": 2},
        ) from None
    if found is None:
        return None
    return [Problem.model_validate(problem) for problem in found]


def validate_posted() -> list[Problem]:
    """The problems of the request's ``{"workflow": ...}`` body, within the caller's bounds."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    principal = current_principal()
    assert principal is not None  # the guard admits accounts only
    limit = max_bytes_for(principal.role, app.config.get("MAX_CONTENT_LENGTH"))

    def too_large() -> TooLargeForRole:
        return TooLargeForRole(
            f"A {principal.role.value} may have documents of up to {limit or 0:,} bytes validated.",
            {"max_bytes": limit},
        )

    if limit is not None and (request.content_length or 0) > limit:
        raise too_large()  # refused before reading a byte
    require_json()
    request.max_content_length = limit  # a chunked body is cut off there
    try:
        data = body_bytes()
    except RequestEntityTooLarge:
        raise too_large() from None
    problems = None
    if len(data) > INLINE_MAX_BYTES:
        with ValidationSlot(app, principal.account_id):
            problems = check_in_pool(app, data)
    if problems is None:  # small, or not a document (json_body says what is wrong)
        problems = validate(json_body(ValidateBody).workflow, actions=action_catalogue())
    return problems
