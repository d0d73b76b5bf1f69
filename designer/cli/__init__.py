"""The ``baton`` command line. Each area registers its commands from its own module."""

from __future__ import annotations

import click

from designer.cli import (
    ai_cmds,
    app_cmds,
    contract_cmds,
    graph_cmds,
    interop_cmds,
    runtime_cmds,
    salesforce_cmds,
    simulate_cmds,
    user_cmds,
    version_cmds,
    whatif_cmds,
)

__all__ = ["cli", "main"]


@click.group(help="Baton: workflow orchestration for case work.")
def cli() -> None:
    """The root command group."""


for module in (
    graph_cmds,
    interop_cmds,
    simulate_cmds,
    runtime_cmds,
    app_cmds,
    contract_cmds,
    user_cmds,
    salesforce_cmds,
    ai_cmds,
    version_cmds,
    whatif_cmds,
):
    module.register(cli)


def main() -> None:
    """Entry point of the ``baton`` console script."""
    cli()
