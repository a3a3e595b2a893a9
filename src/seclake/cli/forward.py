"""`seclake forward`: Event Hubs or files → Defender mapper → the ingest API, at-least-once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from seclake.errors import ConfigError, DeliveryError, InputError
from seclake.logging import configure_logging
from seclake.settings import load_settings

if TYPE_CHECKING:
    from seclake.forwarder.config import ForwarderConfig
    from seclake.forwarder.eventhubs import EventHubOptions
    from seclake.forwarder.runner import RunResult, StopFlag

__all__ = ["register"]

STARTING_POSITIONS = {"earliest": "-1", "latest": "@latest"}
EXIT_INCOMPLETE, EXIT_REJECTED, EXIT_USAGE = 1, 2, 3


def _summary_table(summary: dict[str, int]) -> Table:
    table = Table(title="seclake forward", show_header=True)
    table.add_column("counter")
    table.add_column("value", justify="right")
    for name, value in summary.items():
        table.add_row(name, f"{value:,}")
    return table


def forward(  # noqa: PLR0917 - a typer command: one parameter per flag
    files: Annotated[
        list[str] | None, typer.Argument(help="Files/directories of Event Hub bodies; - for stdin.")
    ] = None,
    url: Annotated[str | None, typer.Option(help="seclake server base URL [SECLAKE_URL].")] = None,
    token: Annotated[
        str | None, typer.Option(help="API token with openpipeline.events_security [SECLAKE_TOKEN].")
    ] = None,
    eventhub: Annotated[
        str | None, typer.Option("--eventhub", help="Event Hub name (Event Hubs mode).")
    ] = None,
    eventhub_connection_string: Annotated[
        str | None,
        typer.Option(envvar="SECLAKE_EVENTHUB_CONNECTION_STRING", help="Event Hubs connection string."),
    ] = None,
    eventhub_namespace: Annotated[
        str | None,
        typer.Option(help="<ns>.servicebus.windows.net, authenticated with Azure AD (azure-identity)."),
    ] = None,
    consumer_group: Annotated[str, typer.Option(help="Event Hubs consumer group.")] = "$Default",
    checkpoint_blob_connection_string: Annotated[
        str | None,
        typer.Option(
            envvar="SECLAKE_CHECKPOINT_BLOB_CONNECTION_STRING", help="Blob checkpoint store (many instances)."
        ),
    ] = None,
    checkpoint_blob_account_url: Annotated[
        str | None, typer.Option(help="Blob account URL (Azure AD).")
    ] = None,
    checkpoint_container: Annotated[str | None, typer.Option(help="Blob container for checkpoints.")] = None,
    starting_position: Annotated[
        str, typer.Option(help="Without a checkpoint: earliest or latest.")
    ] = "earliest",
    state_dir: Annotated[Path, typer.Option(help="Checkpoints and progress journal.")] = Path(
        "./seclake-forwarder"
    ),
    dead_letter_dir: Annotated[
        Path | None, typer.Option(help="Dead letters [default: STATE_DIR/dead-letter].")
    ] = None,
    batch_events: Annotated[int, typer.Option(help="Most events per request.")] = 2_000,
    batch_bytes: Annotated[
        int, typer.Option(help="Most JSON bytes per request (server limit: 10 MB).")
    ] = 4_000_000,
    senders: Annotated[int, typer.Option(help="Concurrent HTTP senders.")] = 3,
    drain_timeout: Annotated[
        float, typer.Option(help="Seconds to finish in-flight work after SIGTERM.")
    ] = 30.0,
    give_up_after: Annotated[
        float | None, typer.Option(help="Stop retrying a batch after this many seconds.")
    ] = None,
    max_backoff: Annotated[float, typer.Option(help="Longest wait between retries, in seconds.")] = 30.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar (files, on a terminal).")] = True,
    log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING, ERROR.")] = None,
) -> None:
    """Forward Defender export bodies to a seclake server (at-least-once, checkpointed)."""
    from seclake.forwarder.runner import StopFlag, stop_on_signals  # noqa: PLC0415 - keep --help fast

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
    hub_mode = bool(eventhub_connection_string or eventhub_namespace)
    try:
        config = _build_config(
            {"url": url, "token": token, "log_level": log_level},
            state_dir=state_dir,
            dead_letter_dir=dead_letter_dir,
            batch_max_events=batch_events,
            batch_max_bytes=batch_bytes,
            senders=senders,
            drain_timeout_s=drain_timeout,
            give_up_after_s=give_up_after,
            backoff_max_s=max_backoff,
        )
        if hub_mode == bool(files):
            raise ConfigError("give either FILE... or --eventhub-connection-string/--eventhub-namespace")
        if starting_position not in STARTING_POSITIONS:
            raise ConfigError(f"--starting-position {starting_position!r}: use earliest or latest")
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc

    flag = StopFlag()
    try:
        with stop_on_signals(flag):
            if hub_mode:
                from seclake.forwarder.eventhubs import EventHubOptions  # noqa: PLC0415

                options = EventHubOptions(
                    connection_string=eventhub_connection_string,
                    namespace=eventhub_namespace,
                    eventhub_name=eventhub,
                    consumer_group=consumer_group,
                    checkpoint_blob_connection_string=checkpoint_blob_connection_string,
                    checkpoint_blob_account_url=checkpoint_blob_account_url,
                    checkpoint_container=checkpoint_container,
                    starting_position=STARTING_POSITIONS[starting_position],
                )
                result = _run_eventhub(config, options, flag)
            else:
                result = _run_files(config, files or [], flag, console, progress)
    except (ConfigError, InputError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    except DeliveryError as exc:
        console.print(
            f"[red]forwarder stopped:[/red] {exc}\nNothing was dropped; undelivered input stays unacknowledged."
        )
        raise typer.Exit(EXIT_REJECTED) from exc
    console.print(_summary_table(result.metrics))
    code = _exit_code(result)
    if code == EXIT_INCOMPLETE:
        console.print("[yellow]stopped before everything was delivered; run again to resume.[/yellow]")
    if code:
        raise typer.Exit(code)


def _build_config(flags: dict[str, str | None], **fields: Any) -> ForwarderConfig:
    """The forwarder config from --url/--token/--log-level (through the settings chain) and the other
    flags; configures logging. Raises ConfigError."""
    from seclake.forwarder.config import ForwarderConfig  # noqa: PLC0415 - keep `seclake --help` fast

    settings = load_settings(flags)
    configure_logging(settings.log_level)
    return ForwarderConfig(url=settings.url, token=settings.token, **fields)


def _exit_code(result: RunResult) -> int:
    """0 when everything read was answered, EXIT_INCOMPLETE when a stop came first."""
    return 0 if result.drained else EXIT_INCOMPLETE


def _run_files(
    config: ForwarderConfig, files: list[str], flag: StopFlag, console: Console, show: bool
) -> RunResult:
    from seclake.forwarder.files import expand_inputs, total_bytes  # noqa: PLC0415
    from seclake.forwarder.runner import forward_files  # noqa: PLC0415

    total = total_bytes(expand_inputs(files))
    columns = (TextColumn("forwarding"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not (show and console.is_terminal)) as bar:
        task = bar.add_task("files", total=total or None)
        return forward_files(config, files, stop=flag, on_file=lambda size: bar.advance(task, size))


def _run_eventhub(config: ForwarderConfig, options: EventHubOptions, flag: StopFlag) -> RunResult:
    from seclake.forwarder.eventhubs import build_checkpoint_store, build_consumer, event_body  # noqa: PLC0415
    from seclake.forwarder.runner import forward_eventhub  # noqa: PLC0415

    client = build_consumer(options, build_checkpoint_store(options, config.state_dir))
    return forward_eventhub(
        config,
        client,
        event_body,
        stop=flag,
        receive_options=options.receive_options(),
    )


def register(app: typer.Typer) -> None:
    """Add `seclake forward` to the CLI."""
    app.command("forward")(forward)
