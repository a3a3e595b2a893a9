"""The Azure CLI setup script of a connection (`setup.sh`): a pure function of a ConnectionPlan.

The script has three parts: a header of shell variables (every value shell-quoted; the only place that
differs between connections), the continuous-export body as JSON (generated from the assessment-key
table; it goes to `az rest` as a file because it carries the Event Hub send key), and a fixed body of
`az` commands that reads only those variables. Steps, in order: subscription, resource group, Event Hubs
namespace + hub + send and listen rules, storage account, Function app (Linux consumption, Python,
system-assigned identity), optionally a Key Vault secret + access policy (get on secrets) + the
`@Microsoft.KeyVault(SecretUri=…)` reference, the app settings (as a file, so secrets never appear on a
command line), the forwarder code (`seclake azure function-app`, zip deploy with remote build), and the
`Microsoft.Security/automations` export.

The token: by default the script reads it from the SECLAKE_TOKEN environment variable and stops when it
is missing, so the script file holds no secret and may be shared or committed. `token=` (the CLI's
`--include-token`) writes it into the script as the default of that variable; such a file must be
treated as a secret (the CLI writes it with mode 0700).
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from seclake.azure.assessment_keys import export_sources
from seclake.azure.connection_plan import (
    AUTOMATION_API_VERSION,
    EVENTHUB_CONNECTION_SETTING,
    PYTHON_VERSION,
    ConnectionPlan,
)

__all__ = ["SEND_CONNECTION_MARKER", "automation_body", "render_setup_script"]

SEND_CONNECTION_MARKER = "${SEND_CONNECTION}"  # expanded by bash inside the unquoted heredoc
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._-]{1,200}")


def automation_body(plan: ConnectionPlan, *, connection_string: str, eventhub_id: str) -> dict[str, Any]:
    """The `Microsoft.Security/automations` resource body (location + properties) of the export."""
    return {
        "location": plan.location,
        "properties": {
            "description": plan.description,
            "isEnabled": True,
            "scopes": [{"description": f"subscription {plan.subscription_id}", "scopePath": plan.scope_path}],
            "sources": export_sources(),
            "actions": [
                {
                    "actionType": "EventHub",
                    "eventHubResourceId": eventhub_id,
                    "connectionString": connection_string,
                }
            ],
        },
    }


def _heredoc_text(text: str) -> str:
    """Escape text for an unquoted heredoc: only `\\`, `$` and backquotes are special there."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def _header(plan: ConnectionPlan, token: str | None) -> str:
    values: dict[str, str] = {
        "CONNECTION_ID": plan.connection_id,
        "SUBSCRIPTION": plan.subscription_id,
        "RESOURCE_GROUP": plan.resource_group,
        "LOCATION": plan.location,
        "NAMESPACE": plan.namespace,
        "EVENTHUB": plan.eventhub,
        "SEND_RULE": plan.send_rule,
        "LISTEN_RULE": plan.listen_rule,
        "STORAGE_ACCOUNT": plan.storage_account,
        "FUNCTION_APP": plan.function_app,
        "AUTOMATION": plan.automation,
        "KEY_VAULT": plan.key_vault or "",
        "KEY_VAULT_SECRET": plan.key_vault_secret,
        "SECLAKE_URL": plan.seclake_url,
        "PYTHON_VERSION": PYTHON_VERSION,
        "EVENTHUB_SETTING": EVENTHUB_CONNECTION_SETTING,
        "AUTOMATION_API": AUTOMATION_API_VERSION,
    }
    lines = [f"{name}={shlex.quote(value)}" for name, value in values.items()]
    if token is None:
        lines.append('SECLAKE_TOKEN="${SECLAKE_TOKEN:-}"  # the connection token, printed once at creation')
    else:
        # inside "${…:-word}" quotes are literal, so the token is checked instead of quoted
        if not _TOKEN_CHARS.fullmatch(token):
            raise ValueError("token has characters that cannot be written into a shell script")
        lines.append(f'SECLAKE_TOKEN="${{SECLAKE_TOKEN:-{token}}}"  # SECRET: keep this file private')
    return "\n".join(lines)


