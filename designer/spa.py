"""Serving the built canvas: files from the Vite build, any other page path to index.html.

The build lives in ``designer/static/app`` (``make build``). Hashed assets are cached
for a year; ``index.html`` never, so a new build is picked up on reload. When the build
is missing the app still runs (the API works) and pages answer 503 with a note on how
to build, instead of a stack trace.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

__all__ = ["DEFAULT_SPA_DIR", "SPA_DIR_CONFIG", "bp", "spa_dir"]

DEFAULT_SPA_DIR = Path(__file__).resolve().parent / "static" / "app"
SPA_DIR_CONFIG = "BATON_SPA_DIR"
_YEAR = 365 * 24 * 3600

bp = Blueprint("spa", __name__)


class PagePath(PathConverter):
    """A page path that is not under ``/api``: API paths never reach the canvas.

    Matching them here would make the router think every API path also answers GET,
    so a POST-only endpoint would list GET in ``Allow`` and other methods get 404, not 405.
    """

    regex = r"(?!api(?:/|$))[^/].*?"


@bp.record_once
def _register_converter(setup: BlueprintSetupState) -> None:
    setup.app.url_map.converters["page"] = PagePath

_NOT_BUILT = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Baton: the canvas is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto;">
<h1>The canvas has not been built yet</h1>
<p>Baton's API is running, but the browser app was not found in
<code>{where}</code>.</p>
<p>Build it with <code>make build</code> (or start everything with
<code>make run</code>), then reload this page.</p>
</body>
</html>
"""


def spa_dir() -> Path:
    """Where the built frontend is read from (configurable for tests)."""
    return Path(current_app.config.get(SPA_DIR_CONFIG) or DEFAULT_SPA_DIR)


def _index(root: Path) -> Response:
    if not (root / "index.html").is_file():
        response = Response(_NOT_BUILT.format(where=root), status=503, mimetype="text/html")
        response.headers["Retry-After"] = "30"
        response.headers["Cache-Control"] = "no-store"
        return response
    response = send_from_directory(root, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    return _index(spa_dir())


@bp.get("/<page:path>")
def page_or_file(path: str) -> Response:
    """A file of the build if there is one, else the app's index page (client routing)."""
    root = spa_dir()
    candidate = safe_join(str(root), path)
    if candidate is not None and Path(candidate).is_file():
        hashed = path.startswith("assets/")
        return send_from_directory(root, path, max_age=_YEAR if hashed else 3600)
    if path.startswith("assets/"):
        # A missing script must fail as such, not load the HTML page as JavaScript.
        abort(404)
    return _index(root)
