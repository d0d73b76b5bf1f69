"""A stand-in for an OpenAI-compatible chat-completions API, FOR TESTS ONLY.

A loopback HTTP server answering ``POST /v1/chat/completions`` (and nothing else). By
default it answers with :attr:`StandIn.answer` (a dict, sent as the message's JSON
content, or a string sent as is); :meth:`StandIn.then` queues replies for the next calls,
one each, to play every failure a provider can give:

- ``Reply(status=429, headers={"Retry-After": "0"})``, ``Reply(status=500)``,
  ``Reply(status=401)``: errors with a small JSON error body;
- ``Reply(raw=b"not json")``: a reply that is no JSON envelope;
- ``Reply(content='{"category": ')``: a message whose content is malformed JSON;
- ``Reply(refusal="cannot help")``: a refusal;
- ``Reply(size=10**6)``: an oversized answer;
- ``Reply(delay=2.0)``: an answer after a delay (a timeout for a short client timeout).

Every request is kept in :attr:`StandIn.seen` (body and headers) so tests can check
what was, and what was never, sent.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Reply", "StandIn", "running_standin"]


@dataclass
class Reply:
    """One scripted reply."""

    status: int = 200
    content: str | None = None
    refusal: str | None = None
    raw: bytes | None = None
    size: int | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    usage: tuple[int, int] = (120, 30)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: StandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        standin = self.server.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        standin.seen.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if self.path != "/v1/chat/completions":
            self._send(404, json.dumps({"error": {"message": "no such route"}}).encode())
            return
        reply = standin.next_reply()
        if reply.delay:
            standin.release.wait(reply.delay)
        if reply.raw is not None:
            self._send(reply.status, reply.raw, reply.headers)
            return
        if reply.status != 200:
            error = {"error": {"message": f"stand-in error {reply.status}", "type": "test"}}
            self._send(reply.status, json.dumps(error).encode(), reply.headers)
            return
        if reply.size is not None:
            self._send(200, b'{"pad": "' + b"x" * reply.size + b'"}', reply.headers)
            return
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.refusal is not None:
            message = {"role": "assistant", "content": None, "refusal": reply.refusal}
        envelope = {
            "id": f"chatcmpl-{len(standin.seen)}",
            "object": "chat.completion",
            "model": body.get("model", "stand-in"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": reply.usage[0], "completion_tokens": reply.usage[1],
                      "total_tokens": sum(reply.usage)},
        }  # fmt: skip
        self._send(200, json.dumps(envelope).encode(), reply.headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # The client may have given up already (a timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@dataclass
class StandIn:
    """The stand-in's script and what it saw; ``base_url`` is set once it runs."""

    answer: dict[str, Any] | str = field(default_factory=lambda: {"confidence": 0.9})
    seen: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    queued: deque[Reply] = field(default_factory=deque)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def then(self, *replies: Reply) -> StandIn:
        """Queue ``replies`` for the next calls, in order."""
        with self.lock:
            self.queued.extend(replies)
        return self

    def next_reply(self) -> Reply:
        """The next queued reply, else the default answer."""
        with self.lock:
            if self.queued:
                return self.queued.popleft()
        content = self.answer if isinstance(self.answer, str) else json.dumps(self.answer)
        return Reply(content=content)

    def sent_text(self) -> str:
        """Everything sent to the stand-in, as one string (to look for what must not be)."""
        return json.dumps([request["body"] for request in self.seen])


@contextmanager
def running_standin(standin: StandIn | None = None) -> Iterator[StandIn]:
    """Serve ``standin`` on a loopback port for the duration of the block."""
    standin = standin or StandIn()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.standin = standin
    standin.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        standin.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
