"""ConnectionPlan: user values checked against Azure's rules, resource names that Azure accepts."""

from __future__ import annotations

import re

import pytest
from azure_support import CONNECTION_ID, SUBSCRIPTION, make_plan
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from seclake.azure.connection_plan import RESOURCE_FIELDS, plan_connection
from seclake.errors import InputError

# Azure's naming rules (learn.microsoft.com "Naming rules and restrictions for Azure resources")
AZURE_NAME_RULES: dict[str, str] = {
    "namespace": r"[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]",
    "eventhub": r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}",
    "send_rule": r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}",
    "listen_rule": r"[A-Za-z0-9][A-Za-z0-9._-]{0,255}",
    "storage_account": r"[a-z0-9]{3,24}",
    "app_service_plan": r"[A-Za-z0-9-]{1,60}",
    "function_app": r"[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]",
    "automation": r"[A-Za-z0-9_-]{1,260}",
    "key_vault_secret": r"[A-Za-z0-9-]{1,127}",
}
GOOD = {
    "connection_id": CONNECTION_ID,
    "name": "Prod EU",
    "subscription_id": SUBSCRIPTION,
    "resource_group": "rg-seclake",
    "location": "westeurope",
    "url": "https://seclake.example.com",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "a" * 65),
        ("name", "prod; rm -rf /"),
        ("name", "$(whoami)"),
        ("subscription_id", "not-a-guid"),
        ("subscription_id", SUBSCRIPTION + "0"),
        ("resource_group", "ends-with-dot."),
        ("resource_group", "has space"),
        ("resource_group", "x" * 91),
        ("location", "west-europe"),
        ("location", "1west"),
        ("url", "ftp://seclake.example.com"),
        ("url", "https://seclake.example.com/?x=1"),
        ("url", 'https://a"b.example.com'),
        ("url", "https://seclake.example.com/$HOME"),
        ("key_vault", "kv"),
        ("key_vault", "kv--double"),
        ("key_vault", "1kv-starts-with-digit"),
        ("key_vault", "kv-ends-with-dash-"),
    ],
)
def test_bad_values_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(InputError, match=f"connection {field}="):
        plan_connection(**(GOOD | {field: value}))


def test_values_are_normalized() -> None:
    plan = plan_connection(
        **(
            GOOD
            | {
                "location": "West Europe",
                "url": "https://s.example.com/base/",
                "subscription_id": SUBSCRIPTION.upper(),
            }
        )
    )
    assert plan.location == "westeurope"
    assert plan.seclake_url == "https://s.example.com/base"
    assert plan.subscription_id == SUBSCRIPTION


def test_derived_names_follow_azure_rules_and_carry_the_id() -> None:
    plan = make_plan(key_vault="kv-seclake")
    for field, rule in AZURE_NAME_RULES.items():
        assert re.fullmatch(rule, getattr(plan, field)), (field, getattr(plan, field))
    for field in ("namespace", "storage_account", "function_app", "automation", "key_vault_secret"):
        assert CONNECTION_ID[:8] in getattr(plan, field)
    assert set(plan.resources) == set(RESOURCE_FIELDS)


@hsettings(max_examples=200)
@given(
    name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}", fullmatch=True),
    connection_id=st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
)
def test_any_valid_name_gives_valid_resource_names(name: str, connection_id: str) -> None:
    plan = plan_connection(**(GOOD | {"name": name, "connection_id": connection_id}))
    for field, rule in AZURE_NAME_RULES.items():
        assert re.fullmatch(rule, getattr(plan, field)), (name, field, getattr(plan, field))


def test_stored_resource_names_win_over_derived_ones() -> None:
    stored = make_plan().resources | {"namespace": "slk-renamed-earlier"}
    plan = plan_connection(**GOOD, resources=stored)
    assert plan.namespace == "slk-renamed-earlier"
    with pytest.raises(InputError, match="stored resources lack"):
        plan_connection(**GOOD, resources={"namespace": "x"})


def test_resource_ids() -> None:
    plan = make_plan()
    assert plan.eventhub_id == (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-seclake-prod/providers/Microsoft.EventHub/"
        f"namespaces/{plan.namespace}/eventhubs/{plan.eventhub}"
    )
    assert plan.automation_id.endswith(f"/providers/Microsoft.Security/automations/{plan.automation}")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://seclake.example.com", []),
        ("http://seclake.example.com", ["plain http"]),
        ("http://127.0.0.1:8040", ["loopback", "plain http"]),
        ("https://localhost", ["loopback"]),
    ],
)
def test_warnings_for_urls_azure_cannot_use(url: str, expected: list[str]) -> None:
    warnings = plan_connection(**(GOOD | {"url": url})).warnings()
    assert len(warnings) == len(expected)
    for warning, word in zip(warnings, expected, strict=True):
        assert word in warning
