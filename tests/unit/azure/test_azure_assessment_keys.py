"""The assessment-key table: matches the documented table, the mapper's and the generator's view of it,
and turns into the continuous export's filter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seclake.azure.assessment_keys import (
    ASSESSMENT_KEYS,
    EXPORT_EVENT_SOURCES,
    export_keys,
    export_sources,
    keys_by,
)
from seclake.sources.defender.classify import CONTAINER_KEYS, assessment_key
from seclake.synthetic import catalog

DOC = Path(__file__).parents[4] / "shared" / "docs" / "defender-export.md"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_keys_are_unique_lowercase_guids() -> None:
    keys = [k.key for k in ASSESSMENT_KEYS]
    assert len(keys) == len(set(keys)) == 14
    assert all(GUID.fullmatch(k) for k in keys)


def test_table_names_exactly_the_keys_of_the_documented_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Container-image vulnerability findings", 1)[1].split(
        "Fields of a sub-assessment", 1
    )[0]
    documented = set(GUID.findall(section))
    assert documented == {k.key for k in ASSESSMENT_KEYS}


def test_mapper_classification_covers_the_same_keys() -> None:
    assert set(CONTAINER_KEYS) == {k.key for k in ASSESSMENT_KEYS}
    for k in ASSESSMENT_KEYS:
        scope = CONTAINER_KEYS[k.key]
        assert (scope.provider, scope.runtime, scope.legacy) == (
            k.cloud,
            k.target == "runtime",
            k.generation == "qualys",
        ), k


def test_generator_derives_its_tables_from_this_one() -> None:
    for cloud in ("azure", "aws", "gcp"):
        first, per_image = catalog.REGISTRY_KEYS[cloud]
        assert keys_by(cloud=cloud, target="registry", generation="first")[0].key == first
        assert keys_by(cloud=cloud, target="registry", generation="per-image")[0].key == per_image
        first, per_image = catalog.RUNTIME_KEYS[cloud]
        assert keys_by(cloud=cloud, target="runtime", generation="first")[0].key == first
        assert keys_by(cloud=cloud, target="runtime", generation="per-image")[0].key == per_image
    assert catalog.QUALYS_REGISTRY_KEY == "dbd0cb49-b563-45e7-9724-889e799fa648"


def test_export_filters_on_every_current_key_and_skips_retired_ones() -> None:
    keys = export_keys()
    assert len(keys) == 12
    assert {k.key for k in ASSESSMENT_KEYS if k.retired}.isdisjoint(keys)


def _matches(source: dict[str, object], record_id: str) -> bool:
    """Defender's semantics: rule sets OR-ed, rules inside a set AND-ed, `Contains` on the id."""
    rule_sets = source["ruleSets"]
    assert isinstance(rule_sets, list)
    return any(all(r["expectedValue"] in record_id for r in rs["rules"]) for rs in rule_sets)


@pytest.mark.parametrize("key", export_keys())
def test_rules_select_parent_and_sub_assessments_of_each_key(key: str) -> None:
    scope = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r"
    parent = f"{scope}/providers/Microsoft.Security/assessments/{key}"
    sub = f"{parent}/subAssessments/0b1c"
    other = f"{scope}/providers/Microsoft.Security/assessments/1195afff-c881-495e-9bc5-1486211ae03f"
    sources = {s["eventSource"]: s for s in export_sources()}
    assert set(sources) == set(EXPORT_EVENT_SOURCES)
    for name in ("Assessments", "AssessmentsSnapshot"):
        assert _matches(sources[name], parent) and not _matches(sources[name], other)
    for name in ("SubAssessments", "SubAssessmentsSnapshot"):
        assert _matches(sources[name], sub) and not _matches(sources[name], other + "/subAssessments/x")
    assert assessment_key(sub) == key == assessment_key(parent)


def test_rule_shape_is_the_documented_one() -> None:
    for source in export_sources():
        assert len(source["ruleSets"]) == len(export_keys())
        for rule_set in source["ruleSets"]:
            (rule,) = rule_set["rules"]
            assert rule["propertyJPath"] == "id" and rule["operator"] == "Contains"
            assert rule["propertyType"] == "String"
            if source["eventSource"].startswith("Sub"):
                assert re.fullmatch(r"/assessments/[0-9a-f-]{36}/", rule["expectedValue"])
