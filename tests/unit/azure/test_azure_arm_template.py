"""azuredeploy.json: stable (golden), valid JSON, every resource of a known type at a known apiVersion,
dependencies that point at declared resources, and no secret in it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from azure_support import TOKEN, make_plan

from golden_util import GOLDEN_ROOT, assert_golden
from seclake.azure.arm_template import render_arm_template
from seclake.azure.assessment_keys import export_sources
from seclake.azure.connection_files import setup_files

# The test's own table (not the module's): resource type -> apiVersions that exist for it in ARM.
ALLOWED_API_VERSIONS: dict[str, set[str]] = {
    "Microsoft.Resources/resourceGroups": {"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01"},
    "Microsoft.Resources/deployments": {"2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01"},
    "Microsoft.EventHub/namespaces": {"2021-11-01", "2022-10-01-preview", "2024-01-01"},
    "Microsoft.EventHub/namespaces/eventhubs": {"2021-11-01", "2022-10-01-preview", "2024-01-01"},
    "Microsoft.EventHub/namespaces/eventhubs/authorizationRules": {
        "2021-11-01",
        "2022-10-01-preview",
        "2024-01-01",
    },
    "Microsoft.Storage/storageAccounts": {"2022-09-01", "2023-01-01", "2023-05-01"},
    "Microsoft.Web/serverfarms": {"2022-09-01", "2023-01-01", "2023-12-01"},
    "Microsoft.Web/sites": {"2022-09-01", "2023-01-01", "2023-12-01"},
    "Microsoft.KeyVault/vaults": {"2022-07-01", "2023-02-01", "2023-07-01"},
    "Microsoft.KeyVault/vaults/secrets": {"2022-07-01", "2023-02-01", "2023-07-01"},
    "Microsoft.KeyVault/vaults/accessPolicies": {"2022-07-01", "2023-02-01", "2023-07-01"},
    "Microsoft.Security/automations": {"2019-01-01-preview"},
}
VARIANTS = {"plain": None, "keyvault": "kv-seclake"}
RESOURCE_ID_CALL = re.compile(r"resourceId\('([^']+)'")


def _resources(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every resource, nested deployments' inner templates included."""
    for resource in template["resources"]:
        yield resource
        inner = resource.get("properties", {}).get("template")
        if inner is not None:
            yield from _resources(inner)


def _template(variant: str) -> dict[str, Any]:
    text = json.dumps(render_arm_template(make_plan(key_vault=VARIANTS[variant])), indent=2)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_template_matches_golden(variant: str) -> None:
    plan = make_plan(key_vault=VARIANTS[variant])
    text = next(f.text for f in setup_files(plan) if f.name == "azuredeploy.json")
    assert_golden(GOLDEN_ROOT / "azure" / f"azuredeploy-{variant}.json", text)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_resource_has_a_known_type_and_api_version(variant: str) -> None:
    resources = list(_resources(_template(variant)))
    assert resources
    for resource in resources:
        rtype = resource["type"]
        assert rtype in ALLOWED_API_VERSIONS, rtype
        assert resource["apiVersion"] in ALLOWED_API_VERSIONS[rtype], (rtype, resource["apiVersion"])
        assert resource["name"]
    declared = {r["type"] for r in resources}
    expected = {
        "Microsoft.Resources/resourceGroups",
        "Microsoft.EventHub/namespaces/eventhubs/authorizationRules",
        "Microsoft.Web/sites",
        "Microsoft.Security/automations",
    }
    assert expected <= declared
    assert ("Microsoft.KeyVault/vaults/secrets" in declared) == (variant == "keyvault")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_references_point_at_declared_types_and_expressions_balance(variant: str) -> None:
    template = _template(variant)
    declared = {r["type"] for r in _resources(template)}
    text = json.dumps(template)
    for rtype in RESOURCE_ID_CALL.findall(text):
        assert rtype in declared, rtype
    for value in re.findall(r'"(\[[^"]*\])"', text):
        assert value.count("(") == value.count(")"), value


