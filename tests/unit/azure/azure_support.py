"""Support for the azure tests: fixed plans, and a fake `az` that records calls and answers queries.

The fake `az` (a bash script put first on PATH) appends each call's arguments to `calls.log`, copies
every file it is handed (`@file`, `--src`, `--file`) into the capture directory (the scripts delete
their temporary directory on exit), and prints canned answers for the `--query` calls the scripts make.
Everything else (seclake, python3, bash) is real.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from seclake.azure.connection_plan import ConnectionPlan, plan_connection

CONNECTION_ID = "0f1e2d3c4b5a6978"
SUBSCRIPTION = "a5caac9c-5c04-49af-b3d0-e204f40345d5"
TOKEN = "sl0c01.0f1e2d3c4b5a6978.Q2F0cy1hcmUtbmljZS1idXQtdG9rZW5zLWFyZS1zZWNyZXQ"
SEND_CONNECTION = (
    "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=seclake-export-send;"
    "SharedAccessKey=c2VuZC1rZXk+/w==;EntityPath=seclake-defender-export"
)
LISTEN_CONNECTION = (
    "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=seclake-forwarder-listen;"
    "SharedAccessKey=bGlzdGVuLWtleQ==;EntityPath=seclake-defender-export"
)
HUB_ID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/eventhubs/hub"
PRINCIPAL_ID = "11111111-2222-3333-4444-555555555555"
VAULT_URI = "https://kv-seclake.vault.azure.net/"
PLAN_ID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/serverfarms/WestEuropeLinuxDynamicPlan"


def make_plan(*, key_vault: str | None = None, name: str = "Prod EU") -> ConnectionPlan:
    return plan_connection(
        connection_id=CONNECTION_ID,
        name=name,
        subscription_id=SUBSCRIPTION,
        resource_group="rg-seclake-prod",
        location="westeurope",
        url="https://seclake.example.com",
        key_vault=key_vault,
    )


FAKE_AZ = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_DIR/calls.log"
prev=""
for arg in "$@"; do
  case "$arg" in
    @*) cp "${arg#@}" "$FAKE_DIR/" ;;
  esac
  case "$prev" in
    --src | --file) cp "$arg" "$FAKE_DIR/" ;;
  esac
  prev="$arg"
done
all="$*"
case "$all" in
  *"authorization-rule keys list"*"--name seclake-export-send"*) echo "$FAKE_SEND" ;;
  *"authorization-rule keys list"*) echo "$FAKE_LISTEN" ;;
  *"eventhubs eventhub show"*) echo "$FAKE_HUB_ID" ;;
  *"identity show"* | *"identity.principalId"*) echo "$FAKE_PRINCIPAL" ;;
  *"properties.vaultUri"*) echo "$FAKE_VAULT_URI" ;;
  *"keyvault show"*) exit "${FAKE_KV_MISSING:-0}" ;;
  *"group exists"*) echo true ;;
  *"appServicePlanId"*) echo "$FAKE_PLAN_ID" ;;
  *"numberOfSites"*) echo 0 ;;
  *"resource list"*) echo "${FAKE_LEFT:-0}" ;;
  *"resource show"*) exit "${FAKE_SHOW_RC:-0}" ;;
esac
exit 0
"""


def fake_path(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A bin directory with the fake az, and the environment that puts it first on PATH."""
    bin_dir, capture = tmp / "bin", tmp / "capture"
    bin_dir.mkdir()
    capture.mkdir()
    az = bin_dir / "az"
    az.write_text(FAKE_AZ, encoding="utf-8")
    az.chmod(0o755)
    venv_bin = str(Path(sys.executable).parent)  # the real seclake and python3
    env = {
        "PATH": os.pathsep.join([str(bin_dir), venv_bin, "/usr/bin", "/bin"]),
        "HOME": str(tmp),
        "FAKE_DIR": str(capture),
        "FAKE_SEND": SEND_CONNECTION,
        "FAKE_LISTEN": LISTEN_CONNECTION,
        "FAKE_HUB_ID": HUB_ID,
        "FAKE_PRINCIPAL": PRINCIPAL_ID,
        "FAKE_VAULT_URI": VAULT_URI,
        "FAKE_PLAN_ID": PLAN_ID,
        "SECLAKE_LOG_LEVEL": "WARNING",
    }
    return capture, env


def run_script(
    script: Path, env: dict[str, str], *, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(script)],
        env=env | (extra or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def az_calls(capture: Path) -> list[str]:
    log = capture / "calls.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []
