"""The `seclake` command line (typer). Each command is a thin call into a package below.

Command groups live in their own modules (`seclake.cli.<name>`), each exposing `register(app)`;
add a module to COMMAND_MODULES to make it part of the CLI.
"""

from __future__ import annotations

import importlib
import os

import typer

from seclake import __version__
from seclake.logging import configure_logging

COMMAND_MODULES: tuple[str, ...] = (
    "seclake.cli.mapping",
    "seclake.cli.serve",
    "seclake.cli.token",
    "seclake.cli.forward",
    "seclake.cli.azure",
    "seclake.cli.generate",
    "seclake.cli.query",
    "seclake.cli.connection",
)

app = typer.Typer(
    name="seclake",
    help="seclake: self-hosted security findings — Defender export mapping, ingest, DQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seclake {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """seclake: self-hosted security findings."""


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Entry point of the `seclake` script and `python -m seclake`.

    Logging goes to stderr from the start (stdout carries command output: NDJSON, tokens, tables);
    commands with a --log-level setting reconfigure it.
    """
    configure_logging(os.environ.get("SECLAKE_LOG_LEVEL", "INFO"))
    app()
