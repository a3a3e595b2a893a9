"""`seclake serve`: the platform (uvicorn + the FastAPI app of `seclake.api.app`).

Every setting of `seclake.settings.Settings` becomes a `--flag` here, generated from the settings table
with its help and default, so `seclake serve --help` lists them all and nothing is repeated by hand.
A flag that is not given is left to `SECLAKE_*`, then seclake.toml, then the default.
`--demo` also loads a synthetic Defender export through the real ingest path (`seclake.api.demo`).
"""

from __future__ import annotations

import inspect
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from seclake.settings import Settings, env_var, load_settings

__all__ = ["register", "serve_settings", "setting_options"]

# Seconds a thread may hold the GIL while another waits (`sys.setswitchinterval`), set for the server
# process only. Measured with `python -m benchmarks.bench_ingest --switch-interval S` (8 clients, 100k
# events, 2 shared cores): 0.0005 s gave 8,482 and 7,839 events/s, Python's default 0.005 s 9,495 and
# 7,106 — no difference beyond the noise, so the default stays; the flag is there for tuning.
SWITCH_INTERVAL_S = 0.005
DEMO_IMAGES = 20
DEMO_SEED = 7
STARTUP_TIMEOUT_S = 60.0


def setting_options() -> list[inspect.Parameter]:
    """One keyword parameter per setting, annotated with its typer option (default None = not given)."""
    params = []
    for f in fields(Settings):
        kind: Any = f.type if isinstance(f.type, type) else {"int": int, "Path": Path}.get(str(f.type), str)
        option = typer.Option(
            "--" + f.name.replace("_", "-"),
            help=f"{f.metadata['help']} Env: {env_var(f.name)}.",
            show_default=str(f.default),
            rich_help_panel="Settings",
        )
        params.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[kind | None, option],
            )
        )
    return params


def serve_settings(**flags: Any) -> Settings:
    """Settings for a server from the setting flags (None = not given)."""
    return load_settings({name: value for name, value in flags.items() if value is not None})


def _run(settings: Settings, *, demo: bool, demo_images: int, demo_seed: int, switch_interval: float) -> None:
    from seclake.api.app import create_app  # noqa: PLC0415 - keeps `seclake --help` fast
    from seclake.logging import configure_logging  # noqa: PLC0415

    configure_logging(settings.log_level)
    sys.setswitchinterval(switch_interval)
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    if demo:
        threading.Thread(
            target=_demo_after_startup,
            args=(server, settings, demo_images, demo_seed),
            name="demo",
            daemon=True,
        ).start()
    server.run()


def _demo_after_startup(server: uvicorn.Server, settings: Settings, images: int, seed: int) -> None:
    from seclake.api.demo import run_demo  # noqa: PLC0415 - generator and mapper only for --demo

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started and not server.should_exit and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        run_demo(settings, images=images, seed=seed)


def _serve(
    demo: bool = typer.Option(
        False, "--demo", help="Load a synthetic Defender export and print an admin token."
    ),
    demo_images: int = typer.Option(
        DEMO_IMAGES, "--demo-images", help="Container images in the demo export."
    ),
    demo_seed: int = typer.Option(DEMO_SEED, "--demo-seed", help="Seed of the demo export."),
    switch_interval: float = typer.Option(
        SWITCH_INTERVAL_S,
        "--switch-interval",
        min=0.00001,
        help="Python's thread switch interval in seconds for the server process (tuning).",
    ),
    **settings_flags: Any,
) -> None:
    """Run the platform: ingest API, query API, token API, metrics."""
    _run(
        serve_settings(**settings_flags),
        demo=demo,
        demo_images=demo_images,
        demo_seed=demo_seed,
        switch_interval=switch_interval,
    )


_own = [p for p in inspect.signature(_serve).parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
_serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in _own] + setting_options()
)


def register(app: typer.Typer) -> None:
    app.command("serve")(_serve)
