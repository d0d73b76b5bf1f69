"""``baton openapi``: print the API's OpenAPI document, which the canvas's types are built from."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click

__all__ = ["openapi_of_fresh_app", "register"]


def openapi_of_fresh_app() -> dict[str, Any]:
    """The OpenAPI document of an app built on a throwaway in-memory database.

    The document comes from the routes alone, so no settings from the environment
    and no stored data may change it: the dump the canvas is generated from must be
    the same on every machine.
    """
    # Imported here so that `baton --help` and other commands stay quick.
    from designer.app import create_app
    from designer.extensions import state
    from designer.openapi import openapi_document
    from runtime.settings import Settings

    with tempfile.TemporaryDirectory(prefix="baton-openapi-") as instance:
        settings = Settings(
            _env_file=None,
            instance_path=Path(instance),
            database_url="sqlite://",
            redis_url=None,
            load_examples=False,
        )
        app = create_app(settings, BATON_MIGRATE=False)
        try:
            return openapi_document(app)
        finally:
            state(app).engine.dispose()


@click.command("openapi")
@click.option("--indent", default=2, show_default=True, help="Spaces of indentation.")
def openapi_command(indent: int) -> None:
    """Print the OpenAPI 3.1 document of the designer API."""
    click.echo(json.dumps(openapi_of_fresh_app(), indent=indent or None))


def register(cli: click.Group) -> None:
    """Add this module's commands to ``cli``."""
    cli.add_command(openapi_command)
