"""End-to-end fixtures: the real Baton app in a subprocess and Debian's headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import (
    BUILD_DIR,
    CHROMIUM,
    CHROMIUM_ARGS,
    Http,
    live_server,
    signed_in_page,
)
from playwright.sync_api import Browser, Page, sync_playwright


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not (BUILD_DIR / "index.html").is_file():
        pytest.skip("The canvas is not built (cd frontend && npm ci && npm run build)")
    # The suite's tests bring their own workflows and count on the demo agents' spare
    # capacity. With demo services on, the demo support cases would pass Triage and fill
    # Ada's inbox; test_e2e_demo.py starts its own server, as `make run` does, for that.
    with live_server(
        tmp_path_factory.mktemp("baton-e2e"), env={"BATON_DEMO_SERVICES": "false"}
    ) as url:
        yield url


@pytest.fixture(scope="session")
def browser(server_url: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """A page of a browser signed in as the demo admin."""
    with signed_in_page(browser, server_url) as page:
        yield page


@pytest.fixture
def http(server_url: str) -> Http:
    return Http(server_url)