def test_schemas_and_scopes() -> None:
    template = _template("plain")
    assert "subscriptionDeploymentTemplate" in template["$schema"]
    deployment = next(r for r in template["resources"] if r["type"] == "Microsoft.Resources/deployments")
    assert deployment["properties"]["expressionEvaluationOptions"] == {"scope": "inner"}
    assert deployment["resourceGroup"] == "[parameters('resourceGroupName')]"
    inner = deployment["properties"]["template"]
    assert set(deployment["properties"]["parameters"]) == set(inner["parameters"])
    assert template["parameters"]["resourceGroupName"]["defaultValue"] == "rg-seclake-prod"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_export_filters_on_the_key_table_and_targets_the_hub(variant: str) -> None:
    resources = list(_resources(_template(variant)))
    (automation,) = [r for r in resources if r["type"] == "Microsoft.Security/automations"]
    assert automation["apiVersion"] == "2019-01-01-preview"
    props = automation["properties"]
    assert props["sources"] == export_sources()
    (action,) = props["actions"]
    assert action["actionType"] == "EventHub"
    assert "Microsoft.EventHub/namespaces/eventhubs'" in action["eventHubResourceId"]
    assert "variables('sendRule')" in action["connectionString"]
    assert props["scopes"] == [
        {"description": f"subscription {make_plan().subscription_id}", "scopePath": "[subscription().id]"}
    ]


def _app_settings(variant: str) -> dict[str, str]:
    (site,) = [r for r in _resources(_template(variant)) if r["type"] == "Microsoft.Web/sites"]
    assert site["identity"] == {"type": "SystemAssigned"}
    return {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}


@pytest.mark.parametrize("variant", ["plain", "keyvault"])
def test_dead_letters_go_to_persistent_storage(variant: str) -> None:
    """The Function refuses to start without a persistent dead-letter directory: /home on Azure Files."""
    settings = _app_settings(variant)
    assert settings["SECLAKE_FORWARDER_DEAD_LETTER_DIR"].startswith("/home/")
    assert settings["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] == settings["AzureWebJobsStorage"]
    assert settings["WEBSITE_CONTENTSHARE"]


def test_token_setting_is_the_secure_parameter_or_a_key_vault_reference() -> None:
    assert _app_settings("plain")["SECLAKE_TOKEN"] == "[parameters('seclakeToken')]"
    reference = _app_settings("keyvault")["SECLAKE_TOKEN"]
    assert reference.startswith("[format('@Microsoft.KeyVault(SecretUri={0})', reference(")
    assert reference.endswith(".secretUri)]")
    resources = list(_resources(_template("keyvault")))
    (policy,) = [r for r in resources if r["type"] == "Microsoft.KeyVault/vaults/accessPolicies"]
    (entry,) = policy["properties"]["accessPolicies"]
    assert entry["permissions"] == {"secrets": ["get"]}
    assert "identity.principalId" in entry["objectId"]
    (secret,) = [r for r in resources if r["type"] == "Microsoft.KeyVault/vaults/secrets"]
    assert secret["properties"]["value"] == "[parameters('seclakeToken')]"


def test_the_template_never_holds_the_token() -> None:
    for variant in VARIANTS:
        template = _template(variant)
        assert template["parameters"]["seclakeToken"]["type"] == "securestring"
        assert "defaultValue" not in template["parameters"]["seclakeToken"]
    files = {f.name: f for f in setup_files(make_plan(), token=TOKEN)}
    assert TOKEN not in files["azuredeploy.json"].text
    params = json.loads(files["azuredeploy.parameters.json"].text)
    assert params["parameters"] == {"seclakeToken": {"value": TOKEN}}
    assert files["azuredeploy.parameters.json"].mode == 0o600
    assert files["setup.sh"].mode == 0o700
    assert "azuredeploy.parameters.json" not in {f.name for f in setup_files(make_plan())}
