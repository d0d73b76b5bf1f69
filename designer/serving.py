"""``baton run``'s web server: Werkzeug's threaded server, keeping connections open.

Werkzeug answers every request with ``Connection: close``, because after a response it
reads and discards whatever the client still sends (a body the app did not read, so
that the client sees a 413 instead of a reset), which on a kept connection would eat
the next request. Every API call of an integration then paid a new TCP connection and
a new thread: about a fifth of the server's CPU per change in ``benchmarks/stream.py``,
and most of the driver's.

:class:`KeepAliveRequestHandler` keeps HTTP/1.1 connections open when that is safe: it
hands Werkzeug a reader that ends where the request's body ends (``Content-Length``),
so the discarding reads that body's unread rest and nothing beyond it. A request with a
chunked body, a WebSocket upgrade, or a body too large to discard cheaply ends its
connection as before. An idle kept connection is closed after
:data:`KEEP_ALIVE_IDLE_S`, which frees its thread; clients reconnect as they would.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler

__all__ = ["KEEP_ALIVE_IDLE_S", "KeepAliveRequestHandler", "freeze_startup_heap"]

KEEP_ALIVE_IDLE_S = 5.0
"""How long a kept connection may wait for its next request (gunicorn's is 2 s)."""

_MAX_DISCARD = 1 << 20
"""A body left unread beyond this many bytes ends the connection instead of being read."""


class _BodyReader(io.RawIOBase):
    """The connection's reader, limited to one request's body (``remaining`` bytes)."""

    def __init__(self, raw: Any, remaining: int) -> None:
        super().__init__()
        self._raw = raw
        self.remaining = remaining

    def readable(self) -> bool:
        return True

    def _take(self, read: Callable[[int], bytes], size: int | None) -> bytes:
        if self.remaining <= 0:
            return b""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = read(wanted)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0  # the client went away mid-body
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._take(self._raw.read, size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(self._raw.readline, size)


class KeepAliveRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, keeping HTTP/1.1 connections open between requests."""

    protocol_version = "HTTP/1.1"
    _keep = False

    def handle_one_request(self) -> None:
        # Waiting for the next request on a kept connection is bounded; once it has
        # started, a request (a long poll, a WebSocket) takes as long as it takes.
        self.connection.settimeout(KEEP_ALIVE_IDLE_S)
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.connection.settimeout(None)
        return super().parse_request()

    def run_wsgi(self) -> None:
        lengths = self.headers.get_all("Content-Length") or [""]
        length = lengths[0]
        chunked = "Transfer-Encoding" in self.headers
        upgrade = bool(self.headers.get("Upgrade"))
        # http.server's parse_request has already said whether the client wants the
        # connection closed (HTTP/1.0, or "Connection: close"). A body whose end is not
        # one plain Content-Length (chunked, two lengths, a malformed one) could be read
        # differently by a proxy in front: such a connection ends with its request.
        self._keep = (
            not (self.close_connection or chunked or upgrade)
            and len(lengths) == 1
            and (length == "" or length.isdigit())
        )
        if not self._keep:
            super().run_wsgi()
            return
        raw = self.rfile
        body = _BodyReader(raw, int(length or 0))
        self.rfile = body  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            self.rfile = raw
        if body.remaining > 0:
            # The app left part of the body unread and Werkzeug's discarding gave up
            # waiting for it: read the rest, or close if it is too much to bother.
            if body.remaining > _MAX_DISCARD:
                self.close_connection = True
            else:
                while body.read(65536):
                    pass

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep and keyword.lower() == "connection" and value.lower() == "close":
            return  # Werkzeug always sends it; this connection stays open
        super().send_header(keyword, value)


def freeze_startup_heap() -> None:
    """Leave what start-up built (modules, mappers, schemas, the app) out of every collection.

    Python's full collections walk every object a process holds, with the GIL held: in a
    started Baton that took 160 to 280 ms each, a stall of every request and of the live
    stream alike (``benchmarks/stream.py``: the commit-to-client p99). Frozen
    (:func:`gc.freeze`), start-up's objects are never walked again; a full collection then
    takes 10 to 20 ms. Call once, after start-up and before serving.
    """
    gc.collect()
    gc.freeze()
