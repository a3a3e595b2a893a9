"""The fast path (`map_body`: each record's original text, msgspec structs, memoized parts) maps exactly
like the careful path (`decode_body` + `map_records`: parsed dicts, case-insensitive reads), and keeps
each record's original text as `dt.raw_data`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson
import pytest
from defender_samples import GOLDEN, record, records
from hypothesis import given, settings
from hypothesis import strategies as st

from seclake.errors import MappingError
from seclake.sources.defender import MapResult, decode_body, map_body, map_records
from seclake.sources.defender.envelope import split_body
from seclake.sources.defender.fastpath import COPIED, clear_memos, map_fast
from seclake.sources.defender.identity import digest_id, event_id
from seclake.sources.defender.memo import SlotMemo
from seclake.sources.defender.subassessments import COPIES
from seclake.synthetic import generate_export

CASES = sorted(p.name.removesuffix(".input.json") for p in GOLDEN.glob("*.input.json"))


def careful(body: bytes | str, enqueued_time: datetime | None = None) -> MapResult:
    """The careful path over the same body (what `map_body` did before the fast path)."""
    try:
        parsed = decode_body(body)
    except MappingError as exc:
        return MapResult(errors=[exc])
    return map_records(parsed, enqueued_time=enqueued_time)


def summary(result: MapResult) -> tuple[Any, ...]:
    errors = [(e.index, e.path, e.reason) for e in result.errors]
    return result.records, dict(result.skipped), errors, result.events


def slow_findings(body: bytes) -> list[str]:
    """Records of a body that map to a container-image event but do not take the fast path (alerts,
    rare, always take the careful path)."""
    split = split_body(body)
    assert split is not None
    return [
        str(t, "utf-8")[:80]
        for t in split[0]
        if map_fast(t, None) is None
        and any(e["event.type"] != "DETECTION_FINDING" for e in map_records([orjson.loads(bytes(t))]).events)
    ]


def test_a_synthetic_export_maps_identically_and_every_finding_is_fast() -> None:
    bodies = list(generate_export(8, 3))
    clear_memos()  # cold memos: every derivation runs at least once
    for _ in range(2):  # and warm ones
        for generated in bodies:
            fast = map_body(generated.body, enqueued_time=generated.enqueued_time)
            assert summary(fast) == summary(careful(generated.body, generated.enqueued_time)), generated.name
    assert [slow for g in bodies for slow in slow_findings(g.body)] == []


@pytest.mark.parametrize("case", CASES)
def test_every_golden_input_maps_identically(case: str) -> None:
    body = (GOLDEN / f"{case}.input.json").read_bytes()
    enqueued = datetime(2024, 5, 24, 6, 5, 30, tzinfo=UTC)
    for when in (None, enqueued):
        assert summary(map_body(body, enqueued_time=when)) == summary(careful(body, when))


@pytest.mark.parametrize(
    ("case", "index"),
    [
        ("acr_per_image_2024", 0),  # MDVM, camelCase
        ("azure_running_pascal_case", 0),  # .NET PascalCase, running container (Kubernetes context)
        ("legacy_qualys", 0),  # retired Qualys shape
        ("per_image_assessments", 0),  # per-image assessment → scan event
    ],
)
def test_the_common_shapes_take_the_fast_path(case: str, index: int) -> None:
    rec = record(case, index)
    outcome = map_fast(orjson.dumps(rec), None)
    assert isinstance(outcome, dict)
    assert outcome == {k: v for k, v in careful(orjson.dumps([rec])).events[0].items() if k != "dt.raw_data"}


def test_raw_data_is_the_original_text_of_the_record() -> None:
    rec = record("acr_per_image_2024")
    text = orjson.dumps(rec).decode()
    # spellings a re-serialization would change: a trailing zero, an escaped character
    ad = rec["properties"]["additionalData"]
    score = orjson.dumps(ad["cvssV30Score"]).decode()
    odd = text.replace(f'"cvssV30Score":{score}', f'"cvssV30Score":{score}0', 1)
    odd = odd.replace('"tenantId":"', '"tenantId":"\\u0061', 1)
    assert odd != text
    result = map_body(f"[{odd}]".encode())
    finding = result.events[0]
    assert finding["dt.raw_data"] == odd
    expected = careful(f"[{odd}]".encode()).events[0]
    assert finding["dt.raw_data"] != expected["dt.raw_data"]  # the careful path re-serializes
    assert {k: v for k, v in finding.items() if k != "dt.raw_data"} == {
        k: v for k, v in expected.items() if k != "dt.raw_data"
    }


def test_a_multi_line_body_gives_one_line_raw_data_per_record() -> None:
    recs = records("acr_first_generation")
    pretty = json.dumps(recs, indent=2).encode()
    result = map_body(pretty)
    assert result.events
    for event in result.events:
        if event["event.type"] == "VULNERABILITY_SCAN":
            continue  # implied by a finding: no record of its own
        raw = event["dt.raw_data"]
        assert "\n" not in raw
        assert orjson.loads(raw) in recs and raw == orjson.dumps(orjson.loads(raw)).decode()
    assert summary(result) == summary(careful(pretty))


@pytest.mark.parametrize(
    ("replace", "kind"),
    [
        ('"osPlatform":"linux"', '"osPlatform":1e400'),  # a number orjson refuses, in a field never read
        ('"packageName":"', '"packageName":"\xff'),  # a string that is not UTF-8
    ],
)
def test_bodies_orjson_refuses_are_one_error_as_before(replace: str, kind: str) -> None:
    rec = record("acr_per_image_2024")
    rec["properties"]["additionalData"]["softwareDetails"]["osDetails"] = {"osPlatform": "linux"}
    body = orjson.dumps([rec]).replace(replace.encode("latin-1"), kind.encode("latin-1"), 1)
    assert body != orjson.dumps([rec])
    result = map_body(body)
    assert result.events == [] and len(result.errors) == 1 and result.errors[0].path == "$"
    assert summary(result) == summary(careful(body))


def test_slot_memo_checks_the_last_part_by_content_and_keeps_its_own_copies() -> None:
    memo, calls = SlotMemo(limit=8), []

    def derive(out: dict[str, Any], value: int) -> None:
        calls.append(value)
        out["v"] = value
        out["list"] = [value]

    first = msgspec.json.decode(b'{"a":1}', type=dict[str, msgspec.Raw])["a"]
    again = msgspec.json.decode(b'{"b":1}', type=dict[str, msgspec.Raw])["b"]
    other = msgspec.json.decode(b'{"a":2}', type=dict[str, msgspec.Raw])["a"]
    assert memo.recall("k", (first, "x"), derive, 1)[0]["v"] == 1
    assert memo.recall("k", (again, "x"), derive, 9)[0]["v"] == 1  # same content: the slot answers
    assert memo.recall("k", (other, "x"), derive, 2)[0]["v"] == 2  # other content: derived
    assert memo.recall("k", (first, "x"), derive, 9)[0]["v"] == 1  # back: the memo answers
    assert memo.recall("k", (first, "y"), derive, 3)[0]["v"] == 3  # a scalar differs too
    assert calls == [1, 2, 3]
    owned = memo.slots["k"][0][0]
    assert owned == first and owned is not first
    memo.clear()
    assert memo.slots == {} and memo.get(("k", (b"1", "x"))) is None


json_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8)
json_objects = st.dictionaries(st.text(max_size=5), json_scalars, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(json_objects, max_size=5),
    st.sampled_from([(",", ":"), (", ", ": "), (" , ", ":")]),
    st.booleans(),
)
def test_split_body_gives_each_record_text_verbatim(
    objs: list[dict[str, Any]], separators: tuple[str, str], ascii_only: bool
) -> None:
    texts = [json.dumps(o, separators=separators, ensure_ascii=ascii_only) for o in objs]
    body = "[" + separators[0].join(texts) + "]"
    split = split_body(body.encode())
    assert split is not None
    assert split[1] == texts
    assert [bytes(t).decode() for t in split[0]] == texts


@pytest.mark.parametrize(
    ("body", "texts"),
    [
        (b'\xef\xbb\xbf{"records":[{"a":1},{"b":2}]}', ['{"a":1}', '{"b":2}']),
        (b' {"Records": [{"a":1}]} ', ['{"a":1}']),
        (b'{"records":[{"a":1}],"x":1}', ['{"records":[{"a":1}],"x":1}']),  # not a wrapper: one record
        (b'{"records":{"a":1}}', ['{"records":{"a":1}}']),
        ('\ufeff[{"a":"é"}]', ['{"a":"é"}']),
        (b"[]", []),
    ],
)
def test_split_body_shapes(body: bytes | str, texts: list[str]) -> None:
    split = split_body(body)
    assert split is not None
    assert split[1] == texts


@pytest.mark.parametrize("body", [b"", b"[", b"5", b'"x"', b"[1] x", b'["\\ud800"]', "[\ud800]"])
def test_split_body_leaves_unusable_bodies_to_decode_body(body: bytes | str) -> None:
    assert split_body(body) is None
    assert map_body(body).errors and summary(map_body(body)) == summary(careful(body))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30), st.one_of(st.none(), st.text(max_size=8)), st.text(max_size=30))
def test_event_id_is_the_digest_id_it_spells_out(finding: str, action: str | None, time: str) -> None:
    assert event_id(finding, action, time) == digest_id("event", finding, (action or "").lower(), time)


def test_the_fast_path_copies_the_fields_the_careful_path_copies() -> None:
    assert COPIED == COPIES


@pytest.mark.parametrize(
    "edit",
    [
        lambda rid: rid.replace("/subscriptions/", "/subscriptİons/Σ/"),  # non-ASCII: careful path
        lambda rid: rid.rpartition("/subassessments/")[0],  # ends with the assessment key itself
        lambda rid: rid.rpartition("/")[2],  # no "/" at all
        lambda rid: rid.upper(),
        lambda rid: "",
    ],
)
def test_odd_record_ids_map_identically(edit: Any) -> None:
    recs = records("acr_per_image_2024")
    for rec in recs:
        rec["id"] = edit(rec["id"])
    body = orjson.dumps(recs)
    clear_memos()
    assert summary(map_body(body)) == summary(careful(body))
    assert summary(map_body(body)) == summary(careful(body))  # warm
