"""The ARM template of a connection (`azuredeploy.json`): a pure function of a ConnectionPlan.

A subscription-scope template, so that it can create the resource group: it declares the resource
group and one nested deployment (inner expression scope) into it holding the resources the setup
script creates: Event Hubs namespace, hub, send and listen rules, storage account, Linux consumption
plan, Function app (system identity, app settings SECLAKE_URL / SECLAKE_TOKEN / the Event Hubs listen
connection), optionally a Key Vault, a secret holding the token and an access policy (get on secrets)
for the app's identity — the app setting is then a `@Microsoft.KeyVault(SecretUri=…)` reference — and
the Defender for Cloud continuous export (`Microsoft.Security/automations`).

The token is the `seclakeToken` secure parameter: it is never in the template. Deploy with
`az deployment sub create --location <region> --template-file azuredeploy.json
--parameters seclakeToken="$SECLAKE_TOKEN"`. ARM deploys no code: publish the forwarder afterwards
(the `nextStep` output says how; the setup script does both).
"""

from __future__ import annotations

from typing import Any

from seclake.azure.assessment_keys import export_sources
from seclake.azure.connection_plan import EVENTHUB_CONNECTION_SETTING, PYTHON_VERSION, ConnectionPlan

__all__ = ["API_VERSIONS", "render_arm_template"]

SUBSCRIPTION_SCHEMA = (
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
)
GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"

# resource type -> apiVersion used (tests check every declared resource against their own table)
API_VERSIONS: dict[str, str] = {
    "Microsoft.Resources/resourceGroups": "2022-09-01",
    "Microsoft.Resources/deployments": "2022-09-01",
    "Microsoft.EventHub/namespaces": "2024-01-01",
    "Microsoft.EventHub/namespaces/eventhubs": "2024-01-01",
    "Microsoft.EventHub/namespaces/eventhubs/authorizationRules": "2024-01-01",
    "Microsoft.Storage/storageAccounts": "2023-05-01",
    "Microsoft.Web/serverfarms": "2023-12-01",
    "Microsoft.Web/sites": "2023-12-01",
    "Microsoft.KeyVault/vaults": "2023-07-01",
    "Microsoft.KeyVault/vaults/secrets": "2023-07-01",
    "Microsoft.KeyVault/vaults/accessPolicies": "2023-07-01",
    "Microsoft.Security/automations": "2019-01-01-preview",
}

_HUB = (
    "[resourceId('Microsoft.EventHub/namespaces/eventhubs', variables('namespace'), variables('eventhub'))]"
)
_SEND = (
    "[resourceId('Microsoft.EventHub/namespaces/eventhubs/authorizationRules', variables('namespace'),"
    " variables('eventhub'), variables('sendRule'))]"
)
_LISTEN = (
    "[resourceId('Microsoft.EventHub/namespaces/eventhubs/authorizationRules', variables('namespace'),"
    " variables('eventhub'), variables('listenRule'))]"
)
_STORAGE = "[resourceId('Microsoft.Storage/storageAccounts', variables('storageAccount'))]"
_PLAN = "[resourceId('Microsoft.Web/serverfarms', variables('plan'))]"
_SITE = "[resourceId('Microsoft.Web/sites', variables('functionApp'))]"
_VAULT = "[resourceId('Microsoft.KeyVault/vaults', variables('keyVault'))]"
_SECRET = (
    "[resourceId('Microsoft.KeyVault/vaults/secrets', variables('keyVault'), variables('keyVaultSecret'))]"
)


def _res(rtype: str, name: str, props: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"type": rtype, "apiVersion": API_VERSIONS[rtype], "name": name}
    resource.update(extra)
    if props is not None:
        resource["properties"] = props
    return resource


def _expr(body: str) -> str:
    """Strip the brackets of an ARM expression to nest it in another one."""
    return body[1:-1]


def _eventhub_resources() -> list[dict[str, Any]]:
    loc = "[parameters('location')]"
    ns = "[variables('namespace')]"
    hub = "[format('{0}/{1}', variables('namespace'), variables('eventhub'))]"
    ns_id = "[resourceId('Microsoft.EventHub/namespaces', variables('namespace'))]"

    def rule(var: str, right: str) -> dict[str, Any]:
        name = f"[format('{{0}}/{{1}}/{{2}}', variables('namespace'), variables('eventhub'), variables('{var}'))]"
        return _res(
            "Microsoft.EventHub/namespaces/eventhubs/authorizationRules",
            name,
            {"rights": [right]},
            dependsOn=[_HUB],
        )

    return [
        _res(
            "Microsoft.EventHub/namespaces",
            ns,
            {"minimumTlsVersion": "1.2"},
            location=loc,
            sku={"name": "[parameters('eventHubSku')]", "tier": "[parameters('eventHubSku')]", "capacity": 1},
        ),
        _res(
            "Microsoft.EventHub/namespaces/eventhubs",
            hub,
            {"partitionCount": 4, "messageRetentionInDays": 1},
            dependsOn=[ns_id],
        ),
        rule("sendRule", "Send"),
        rule("listenRule", "Listen"),
    ]


