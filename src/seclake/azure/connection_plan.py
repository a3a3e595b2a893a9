"""ConnectionPlan: everything the setup script, ARM template and teardown script of a connection need.

A Defender connection is one Azure subscription exporting (continuous export) to one Event Hub, read by
one Function app that forwards to seclake with the connection's own token. `plan_connection` checks the
user's values against Azure's naming rules (errors name the field) and derives the resource names from
the connection's name and id, so two connections never collide and the names are globally unique
where Azure needs that (Event Hubs namespace, storage account, Function app). The names are stored with
the connection (`resources`), so the teardown deletes exactly what the setup created even if the naming
rules here change later. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from seclake.errors import InputError

__all__ = [
    "EVENTHUB_CONNECTION_SETTING",
    "RESOURCE_FIELDS",
    "ConnectionPlan",
    "plan_connection",
]

EVENTHUB_CONNECTION_SETTING = "SECLAKE_EVENTHUB_CONNECTION"  # the Function app's trigger connection
PYTHON_VERSION = "3.11"
AUTOMATION_API_VERSION = "2019-01-01-preview"

# field -> (pattern, what it must look like); values reach shell scripts and ARM JSON, so the patterns
# are strict ASCII and exclude quotes, `$`, backslashes and whitespace where Azure allows them anyway.
_RULES: Mapping[str, tuple[str, str]] = {
    "name": (r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}", "1-64 letters, digits, space . _ -, starting alphanumeric"),
    "subscription_id": (r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", "a subscription id (GUID)"),
    "resource_group": (
        r"[A-Za-z0-9_().-]{0,89}[A-Za-z0-9_()-]",
        "1-90 letters, digits, _ ( ) . -, not ending in .",
    ),
    "location": (
        r"[a-z][a-z0-9]{1,39}",
        "an Azure region name such as westeurope (az account list-locations)",
    ),
    "key_vault": (r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]", "3-24 letters, digits and single -"),
    "url": (r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~%/+-]*)?", "an http(s) base URL without query"),
}
_NAME_RE = re.compile(r"[^a-z0-9]+")
SLUG_CHARS = 20
SUFFIX_CHARS = 8

# Azure resource names of a connection, stored with it (control DB `resources`)
RESOURCE_FIELDS: tuple[str, ...] = (
    "namespace",
    "eventhub",
    "send_rule",
    "listen_rule",
    "storage_account",
    "app_service_plan",
    "function_app",
    "automation",
    "key_vault_secret",
)


@dataclass(frozen=True, slots=True)
class ConnectionPlan:
    """A connection's Azure side: the user's values and the derived resource names."""

    connection_id: str
    name: str
    subscription_id: str
    resource_group: str
    location: str
    seclake_url: str  # base URL the Function app posts to (+ /platform/ingest/v1/security.events)
    key_vault: str | None
    namespace: str
    eventhub: str
    send_rule: str
    listen_rule: str
    storage_account: str
    app_service_plan: str  # ARM template only; the CLI script lets `az functionapp create` make the plan
    function_app: str
    automation: str
    key_vault_secret: str

    @property
    def resources(self) -> dict[str, str]:
        """The derived resource names (what the control DB keeps with the connection)."""
        return {name: getattr(self, name) for name in RESOURCE_FIELDS}

    @property
    def scope_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    def resource_id(self, provider_type: str, *names: str) -> str:
        """`/subscriptions/…/resourceGroups/…/providers/<type>/<name>[/<child type>/<name>…]`."""
        parts = provider_type.split("/")
        provider, types = parts[0], parts[1:]
        if len(types) != len(names):
            raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
        path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
        return f"{self.scope_path}/resourceGroups/{self.resource_group}/providers/{provider}/{path}"

    @property
    def eventhub_id(self) -> str:
        return self.resource_id("Microsoft.EventHub/namespaces/eventhubs", self.namespace, self.eventhub)

    @property
    def automation_id(self) -> str:
        return self.resource_id("Microsoft.Security/automations", self.automation)

    @property
    def description(self) -> str:
        return f"seclake connection {self.name} ({self.connection_id}): container-image findings to Event Hub"

    def warnings(self) -> list[str]:
        """Things that will not work from Azure, said before the user deploys."""
        host = urlsplit(self.seclake_url).hostname or ""
        notes = []
        if host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".localhost"):
            notes.append(f"url {self.seclake_url} is a loopback address: the Function app cannot reach it")
        if self.seclake_url.startswith("http://"):
            notes.append(
                f"url {self.seclake_url} is plain http: the token would cross the internet unencrypted"
            )
        return notes


def _check(field: str, value: str) -> str:
    pattern, shape = _RULES[field]
    if not re.fullmatch(pattern, value, flags=re.ASCII):
        raise InputError(f"connection {field}={value!r:.120}: must be {shape}")
    return value


def _slug(name: str) -> str:
    slug = _NAME_RE.sub("-", name.lower()).strip("-")[:SLUG_CHARS].strip("-")
    return slug or "conn"


def derive_resources(name: str, connection_id: str) -> dict[str, str]:
    """Resource names for a connection: `slk-<slug>-<id prefix>`; storage accounts allow no `-`."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", connection_id):
        raise InputError(f"connection id {connection_id!r:.80}: must be 8-64 lowercase hex digits")
    slug, suffix = _slug(name), connection_id[:SUFFIX_CHARS]
    base = f"slk-{slug}-{suffix}"
    return {
        "namespace": base,  # 6-50, letter first, alphanumeric last
        "eventhub": "seclake-defender-export",
        "send_rule": "seclake-export-send",
        "listen_rule": "seclake-forwarder-listen",
        "storage_account": ("slk" + slug.replace("-", ""))[:16] + suffix,  # 3-24 lowercase alnum
        "app_service_plan": f"{base}-plan",
        "function_app": f"{base}-fn",  # 2-60, globally unique (*.azurewebsites.net)
        "automation": f"seclake-export-{slug}-{suffix}",
        "key_vault_secret": f"seclake-token-{suffix}",
    }


def plan_connection(
    *,
    connection_id: str,
    name: str,
    subscription_id: str,
    resource_group: str,
    location: str,
    url: str,
    key_vault: str | None = None,
    resources: Mapping[str, str] | None = None,
) -> ConnectionPlan:
    """Check the values and derive (or reuse the stored) resource names. InputError names the bad field."""
    checked_name = _check("name", name.strip())
    derived = derive_resources(checked_name, connection_id)
    if resources:
        missing = [f for f in RESOURCE_FIELDS if f not in resources]
        if missing:
            raise InputError(f"connection {connection_id}: stored resources lack {', '.join(missing)}")
        derived = {f: str(resources[f]) for f in RESOURCE_FIELDS}
    return ConnectionPlan(
        connection_id=connection_id,
        name=checked_name,
        subscription_id=_check("subscription_id", subscription_id.strip()).lower(),
        resource_group=_check("resource_group", resource_group.strip()),
        location=_check("location", location.replace(" ", "").lower()),
        seclake_url=_check("url", url.strip()).rstrip("/"),
        key_vault=_check("key_vault", key_vault.strip()) if key_vault else None,
        **derived,
    )
