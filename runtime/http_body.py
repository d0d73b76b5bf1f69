"""Reading an HTTP answer's body without holding more of it than a limit."""

from __future__ import annotations

import requests

__all__ = ["read_capped"]


def read_capped(response: requests.Response, limit: int) -> tuple[bytes, bool]:
    """The streamed body, cut at ``limit`` bytes, and whether it was longer.

    Reading stops at the first chunk past the limit: an endless answer costs no more.
    """
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=16384):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
