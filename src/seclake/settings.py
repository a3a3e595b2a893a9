"""One table of settings: every knob of seclake, its default, its `SECLAKE_*` variable and its help.

Precedence: command-line flags, then `SECLAKE_<NAME>` environment variables, then `seclake.toml`
(in the working directory, or the file named by `SECLAKE_CONFIG`), then the default below.
Add a setting by adding a field here; `seclake serve --help`, docs/settings.md and the tests read it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from seclake.errors import ConfigError

ENV_PREFIX = "SECLAKE_"


def _s(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings. Field metadata["help"] is the documentation."""

    host: str = _s("127.0.0.1", "Address the server listens on.")
    port: int = _s(8040, "Port the server listens on.")
    data_dir: Path = _s(Path("./seclake-data"), "Directory holding the event store and control database.")
    log_level: str = _s("INFO", "Log level: DEBUG, INFO, WARNING, ERROR.")
    store: str = _s("duckdb", "Event store engine: duckdb (embedded) or clickhouse.")
    retention_days: int = _s(365, "Days events are kept in the default_securityevents bucket.")
    max_request_bytes: int = _s(10_000_000, "Largest ingest body, compressed or decompressed (413 above).")
    writer_queue_events: int = _s(200_000, "Events waiting for commit before ingest answers 429.")
    writer_batch_events: int = _s(50_000, "Most events the writer commits in one transaction.")
    query_timeout_ms: int = _s(60_000, "Default per-query timeout of the query API.")
    query_max_records: int = _s(1_000, "Default maxResultRecords of the query API.")
    url: str = _s("http://127.0.0.1:8040", "Base URL of a seclake server (client commands).")
    token: str = field(  # not _s(): kept out of repr, so tracebacks and debug prints never show it
        default="", repr=False, metadata={"help": "API token for client commands (never logged)."}
    )


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def setting_help(name: str) -> str:
    """The help text of a setting."""
    for f in fields(Settings):
        if f.name == name:
            return str(f.metadata["help"])
    raise KeyError(name)


def env_var(name: str) -> str:
    """The environment variable of a setting: SECLAKE_DATA_DIR for data_dir."""
    return ENV_PREFIX + name.upper()


def _coerce(name: str, raw: Any, source: str) -> Any:
    target = type(getattr(Settings(), name))
    try:
        if target is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if target is int and isinstance(raw, float | bool):
            raise ValueError(raw)
        return target(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"setting {name!r} from {source}: cannot read {raw!r} as {target.__name__}"
        ) from exc


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Resolve settings: flags (None means "not given") > environment > seclake.toml > defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or Path(environ.get(ENV_PREFIX + "CONFIG", "seclake.toml"))
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        section = table.get("seclake", table)
        for key, raw in section.items():
            name = key.replace("-", "_")
            if name not in SETTING_NAMES:
                raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(SETTING_NAMES)}")
            values[name] = _coerce(name, raw, str(path))
    for name in SETTING_NAMES:
        raw_env = environ.get(env_var(name))
        if raw_env is not None and raw_env != "":
            values[name] = _coerce(name, raw_env, env_var(name))
    for name, raw in (flags or {}).items():
        if raw is not None:
            if name not in SETTING_NAMES:
                raise ConfigError(f"unknown setting {name!r}")
            values[name] = _coerce(name, raw, f"--{name.replace('_', '-')}")
    return replace(Settings(), **values)
