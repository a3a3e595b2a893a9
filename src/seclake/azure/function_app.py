"""`seclake azure function-app`: write a deployable Python Azure Functions app (v2 programming model).

The app is a thin shell: `function_app.py` declares an Event Hubs trigger (`cardinality: many`, retry
policy exponential and unbounded, so a failed delivery is retried instead of checkpointed past) and calls
`seclake.forwarder.function_handler.handle` — the same mapping and delivery code as `seclake forward`.
Its settings (including the required persistent dead-letter directory, SECLAKE_FORWARDER_DEAD_LETTER_DIR;
see `function_handler`) are read when the app starts, so a missing one fails the start, not an event.
`local.settings.json` (local runs only) puts dead letters in `seclake-dead-letter/` next to the app.
Templates live in `function_app/` next to this module; rendering is pure, writing is separate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2

from seclake import __version__
from seclake.errors import ConfigError

__all__ = ["TEMPLATES", "FunctionAppOptions", "render_function_app", "write_function_app"]

TEMPLATE_DIR = Path(__file__).with_name("function_app")
# output file -> template
TEMPLATES: Mapping[str, str] = {
    "function_app.py": "function_app.py.j2",
    "host.json": "host.json.j2",
    "requirements.txt": "requirements.txt.j2",
    "local.settings.json": "local.settings.json.j2",
    ".funcignore": "funcignore.j2",
}
# option -> (pattern, what it must look like)
_RULES: Mapping[str, tuple[str, str]] = {
    "eventhub_name": (r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}", "letters, digits, . _ - (Event Hub name)"),
    "consumer_group": (r"\$Default|[A-Za-z0-9][A-Za-z0-9._-]{0,49}", "$Default or letters, digits, . _ -"),
    "connection_setting": (r"[A-Za-z_][A-Za-z0-9_]{0,127}", "an app-setting name"),
    "function_name": (r"[A-Za-z][A-Za-z0-9_]{0,127}", "letters, digits and _"),
    "seclake_requirement": (r"[^\r\n]{1,500}", "one requirements.txt line"),
    "url": (r"(https?://[^\s\"]*)?", "an http(s) URL or empty"),
}


@dataclass(frozen=True, slots=True)
class FunctionAppOptions:
    """What the generated app is wired to."""

    eventhub_name: str = "seclake-defender-export"
    consumer_group: str = "$Default"
    connection_setting: str = "SECLAKE_EVENTHUB_CONNECTION"
    function_name: str = "seclake_forwarder"
    seclake_requirement: str = f"seclake=={__version__}"
    url: str = ""
    max_batch_size: int = 300
    prefetch: int = 600

    def __post_init__(self) -> None:
        for name, (pattern, shape) in _RULES.items():
            value = getattr(self, name)
            if not re.fullmatch(pattern, value):
                raise ConfigError(f"function app {name}={value!r}: must be {shape}")
        if not 1 <= self.max_batch_size <= 10_000 or self.prefetch < self.max_batch_size:
            raise ConfigError(
                "function app batch: need 1 <= max_batch_size <= 10000 and prefetch >= max_batch_size"
            )


def render_function_app(options: FunctionAppOptions) -> dict[str, str]:
    """The app's files (name -> text). Pure."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # Python/JSON/text files; values are validated above
    )
    values = asdict(options)
    return {name: env.get_template(template).render(**values) for name, template in TEMPLATES.items()}


def write_function_app(out_dir: Path, options: FunctionAppOptions | None = None) -> list[Path]:
    """Write the app into `out_dir` (created; existing files of the same names are replaced)."""
    files = render_function_app(options or FunctionAppOptions())
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
