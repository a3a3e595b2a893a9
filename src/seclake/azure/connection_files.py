"""The files handed to the user for a connection: setup script, ARM template, teardown script, README.

`setup_files(plan, token=None)` and `teardown_files(plan)` are pure (name -> text, plus whether the
file is a secret or executable); `write_files` puts them in a directory with fitting modes (scripts
0755, anything holding the token 0600/0700).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seclake.azure.arm_template import render_arm_template
from seclake.azure.connection_plan import ConnectionPlan
from seclake.azure.setup_script import render_setup_script
from seclake.azure.teardown_script import render_teardown_script

__all__ = [
    "ARM_PARAMETERS",
    "ARM_TEMPLATE",
    "README",
    "SETUP_SCRIPT",
    "TEARDOWN_SCRIPT",
    "SetupFile",
    "setup_files",
    "teardown_files",
    "write_files",
]

SETUP_SCRIPT = "setup.sh"
ARM_TEMPLATE = "azuredeploy.json"
ARM_PARAMETERS = "azuredeploy.parameters.json"
TEARDOWN_SCRIPT = "teardown.sh"
README = "README.md"
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


@dataclass(frozen=True, slots=True)
class SetupFile:
    """One generated file."""

    name: str
    text: str
    secret: bool = False
    executable: bool = False

    @property
    def mode(self) -> int:
        return (0o700 if self.executable else 0o600) if self.secret else (0o755 if self.executable else 0o644)


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _readme(plan: ConnectionPlan, *, token_inside: bool) -> str:
    token_line = (
        "The token is written into `setup.sh` and `azuredeploy.parameters.json`: keep them private."
        if token_inside
        else "No file here holds the token: export it first, `export SECLAKE_TOKEN=<token printed once>`."
    )
    params = "@azuredeploy.parameters.json" if token_inside else 'seclakeToken="$SECLAKE_TOKEN"'
    return f"""# seclake Defender connection {plan.name} ({plan.connection_id})

Subscription `{plan.subscription_id}` exports container-image findings (Defender for Cloud continuous
export `{plan.automation}`) to Event Hub `{plan.namespace}/{plan.eventhub}`; Function app
`{plan.function_app}` forwards them to {plan.seclake_url} with the connection's token.

{token_line}

Either run the Azure CLI script:

    bash setup.sh

or deploy the ARM template, then publish the forwarder code (setup.sh does both):

    az deployment sub create --location {plan.location} --template-file azuredeploy.json \\
      --parameters {params}

Remove the Azure side with `bash teardown.sh` after `seclake connection delete {plan.connection_id}`.
"""


def setup_files(plan: ConnectionPlan, *, token: str | None = None) -> list[SetupFile]:
    """setup.sh, azuredeploy.json, teardown.sh, README.md (+ azuredeploy.parameters.json with `token`)."""
    inside = token is not None
    files = [
        SetupFile(SETUP_SCRIPT, render_setup_script(plan, token=token), secret=inside, executable=True),
        SetupFile(ARM_TEMPLATE, _json(render_arm_template(plan))),
        SetupFile(TEARDOWN_SCRIPT, render_teardown_script(plan), executable=True),
        SetupFile(README, _readme(plan, token_inside=inside)),
    ]
    if token is not None:
        parameters = {
            "$schema": PARAMETERS_SCHEMA,
            "contentVersion": "1.0.0.0",
            "parameters": {"seclakeToken": {"value": token}},
        }
        files.append(SetupFile(ARM_PARAMETERS, _json(parameters), secret=True))
    return files


def teardown_files(plan: ConnectionPlan) -> list[SetupFile]:
    """teardown.sh alone."""
    return [SetupFile(TEARDOWN_SCRIPT, render_teardown_script(plan), executable=True)]


def write_files(out_dir: Path, files: Sequence[SetupFile]) -> list[Path]:
    """Write `files` into `out_dir` (created), each with its mode; existing files are replaced."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        path = out_dir / f.name
        path.unlink(missing_ok=True)  # a fresh file gets the mode below, not the old one's
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, f.mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f.text)
        os.chmod(path, f.mode)  # not narrowed by the umask
        written.append(path)
    return written