def _automation_heredoc(plan: ConnectionPlan) -> str:
    body = automation_body(plan, connection_string="@SEND@", eventhub_id="@HUB@")
    text = _heredoc_text(json.dumps(body, indent=2))
    text = text.replace('"@SEND@"', f'"{SEND_CONNECTION_MARKER}"').replace('"@HUB@"', '"${EVENTHUB_ID}"')
    return f'cat > "$WORK/automation.json" <<JSON\n{text}\nJSON'


def render_setup_script(plan: ConnectionPlan, *, token: str | None = None) -> str:
    """The setup script text. With `token`, the script carries the token (a secret file)."""
    intro = _INTRO.format(name=plan.name, id=plan.connection_id)
    return "\n".join([intro, _header(plan, token), _CHECKS, _RESOURCES, _automation_heredoc(plan), _FINISH])


_INTRO = """#!/usr/bin/env bash
# seclake Defender connection {name} ({id}): Azure setup.
# Generated by `seclake connection create`. Run it where the Azure CLI is logged in (az login) and
# seclake is installed (it writes the Function app code). Idempotent: re-running updates in place.
# The connection token is read from SECLAKE_TOKEN unless it is written below (--include-token).
# Undo with the teardown script (`seclake connection delete` prints it).
set -euo pipefail
"""

_CHECKS = """
if [ -z "$SECLAKE_TOKEN" ]; then
  echo "error: set SECLAKE_TOKEN to the token \\`seclake connection create\\` printed for $CONNECTION_ID" >&2
  exit 2
fi
for tool in az seclake python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool is not installed (needed by this script)" >&2
    exit 2
  fi
done
umask 077
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
step() { printf '==> %s\\n' "$*" >&2; }
"""

