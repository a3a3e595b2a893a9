"""The token scopes seclake knows: Dynatrace's scope names, so the same token settings carry over.

Every route names the scope it needs (`seclake.api.auth.require_scope`); the table below is also what
`seclake token create --scope` and the token API accept, and what the docs list.
"""

from __future__ import annotations

INGEST = "openpipeline.events_security"
INGEST_CUSTOM = "openpipeline.events_security.custom"
QUERY = "storage:security.events:read"
BUCKETS_READ = "storage:buckets:read"
SETTINGS_READ = "settings:read"
SETTINGS_WRITE = "settings:write"
TOKENS_READ = "apitokens:read"
TOKENS_WRITE = "apitokens:write"
WORKFLOWS_READ = "automation:workflows:read"
WORKFLOWS_WRITE = "automation:workflows:write"
WORKFLOWS_RUN = "automation:workflows:run"

# scope -> what it allows (docs and `seclake token create --help` read this table)
SCOPE_HELP: dict[str, str] = {
    INGEST: "send security events to /platform/ingest/v1/security.events (and the legacy path)",
    INGEST_CUSTOM: "send security events to /platform/ingest/custom/security.events/{name}",
    QUERY: "run DQL over security events (query API)",
    BUCKETS_READ: "read bucket definitions",
    SETTINGS_READ: "read Defender connections",
    SETTINGS_WRITE: "create and delete Defender connections",
    TOKENS_READ: "list API tokens",
    TOKENS_WRITE: "create and revoke API tokens",
    WORKFLOWS_READ: "read workflows and their runs",
    WORKFLOWS_WRITE: "create, change and delete workflows",
    WORKFLOWS_RUN: "run workflows",
}

ALL_SCOPES: frozenset[str] = frozenset(SCOPE_HELP)


def unknown_scopes(scopes: object) -> list[str]:
    """The members of `scopes` that are not known scope names, in the order given."""
    if not isinstance(scopes, list | tuple | set | frozenset):
        return [repr(scopes)]
    return [repr(s) if not isinstance(s, str) else s for s in scopes if s not in ALL_SCOPES]