def _storage_connection() -> str:
    return (
        "[format('DefaultEndpointsProtocol=https;AccountName={0};EndpointSuffix={1};AccountKey={2}',"
        " variables('storageAccount'), environment().suffixes.storage,"
        f" listKeys({_expr(_STORAGE)}, '{API_VERSIONS['Microsoft.Storage/storageAccounts']}').keys[0].value)]"
    )


def _token_setting(key_vault: bool) -> str:
    if not key_vault:
        return "[parameters('seclakeToken')]"
    api = API_VERSIONS["Microsoft.KeyVault/vaults/secrets"]
    return f"[format('@Microsoft.KeyVault(SecretUri={{0}})', reference({_expr(_SECRET)}, '{api}').secretUri)]"


def _function_resources(key_vault: bool) -> list[dict[str, Any]]:
    loc = "[parameters('location')]"
    eh_api = API_VERSIONS["Microsoft.EventHub/namespaces/eventhubs/authorizationRules"]
    settings = {
        "AzureWebJobsStorage": _storage_connection(),
        # The content share puts /home on Azure Files (persistent): the forwarder's dead letters live
        # there (seclake.forwarder.function_handler refuses to start without persistent storage).
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": _storage_connection(),
        "WEBSITE_CONTENTSHARE": "[toLower(variables('functionApp'))]",
        "SECLAKE_FORWARDER_DEAD_LETTER_DIR": "/home/seclake/dead-letter",
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        "SECLAKE_URL": "[parameters('seclakeUrl')]",
        "SECLAKE_TOKEN": _token_setting(key_vault),
        EVENTHUB_CONNECTION_SETTING: f"[listKeys({_expr(_LISTEN)}, '{eh_api}').primaryConnectionString]",
    }
    site_depends = [_PLAN, _STORAGE, _LISTEN] + ([_SECRET] if key_vault else [])
    site_config = {
        "linuxFxVersion": f"Python|{PYTHON_VERSION}",
        "ftpsState": "Disabled",
        "minTlsVersion": "1.2",
        "appSettings": [{"name": k, "value": v} for k, v in settings.items()],
    }
    return [
        _res(
            "Microsoft.Storage/storageAccounts",
            "[variables('storageAccount')]",
            {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False, "supportsHttpsTrafficOnly": True},
            location=loc,
            sku={"name": "Standard_LRS"},
            kind="StorageV2",
        ),
        _res(
            "Microsoft.Web/serverfarms",
            "[variables('plan')]",
            {"reserved": True},
            location=loc,
            sku={"name": "Y1", "tier": "Dynamic"},
            kind="functionapp",
        ),
        _res(
            "Microsoft.Web/sites",
            "[variables('functionApp')]",
            {"serverFarmId": _PLAN, "reserved": True, "httpsOnly": True, "siteConfig": site_config},
            location=loc,
            kind="functionapp,linux",
            identity={"type": "SystemAssigned"},
            dependsOn=site_depends,
        ),
    ]


def _key_vault_resources() -> list[dict[str, Any]]:
    site_api = API_VERSIONS["Microsoft.Web/sites"]
    vault_props = {
        "tenantId": "[subscription().tenantId]",
        "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": False,
        "accessPolicies": [],
    }
    policy = {
        "tenantId": "[subscription().tenantId]",
        "objectId": f"[reference({_expr(_SITE)}, '{site_api}', 'full').identity.principalId]",
        "permissions": {"secrets": ["get"]},
    }
    return [
        _res(
            "Microsoft.KeyVault/vaults",
            "[variables('keyVault')]",
            vault_props,
            condition="[parameters('createKeyVault')]",
            location="[parameters('location')]",
        ),
        _res(
            "Microsoft.KeyVault/vaults/secrets",
            "[format('{0}/{1}', variables('keyVault'), variables('keyVaultSecret'))]",
            {"value": "[parameters('seclakeToken')]", "contentType": "seclake API token"},
            dependsOn=[_VAULT],
        ),
        _res(
            "Microsoft.KeyVault/vaults/accessPolicies",
            "[format('{0}/add', variables('keyVault'))]",
            {"accessPolicies": [policy]},
            dependsOn=[_VAULT, _SITE],
        ),
    ]


