"""Serving the built canvas: files, the index.html fallback, and a clear 503 without a build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from designer_helpers import error_of
from flask.testing import FlaskClient

INDEX = "<!doctype html><title>Baton</title><div id=root></div>"


@pytest.fixture
def built(make_app: Any, tmp_path: Path) -> FlaskClient:
    build = tmp_path / "build"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text(INDEX)
    (build / "assets" / "index-abc123.js").write_text("console.log('baton')")
    (build / "favicon.svg").write_text("<svg/>")
    return make_app({"BATON_SPA_DIR": str(build)}).test_client()  # type: ignore[no-any-return]


def fetch(client: FlaskClient, path: str) -> tuple[int, str, dict[str, str]]:
    """Status, text and headers of a GET, with the response (and its file) closed."""
    with client.get(path) as response:
        return response.status_code, response.get_data(as_text=True), dict(response.headers)


def test_root_serves_index_html(built: FlaskClient) -> None:
    status, text, headers = fetch(built, "/")
    assert (status, text) == (200, INDEX)
    assert headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/workflows/support-case", "/anything/deep/down", "/runs"])
def test_page_paths_fall_back_to_index_html(built: FlaskClient, path: str) -> None:
    assert fetch(built, path)[:2] == (200, INDEX)


def test_built_files_are_served_with_caching(built: FlaskClient) -> None:
    status, text, headers = fetch(built, "/assets/index-abc123.js")
    assert (status, text) == (200, "console.log('baton')")
    assert "max-age=31536000" in headers["Cache-Control"]
    assert fetch(built, "/favicon.svg")[:2] == (200, "<svg/>")


def test_a_missing_asset_is_404_not_the_page(built: FlaskClient) -> None:
    assert fetch(built, "/assets/gone-000.js")[0] == 404


def test_paths_cannot_escape_the_build(built: FlaskClient, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("the secret")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        assert "the secret" not in fetch(built, path)[1]


def test_api_paths_never_fall_back(built: FlaskClient) -> None:
    assert error_of(built.get("/api/unknown"), 404)["code"] == "not_found"
    assert error_of(built.get("/api"), 404)["code"] == "not_found"


def test_missing_build_is_a_clear_503(client: FlaskClient) -> None:
    for path in ("/", "/workflows/x"):
        status, text, headers = fetch(client, path)
        assert status == 503
        assert headers["Content-Type"].startswith("text/html")
        assert "make build" in text
    # The API still works without a build.
    assert client.get("/api/health").status_code == 200
