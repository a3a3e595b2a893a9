"""Forwarder settings: where to send, how to batch and retry, where state and dead letters live.

One frozen dataclass; the CLI (`seclake forward`) and the Function app handler build it, the rest of
the forwarder only reads it. Defaults keep a request well under the server's 10 MB body limit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from seclake.errors import ConfigError

__all__ = ["INGEST_PATH", "ForwarderConfig", "config_from_env"]

INGEST_PATH = "/platform/ingest/v1/security.events"


@dataclass(frozen=True, slots=True)
class ForwarderConfig:
    """Everything the forwarder needs to deliver events; `token` is never logged."""

    url: str
    token: str = field(repr=False)
    state_dir: Path = Path("./seclake-forwarder")
    dead_letter_dir: Path | None = None
    batch_max_events: int = 2_000
    batch_max_bytes: int = 4_000_000
    linger_s: float = 0.2
    senders: int = 3
    gzip_level: int = 1
    request_timeout_s: float = 30.0
    backoff_base_s: float = 0.2
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0
    give_up_after_s: float | None = None
    drain_timeout_s: float = 30.0
    body_queue: int = 64

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"forwarder url {self.url!r}: must start with http:// or https://")
        if not self.token:
            raise ConfigError("forwarder token: missing (use --token or SECLAKE_TOKEN)")
        if self.batch_max_events < 1 or self.batch_max_bytes < 1024:
            raise ConfigError("forwarder batch limits: need at least 1 event and 1024 bytes")
        if self.senders < 1:
            raise ConfigError(f"forwarder senders: {self.senders} (need at least 1)")

    @property
    def ingest_url(self) -> str:
        """The full ingest endpoint."""
        return self.url.rstrip("/") + INGEST_PATH

    @property
    def dead_letters(self) -> Path:
        """The dead-letter directory (default: <state_dir>/dead-letter)."""
        return self.dead_letter_dir if self.dead_letter_dir is not None else self.state_dir / "dead-letter"


def config_from_env(
    environ: Mapping[str, str] | None = None,
    *,
    defaults: Mapping[str, object] | None = None,
    **overrides: object,
) -> ForwarderConfig:
    """A config from SECLAKE_URL / SECLAKE_TOKEN / SECLAKE_FORWARDER_* variables (the Function app's way).

    Precedence: `overrides`, then the environment, then `defaults`, then the dataclass defaults.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        **(defaults or {}),
        "url": env.get("SECLAKE_URL", ""),
        "token": env.get("SECLAKE_TOKEN", ""),
    }
    if env.get("SECLAKE_FORWARDER_STATE_DIR"):
        values["state_dir"] = Path(env["SECLAKE_FORWARDER_STATE_DIR"])
    if env.get("SECLAKE_FORWARDER_DEAD_LETTER_DIR"):
        values["dead_letter_dir"] = Path(env["SECLAKE_FORWARDER_DEAD_LETTER_DIR"])
    for name, kind in (("batch_max_events", int), ("batch_max_bytes", int), ("give_up_after_s", float)):
        raw = env.get("SECLAKE_FORWARDER_" + name.upper())
        if raw:
            try:
                values[name] = kind(raw)
            except ValueError as exc:
                raise ConfigError(f"SECLAKE_FORWARDER_{name.upper()}: cannot read {raw!r}") from exc
    values.update(overrides)
    return ForwarderConfig(**values)  # type: ignore[arg-type]