def _automation(plan: ConnectionPlan) -> dict[str, Any]:
    eh_api = API_VERSIONS["Microsoft.EventHub/namespaces/eventhubs/authorizationRules"]
    props = {
        "description": plan.description,
        "isEnabled": True,
        "scopes": [
            {"description": f"subscription {plan.subscription_id}", "scopePath": "[subscription().id]"}
        ],
        "sources": export_sources(),
        "actions": [
            {
                "actionType": "EventHub",
                "eventHubResourceId": _HUB,
                "connectionString": f"[listKeys({_expr(_SEND)}, '{eh_api}').primaryConnectionString]",
            }
        ],
    }
    return _res(
        "Microsoft.Security/automations",
        "[variables('automation')]",
        props,
        location="[parameters('location')]",
        dependsOn=[_SEND],
    )


def _inner_template(plan: ConnectionPlan) -> dict[str, Any]:
    key_vault = plan.key_vault is not None
    params: dict[str, Any] = {
        "location": {"type": "string"},
        "seclakeUrl": {"type": "string"},
        "seclakeToken": {"type": "securestring"},
        "eventHubSku": {"type": "string"},
    }
    variables = {
        "namespace": plan.namespace,
        "eventhub": plan.eventhub,
        "sendRule": plan.send_rule,
        "listenRule": plan.listen_rule,
        "storageAccount": plan.storage_account,
        "plan": plan.app_service_plan,
        "functionApp": plan.function_app,
        "automation": plan.automation,
    }
    resources = _eventhub_resources() + _function_resources(key_vault)
    if key_vault:
        params["createKeyVault"] = {"type": "bool"}
        variables |= {"keyVault": plan.key_vault or "", "keyVaultSecret": plan.key_vault_secret}
        resources += _key_vault_resources()
    resources.append(_automation(plan))
    return {
        "$schema": GROUP_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": params,
        "variables": variables,
        "resources": resources,
        "outputs": {
            "functionApp": {"type": "string", "value": "[variables('functionApp')]"},
            "eventHubResourceId": {"type": "string", "value": _HUB},
        },
    }


def _outer_parameters(plan: ConnectionPlan) -> dict[str, Any]:
    params: dict[str, Any] = {
        "resourceGroupName": {"type": "string", "defaultValue": plan.resource_group},
        "location": {"type": "string", "defaultValue": plan.location},
        "seclakeUrl": {
            "type": "string",
            "defaultValue": plan.seclake_url,
            "metadata": {"description": "Base URL of the seclake server the Function app posts to."},
        },
        "seclakeToken": {
            "type": "securestring",
            "metadata": {
                "description": f"The token `seclake connection create` printed for {plan.connection_id}."
            },
        },
        "eventHubSku": {"type": "string", "defaultValue": "Standard", "allowedValues": ["Basic", "Standard"]},
    }
    if plan.key_vault is not None:
        params["createKeyVault"] = {
            "type": "bool",
            "defaultValue": True,
            "metadata": {
                "description": f"Create Key Vault {plan.key_vault} (false: it exists in this group)."
            },
        }
    return params


def render_arm_template(plan: ConnectionPlan) -> dict[str, Any]:
    """The subscription-scope deployment template (JSON-ready dict) for `plan`."""
    forwarded = ["location", "seclakeUrl", "seclakeToken", "eventHubSku"]
    if plan.key_vault is not None:
        forwarded.append("createKeyVault")
    group_id = "[resourceId('Microsoft.Resources/resourceGroups', parameters('resourceGroupName'))]"
    deployment = _res(
        "Microsoft.Resources/deployments",
        f"seclake-{plan.connection_id[:8]}",
        {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {name: {"value": f"[parameters('{name}')]"} for name in forwarded},
            "template": _inner_template(plan),
        },
        resourceGroup="[parameters('resourceGroupName')]",
        dependsOn=[group_id],
    )
    next_step = (
        f"seclake azure function-app --out app --eventhub-name {plan.eventhub} --connection-setting "
        f"{EVENTHUB_CONNECTION_SETTING}; then zip-deploy app/ to {plan.function_app} "
        "(az functionapp deployment source config-zip --build-remote true)"
    )
    return {
        "$schema": SUBSCRIPTION_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"description": plan.description, "generator": "seclake connection create"},
        "parameters": _outer_parameters(plan),
        "resources": [
            _res(
                "Microsoft.Resources/resourceGroups",
                "[parameters('resourceGroupName')]",
                location="[parameters('location')]",
            ),
            deployment,
        ],
        "outputs": {"nextStep": {"type": "string", "value": next_step}},
    }