_RESOURCES = """
step "subscription $SUBSCRIPTION"
az account set --subscription "$SUBSCRIPTION"

step "resource group $RESOURCE_GROUP"
az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none

step "Event Hubs namespace $NAMESPACE, hub $EVENTHUB"
az eventhubs namespace create --resource-group "$RESOURCE_GROUP" --name "$NAMESPACE" \\
  --location "$LOCATION" --sku Standard --output none
az eventhubs eventhub create --resource-group "$RESOURCE_GROUP" --namespace-name "$NAMESPACE" \\
  --name "$EVENTHUB" --partition-count 4 --output none
az eventhubs eventhub authorization-rule create --resource-group "$RESOURCE_GROUP" \\
  --namespace-name "$NAMESPACE" --eventhub-name "$EVENTHUB" --name "$SEND_RULE" --rights Send --output none
az eventhubs eventhub authorization-rule create --resource-group "$RESOURCE_GROUP" \\
  --namespace-name "$NAMESPACE" --eventhub-name "$EVENTHUB" --name "$LISTEN_RULE" --rights Listen --output none
SEND_CONNECTION="$(az eventhubs eventhub authorization-rule keys list --resource-group "$RESOURCE_GROUP" \\
  --namespace-name "$NAMESPACE" --eventhub-name "$EVENTHUB" --name "$SEND_RULE" \\
  --query primaryConnectionString --output tsv)"
LISTEN_CONNECTION="$(az eventhubs eventhub authorization-rule keys list --resource-group "$RESOURCE_GROUP" \\
  --namespace-name "$NAMESPACE" --eventhub-name "$EVENTHUB" --name "$LISTEN_RULE" \\
  --query primaryConnectionString --output tsv)"
EVENTHUB_ID="$(az eventhubs eventhub show --resource-group "$RESOURCE_GROUP" --namespace-name "$NAMESPACE" \\
  --name "$EVENTHUB" --query id --output tsv)"

step "storage account $STORAGE_ACCOUNT, Function app $FUNCTION_APP"
az storage account create --resource-group "$RESOURCE_GROUP" --name "$STORAGE_ACCOUNT" \\
  --location "$LOCATION" --sku Standard_LRS --kind StorageV2 --min-tls-version TLS1_2 \\
  --allow-blob-public-access false --output none
az functionapp create --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP" \\
  --storage-account "$STORAGE_ACCOUNT" --consumption-plan-location "$LOCATION" --os-type Linux \\
  --runtime python --runtime-version "$PYTHON_VERSION" --functions-version 4 \\
  --assign-identity '[system]' --https-only true --output none
PRINCIPAL_ID="$(az functionapp identity show --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP" \\
  --query principalId --output tsv)"

TOKEN_SETTING="$SECLAKE_TOKEN"
if [ -n "$KEY_VAULT" ]; then
  step "Key Vault $KEY_VAULT: secret $KEY_VAULT_SECRET, get on secrets for the Function app"
  if ! az keyvault show --name "$KEY_VAULT" --output none 2>/dev/null; then
    az keyvault create --name "$KEY_VAULT" --resource-group "$RESOURCE_GROUP" --location "$LOCATION" \\
      --enable-rbac-authorization false --output none
  fi
  printf '%s' "$SECLAKE_TOKEN" >"$WORK/token"
  az keyvault secret set --vault-name "$KEY_VAULT" --name "$KEY_VAULT_SECRET" --file "$WORK/token" \\
    --encoding utf-8 --output none
  az keyvault set-policy --name "$KEY_VAULT" --object-id "$PRINCIPAL_ID" --secret-permissions get --output none
  VAULT_URI="$(az keyvault show --name "$KEY_VAULT" --query properties.vaultUri --output tsv)"
  TOKEN_SETTING="@Microsoft.KeyVault(SecretUri=${VAULT_URI%/}/secrets/${KEY_VAULT_SECRET}/)"
fi

step "app settings of $FUNCTION_APP"
cat >"$WORK/appsettings.json" <<JSON
[
  {"name": "SECLAKE_URL", "value": "${SECLAKE_URL}", "slotSetting": false},
  {"name": "SECLAKE_FORWARDER_DEAD_LETTER_DIR", "value": "/home/seclake/dead-letter", "slotSetting": false},
  {"name": "SECLAKE_TOKEN", "value": "${TOKEN_SETTING}", "slotSetting": false},
  {"name": "${EVENTHUB_SETTING}", "value": "${LISTEN_CONNECTION}", "slotSetting": false}
]
JSON
az functionapp config appsettings set --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP" \\
  --settings "@$WORK/appsettings.json" --output none

step "forwarder code"
APP_ARGS=(--out "$WORK/app" --eventhub-name "$EVENTHUB" --connection-setting "$EVENTHUB_SETTING" --url "$SECLAKE_URL")
if [ -n "${SECLAKE_REQUIREMENT:-}" ]; then
  APP_ARGS+=(--seclake-requirement "$SECLAKE_REQUIREMENT")
fi
seclake azure function-app "${APP_ARGS[@]}" >/dev/null
(cd "$WORK/app" && python3 -m zipfile -c "$WORK/app.zip" function_app.py host.json requirements.txt)
az functionapp deployment source config-zip --resource-group "$RESOURCE_GROUP" --name "$FUNCTION_APP" \\
  --src "$WORK/app.zip" --build-remote true --output none

step "continuous export $AUTOMATION (Defender for Cloud -> $EVENTHUB)"
"""

_FINISH = """az rest --method put --output none --body "@$WORK/automation.json" \\
  --url "https://management.azure.com/subscriptions/$SUBSCRIPTION/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Security/automations/$AUTOMATION?api-version=$AUTOMATION_API"

step "done: Defender for Cloud exports container-image findings to $EVENTHUB; $FUNCTION_APP forwards them to $SECLAKE_URL"
"""
