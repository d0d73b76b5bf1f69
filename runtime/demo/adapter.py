"""A ``requests`` transport adapter that answers demo hosts in-process.

Mounted on a session by :func:`demo_session`, :class:`DemoServicesAdapter` sends a
request for a ``*.example.internal`` host to :func:`runtime.demo.services.answer`, with
no socket, DNS look-up or port, and hands every other request to the ordinary
``HTTPAdapter``, so real services are called exactly as without it. The ``http_request``
action uses such a session only while demo services are on
(:meth:`runtime.settings.Settings.demo_services_enabled`).

>>> with demo_session() as session:
...     reply = session.post("https://iam.example.internal/v1/grants", json="ana@example.com")
>>> reply.status_code, reply.json()["status"]
(201, 'active')
"""

from __future__ import annotations

import io
import json
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from runtime.demo import services as demo_services

__all__ = ["DemoServicesAdapter", "demo_session"]


class DemoServicesAdapter(BaseAdapter):
    """Answer ``*.example.internal`` from the demo services; send the rest on to ``fallback``."""

    def __init__(self, fallback: BaseAdapter | None = None) -> None:
        super().__init__()
        self.fallback = fallback if fallback is not None else HTTPAdapter()

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        if not demo_services.is_demo_host(urlsplit(url).hostname):
            return self.fallback.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        # In-process: a proxy, TLS settings and the timeout have nothing to act on.
        body = request.body.encode() if isinstance(request.body, str) else request.body
        if body is not None and not isinstance(body, bytes):
            # A streamed upload (a file or a generator); the demo services take JSON.
            error = {"error": f"{request.method} {url}: demo services take a JSON body"}
            return self._response(request, url, demo_services.DemoResponse(400, error))
        headers = {
            name: value if isinstance(value, str) else value.decode("latin-1")
            for name, value in request.headers.items()
        }
        reply = demo_services.answer(request.method or "GET", url, body, headers)
        return self._response(request, url, reply)

    def _response(
        self, request: requests.PreparedRequest, url: str, reply: demo_services.DemoResponse
    ) -> requests.Response:
        content = json.dumps(reply.body).encode()
        response = requests.Response()
        response.status_code = reply.status
        response.reason = HTTPStatus(reply.status).phrase
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json", "Content-Length": str(len(content))}
        )
        response.encoding = get_encoding_from_headers(response.headers)
        # A file-like body: ``iter_content`` and ``stream=True`` read it like a socket's.
        response.raw = io.BytesIO(content)
        response.url = url
        response.request = request
        # requests types this as HTTPAdapter; any adapter is what it means (auth re-sends).
        response.connection = self  # type: ignore[assignment]
        return response

    def close(self) -> None:
        self.fallback.close()


def demo_session() -> requests.Session:
    """A session that answers demo hosts in-process and calls every other host as usual."""
    session = requests.Session()
    # Mounted per scheme, as requests mounts its own adapters: one pool per scheme.
    for prefix in ("https://", "http://"):
        session.mount(prefix, DemoServicesAdapter())
    return session
