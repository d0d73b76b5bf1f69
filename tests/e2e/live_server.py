"""Start the real Baton app (``baton run``) in a subprocess on a free port.

Shared by the end-to-end tests and ``benchmarks/canvas.py``: a temporary instance
folder holds the SQLite database, the shipped examples are loaded, and the canvas is
served from the Vite build in ``designer/static/app``.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = [
    "BUILD_DIR",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DEMO_PASSWORD",
    "ApiSession",
    "Http",
    "free_port",
    "live_server",
    "server_pid",
    "sign_in",
    "stop",
    "wait_healthy",
]

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = ROOT / "designer" / "static" / "app"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# `baton run` gives its demo accounts (admin, supervisor, viewer, agents) this password.
DEMO_PASSWORD = "e2e-demo-password"


class ApiSession:
    """Calls to the API as one signed-in account: its cookie and its CSRF token."""

    def __init__(self, base: str, username: str = "admin", password: str = DEMO_PASSWORD) -> None:
        self.base = base
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""
        _, info = self.call("GET", "/api/session")
        self.csrf = info["csrf_token"]
        status, info = self.call(
            "POST", "/api/session", {"username": username, "password": password}
        )
        if status != 200:
            raise RuntimeError(f"signing in as {username} failed: {status} {info}")
        self.csrf = info["csrf_token"]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Send one request; the status and the parsed JSON answer (``None`` if empty)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-CSRF-Token": self.csrf}
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with self._opener.open(request, timeout=10) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


_PIDS: dict[str, int] = {}


def server_pid(url: str) -> int:
    """The process id of the server :func:`live_server` started at ``url``."""
    return _PIDS[url]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, processes: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """Until ``url`` answers its health check; fails if one of ``processes`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        # Polling a port that is not open yet: there is no event to wait on.
        time.sleep(0.05)
    raise TimeoutError(f"Baton did not answer at {url} within {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask ``process`` to end; kill it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def live_server(
    instance: Path,
    *,
    load_examples: bool = True,
    timeout: float = 30,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run Baton on a fresh SQLite database under ``instance``; yields its base URL.

    ``env`` adds settings (``BATON_*`` variables) for this server only.
    """
    if not (BUILD_DIR / "index.html").is_file():
        raise RuntimeError("The canvas is not built: run `cd frontend && npm ci && npm run build`.")
    port = free_port()
    environment = {
        **os.environ,
        "BATON_INSTANCE_PATH": str(instance),
        "BATON_DATABASE_URL": f"sqlite:///{instance / 'baton.db'}",
        "BATON_LOAD_EXAMPLES": "true" if load_examples else "false",
        "BATON_ENV": "development",
        "BATON_DEMO_PASSWORD": DEMO_PASSWORD,
        **(env or {}),
    }
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    log = (instance / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from designer.cli import main; main()", "run", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _PIDS[url] = process.pid
    try:
        wait_healthy(url, [process], timeout)
        yield url
    finally:
        _PIDS.pop(url, None)
        stop(process)
        log.close()


class Http(ApiSession):
    """Direct calls to the API as the demo admin, to set the scene or act as a second user."""


def close_context(context: BrowserContext) -> None:
    """Close a browser context's pages, then the context.

    Chromium now and then never answers the disposal of a context whose pages are still
    open (a clean clone's CI run hung 300 s in ``context.close()`` after a test had
    passed); closed first, the pages leave the disposal nothing to wait for.
    """
    for page in list(context.pages):
        page.close()
    context.close()


@contextmanager
def signed_in_page(
    browser: Browser, base_url: str, username: str = "admin", *, width: int = 1440
) -> Iterator[Page]:
    """A page of a fresh browser context signed in as ``username``.

    Closed on the way out (:func:`close_context`); a page that ran without failing must
    also have raised no JavaScript error.
    """
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    try:
        sign_in(context, username)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
    finally:
        close_context(context)
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(context: BrowserContext, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign the browser context in through the API (the login page has its own test)."""
    csrf = context.request.get("/api/session").json()["csrf_token"]
    response = context.request.post(
        "/api/session",
        data={"username": username, "password": password},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 200, response.text()
