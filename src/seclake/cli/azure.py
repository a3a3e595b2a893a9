"""`seclake azure ...`: Azure integration commands (a typer sub-app; other modules may add commands
to `azure_app`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from seclake.errors import ConfigError

__all__ = ["azure_app", "register"]

azure_app = typer.Typer(
    name="azure", help="Azure integration: Function app, setup scripts.", no_args_is_help=True
)


@azure_app.command("function-app")
def function_app(  # noqa: PLR0917 - a typer command: one parameter per flag
    out: Annotated[Path, typer.Option("--out", help="Directory to write the app into.")],
    eventhub_name: Annotated[
        str, typer.Option(help="Event Hub the export writes to.")
    ] = "seclake-defender-export",
    consumer_group: Annotated[str, typer.Option(help="Consumer group of the trigger.")] = "$Default",
    connection_setting: Annotated[
        str, typer.Option(help="App setting holding the Event Hubs connection string.")
    ] = "SECLAKE_EVENTHUB_CONNECTION",
    seclake_requirement: Annotated[
        str | None, typer.Option(help="requirements.txt line for seclake [default: seclake==<this version>].")
    ] = None,
    url: Annotated[str, typer.Option(help="seclake server URL for local.settings.json.")] = "",
) -> None:
    """Write a deployable Python Azure Functions app (Event Hubs trigger → seclake ingest)."""
    from seclake.azure.function_app import FunctionAppOptions, write_function_app  # noqa: PLC0415

    console = Console(stderr=True)
    try:
        options = FunctionAppOptions(
            eventhub_name=eventhub_name,
            consumer_group=consumer_group,
            connection_setting=connection_setting,
            url=url,
        )
        if seclake_requirement:
            options = replace(options, seclake_requirement=seclake_requirement)
        written = write_function_app(out, options)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(3) from exc
    for path in written:
        typer.echo(str(path))
    console.print(
        f"Deploy with `func azure functionapp publish <app>` from {out}; set app settings "
        f"{connection_setting}, SECLAKE_URL, SECLAKE_TOKEN and SECLAKE_FORWARDER_DEAD_LETTER_DIR "
        "(a directory on persistent storage, e.g. /home/... on Azure Files)."
    )


def register(app: typer.Typer) -> None:
    """Add the `seclake azure` group to the CLI."""
    app.add_typer(azure_app, name="azure")
