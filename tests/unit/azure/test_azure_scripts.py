"""setup.sh and teardown.sh: stable (golden), `bash -n` and shellcheck clean, and they do the right
thing when run against a fake `az` (real bash, real `seclake azure function-app`, real python3)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from azure_support import (
    HUB_ID,
    LISTEN_CONNECTION,
    PRINCIPAL_ID,
    SEND_CONNECTION,
    TOKEN,
    VAULT_URI,
    az_calls,
    fake_path,
    make_plan,
    run_script,
)

from golden_util import GOLDEN_ROOT, assert_golden
from seclake.azure.assessment_keys import export_sources
from seclake.azure.connection_plan import ConnectionPlan
from seclake.azure.setup_script import render_setup_script
from seclake.azure.teardown_script import render_teardown_script

GOLDEN = GOLDEN_ROOT / "azure"
SHELLCHECK = shutil.which("shellcheck")
VARIANTS = {"plain": None, "keyvault": "kv-seclake"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_scripts_match_golden(variant: str) -> None:
    plan = make_plan(key_vault=VARIANTS[variant])
    assert_golden(GOLDEN / f"setup-{variant}.sh", render_setup_script(plan))
    assert_golden(GOLDEN / f"teardown-{variant}.sh", render_teardown_script(plan))


def _all_scripts() -> dict[str, str]:
    scripts = {}
    for variant, vault in VARIANTS.items():
        plan = make_plan(key_vault=vault)
        scripts[f"setup-{variant}.sh"] = render_setup_script(plan)
        scripts[f"setup-{variant}-token.sh"] = render_setup_script(plan, token=TOKEN)
        scripts[f"teardown-{variant}.sh"] = render_teardown_script(plan)
    return scripts


def test_scripts_pass_bash_n_and_shellcheck(tmp_path: Path) -> None:
    assert SHELLCHECK is not None, "shellcheck is missing: `make system-deps` (apt-get install shellcheck)"
    paths = [_write(tmp_path, name, text) for name, text in _all_scripts().items()]
    for path in paths:
        syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
        assert syntax.returncode == 0, (path.name, syntax.stderr)
    lint = subprocess.run(
        [SHELLCHECK, "--severity=style", "--shell=bash", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout


def test_token_is_in_the_script_only_when_asked() -> None:
    plan = make_plan()
    assert TOKEN not in render_setup_script(plan)
    assert TOKEN not in render_teardown_script(plan)
    assert f'SECLAKE_TOKEN="${{SECLAKE_TOKEN:-{TOKEN}}}"' in render_setup_script(plan, token=TOKEN)
    with pytest.raises(ValueError, match="cannot be written"):
        render_setup_script(plan, token="x'; rm -rf / #")


def test_setup_without_token_stops_before_touching_azure(tmp_path: Path) -> None:
    capture, env = fake_path(tmp_path)
    script = _write(tmp_path, "setup.sh", render_setup_script(make_plan()))
    result = run_script(script, env)
    assert result.returncode == 2
    assert "SECLAKE_TOKEN" in result.stderr
    assert az_calls(capture) == []


def _run_setup(tmp_path: Path, plan: ConnectionPlan, *, token_in_file: bool) -> tuple[Path, list[str]]:
    capture, env = fake_path(tmp_path)
    text = render_setup_script(plan, token=TOKEN if token_in_file else None)
    script = _write(tmp_path, "setup.sh", text)
    result = run_script(script, env, extra={} if token_in_file else {"SECLAKE_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    calls = az_calls(capture)
    assert not any(TOKEN in call for call in calls), "the token must never be on an az command line"
    assert TOKEN not in result.stdout + result.stderr
    return capture, calls


def _settings(capture: Path) -> dict[str, str]:
    return {s["name"]: s["value"] for s in json.loads((capture / "appsettings.json").read_text())}


def test_setup_creates_everything_and_wires_the_export(tmp_path: Path) -> None:
    plan = make_plan()
    capture, calls = _run_setup(tmp_path, plan, token_in_file=False)
    verbs = [" ".join(c.split()[:3]) for c in calls]
    order = [
        "account set --subscription",
        "group create --name",
        "eventhubs namespace create",
        "eventhubs eventhub create",
        "storage account create",
        "functionapp create --resource-group",
        "functionapp config appsettings",
        "functionapp deployment source",
        "rest --method put",
    ]
    positions = [next(i for i, v in enumerate(verbs) if v.startswith(step)) for step in order]
    assert positions == sorted(positions), verbs
    rules = [c for c in calls if "authorization-rule create" in c]
    assert any("--rights Send" in c and plan.send_rule in c for c in rules)
    assert any("--rights Listen" in c and plan.listen_rule in c for c in rules)
    assert not any("keyvault" in c for c in calls)

    body = json.loads((capture / "automation.json").read_text())
    assert body["location"] == plan.location
    props = body["properties"]
    assert props["actions"] == [
        {"actionType": "EventHub", "eventHubResourceId": HUB_ID, "connectionString": SEND_CONNECTION}
    ]
    assert props["sources"] == export_sources()
    assert props["scopes"][0]["scopePath"] == f"/subscriptions/{plan.subscription_id}"
    put = next(c for c in calls if c.startswith("rest --method put"))
    assert (
        f"/providers/Microsoft.Security/automations/{plan.automation}?api-version=2019-01-01-preview" in put
    )

    assert _settings(capture) == {
        "SECLAKE_URL": plan.seclake_url,
        "SECLAKE_FORWARDER_DEAD_LETTER_DIR": "/home/seclake/dead-letter",  # persistent: the app refuses tmp
        "SECLAKE_TOKEN": TOKEN,
        "SECLAKE_EVENTHUB_CONNECTION": LISTEN_CONNECTION,
    }
    with zipfile.ZipFile(capture / "app.zip") as app:
        assert sorted(app.namelist()) == ["function_app.py", "host.json", "requirements.txt"]
        function_app = app.read("function_app.py").decode()
    assert f'event_hub_name="{plan.eventhub}"' in function_app
    assert 'connection="SECLAKE_EVENTHUB_CONNECTION"' in function_app


def test_setup_with_key_vault_stores_a_reference_not_the_token(tmp_path: Path) -> None:
    plan = make_plan(key_vault="kv-seclake")
    capture, calls = _run_setup(tmp_path, plan, token_in_file=True)
    assert (capture / "token").read_text() == TOKEN
    secret_set = next(c for c in calls if c.startswith("keyvault secret set"))
    assert f"--vault-name kv-seclake --name {plan.key_vault_secret}" in secret_set
    policy = next(c for c in calls if c.startswith("keyvault set-policy"))
    assert f"--object-id {PRINCIPAL_ID} --secret-permissions get" in policy
    expected = f"@Microsoft.KeyVault(SecretUri={VAULT_URI}secrets/{plan.key_vault_secret}/)"
    assert _settings(capture)["SECLAKE_TOKEN"] == expected
    assert not any(c.startswith("keyvault create") for c in calls)  # the vault exists (fake says so)


def test_setup_creates_a_missing_vault_with_access_policies(tmp_path: Path) -> None:
    capture, env = fake_path(tmp_path)
    script = _write(tmp_path, "setup.sh", render_setup_script(make_plan(key_vault="kv-new"), token=TOKEN))
    result = run_script(script, env, extra={"FAKE_KV_MISSING": "3"})
    assert result.returncode == 0, result.stderr
    create = [c for c in az_calls(capture) if c.startswith("keyvault create")]
    assert len(create) == 1 and "--enable-rbac-authorization false" in create[0]


def test_teardown_removes_export_first_and_the_group_last(tmp_path: Path) -> None:
    plan = make_plan(key_vault="kv-seclake")
    capture, env = fake_path(tmp_path)
    script = _write(tmp_path, "teardown.sh", render_teardown_script(plan))
    result = run_script(script, env)
    assert result.returncode == 0, result.stderr
    calls = az_calls(capture)
    deletes = [c for c in calls if any("delete" in word for word in c.split()[:3])]
    assert "Microsoft.Security/automations/" + plan.automation in deletes[0]
    assert deletes[-1].startswith(f"group delete --name {plan.resource_group}")
    deleted_ids = " ".join(deletes)
    for part in (
        f"sites/{plan.function_app}",
        f"storageAccounts/{plan.storage_account}",
        f"namespaces/{plan.namespace}",
    ):
        assert part in deleted_ids
    assert "serverfarms/WestEuropeLinuxDynamicPlan" in deleted_ids
    assert f"keyvault secret delete --vault-name kv-seclake --name {plan.key_vault_secret}" in deleted_ids
    assert f"keyvault delete-policy --name kv-seclake --object-id {PRINCIPAL_ID}" in deleted_ids


def test_teardown_keeps_a_group_that_holds_other_resources(tmp_path: Path) -> None:
    capture, env = fake_path(tmp_path)
    script = _write(tmp_path, "teardown.sh", render_teardown_script(make_plan()))
    result = run_script(script, env, extra={"FAKE_LEFT": "2", "FAKE_SHOW_RC": "3"})
    assert result.returncode == 0, result.stderr
    calls = az_calls(capture)
    assert not any(c.startswith("group delete") for c in calls)
    assert not any(c.startswith("resource delete") for c in calls)  # nothing existed any more
    assert "kept: 2 other resource(s)" in result.stderr
