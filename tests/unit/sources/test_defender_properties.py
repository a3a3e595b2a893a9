"""Property tests: arbitrary JSON and mutated real-shaped records never crash the mapper, and every
event it emits is valid for the catalog (`seclake.model.validate_event`)."""

from __future__ import annotations

from typing import Any

import orjson
from defender_samples import all_object_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seclake.model import validate_event
from seclake.sources.defender import MapResult, map_body, map_records

SEEDS = all_object_records()
# Keys the mapper reads, so generated objects reach deep into its code paths.
VOCABULARY = [
    "type",
    "Type",
    "id",
    "properties",
    "additionalData",
    "assessedResourceType",
    "status",
    "code",
    "cause",
    "severity",
    "timeGenerated",
    "TimeGenerated",
    "resourceDetails",
    "source",
    "artifactDetails",
    "digest",
    "registryHost",
    "repositoryName",
    "tags",
    "softwareDetails",
    "packageName",
    "version",
    "fixedVersion",
    "vulnerabilityDetails",
    "cveId",
    "cvss",
    "3.0",
    "2.0",
    "base",
    "references",
    "title",
    "link",
    "AlertType",
    "SystemAlertId",
    "Severity",
    "StartTimeUtc",
    "ResourceIdentifiers",
    "AzureResourceId",
    "CompromisedEntity",
    "kubernetesDetails",
    "subAssessmentEventDataEnrichment",
    "action",
    "imageDigest",
    "cve",
    "Digest",
    "ImageUri",
]
TYPES = [
    "Microsoft.Security/assessments/subAssessments",
    "Microsoft.Security/assessments",
    "microsoft.security/assessments/subassessments",
]
# Any code point except lone surrogates: records come from JSON bodies, which cannot carry them (the
# bytes test below feeds surrogates to the body decoder). st.text()'s default alphabet costs seconds.
text = st.text(st.characters(min_codepoint=0, exclude_categories=("Cs",)), max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | text
    | st.sampled_from(
        ["2024-05-14T06:12:44Z", "Healthy", "NotApplicable", "Exempt", "Delete", "sha256:ab", *TYPES]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(VOCABULARY) | text, children, max_size=6)
    ),
    max_leaves=12,
)


def check(result: MapResult) -> None:
    internal = [str(e) for e in result.errors if e.reason.startswith("internal error")]
    assert not internal, internal
    for error in result.errors:
        assert error.path.startswith("$")
    for event in result.events:
        assert validate_event(event) == [], event
        orjson.dumps(event)  # JSON-ready


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(json_values, max_size=3))
def test_arbitrary_json_records_never_crash(records: list[Any]) -> None:
    result = map_records(records)
    check(result)
    assert result.records == len(records)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(st.characters(min_codepoint=0), max_size=200))
def test_arbitrary_bytes_never_crash(body: bytes | str) -> None:
    check(map_body(body))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _paths(child, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = _replace(value[head], rest, new, delete)
    return copy


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(record)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        record = _replace(record, path, draw(json_values), delete=draw(st.booleans()))
    assert isinstance(record, dict)
    return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_records(), min_size=1, max_size=3))
def test_mutated_real_shaped_records_never_crash(records: list[dict[str, Any]]) -> None:
    result = map_records(records)
    check(result)
    assert result.records == len(records)
    if not _has_big_ints(records):  # orjson cannot write integers beyond 64 bits; JSON bodies never hold them
        assert map_body(orjson.dumps(records)).events == result.events


def _has_big_ints(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) >= 2**63
    if isinstance(value, dict):
        return any(_has_big_ints(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_big_ints(v) for v in value)
    return False


def test_seeds_cover_every_record_kind() -> None:
    kinds = {str(r.get("type", r.get("AlertType", ""))).lower() for r in SEEDS}
    assert "microsoft.security/assessments/subassessments" in kinds
    assert "microsoft.security/assessments" in kinds
    assert "k8s_privilegedcontainer" in kinds
    assert len(SEEDS) >= 25
