"""Compiled SQL executed on a real DuckDB table; expectations computed from the hand-made ROWS."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from dql_rows import NOW, ROWS, Run
from dql_support import cases, doc_examples

RECENT = [r for r in ROWS if r["timestamp"] >= (NOW - timedelta(hours=2)).replace(tzinfo=None)]


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["event.id"] for r in rows]


@pytest.mark.parametrize("name", list(cases()))
def test_every_golden_case_runs(run: Run, name: str) -> None:
    run(cases()[name])


def test_doc_examples_give_the_expected_answers(run: Run) -> None:
    q = doc_examples()
    vf = [r for r in RECENT if r.get("event.type") == "VULNERABILITY_FINDING"]
    latest: dict[tuple[object, ...], dict[str, object]] = {}
    for r in sorted(vf, key=lambda r: r["timestamp"], reverse=True):
        latest.setdefault(
            (r["object.id"], r["vulnerability.id"], r["component.name"], r["component.version"]), r
        )
    crit = {r["vulnerability.id"] for r in latest.values() if r["dt.security.risk.level"] == "CRITICAL"}
    assert run(q[0]) == [{"Vulnerabilities": len(crit)}]
    images = {r.get("container_image.digest") for r in RECENT if r.get("object.type") == "CONTAINER_IMAGE"}
    assert run(q[2]) == [{"containerImages": len(images)}]
    scans = [r for r in RECENT if r.get("event.type") == "VULNERABILITY_SCAN"]
    assert run(q[3]) == [{"scanEvents": len(scans)}]
    by_risk = Counter(
        r.get("dt.security.risk.level") for r in RECENT if r["event.type"] == "DETECTION_FINDING"
    )
    got = run(q[4])
    assert {r["dt.security.risk.level"]: r["findings"] for r in got} == dict(by_risk)
    assert [r["findings"] for r in got] == sorted(by_risk.values(), reverse=True)


def test_three_valued_logic_and_incompatible_types(run: Run) -> None:
    all_ids = ids(run("fetch security.events | sort event.id"))
    assert run("fetch security.events | filter event.type == 5 | fields event.id") == []
    assert ids(run("fetch security.events | filter event.type != 5 | sort event.id")) == all_ids
    has_level = [
        r["event.id"] for r in sorted(RECENT, key=lambda r: r["event.id"]) if r.get("dt.security.risk.level")
    ]
    # null != "x" is null, so rows without a level are not kept
    assert (
        ids(run('fetch security.events | filter dt.security.risk.level != "x" | sort event.id')) == has_level
    )
    out = ids(run('fetch security.events | filterOut dt.security.risk.level == "CRITICAL" | sort event.id'))
    assert "e5" in out and "e1" not in out  # filterOut keeps null
    rows = run(
        'fetch security.events | filter event.id == "e5" | fields a = false and null, b = true or null, '
        'c = null == null, d = not(dt.security.risk.level == "x")'
    )
    assert rows == [{"a": False, "b": True, "c": None, "d": None}]


def test_dynamic_fields_from_attributes(run: Run) -> None:
    assert ids(run("fetch security.events | filter custom.score == 7")) == ["e1"]  # "7" (string) is not 7
    assert ids(run('fetch security.events | filter custom.score == "7"')) == ["e2"]
    assert ids(run("fetch security.events | filter custom.nothing == 1")) == []
    rows = run('fetch security.events | filter event.id == "e1" | fields custom.label, missing')
    assert rows == [{"custom.label": '"Red"', "missing": None}]


def test_parse_json_and_record_access(run: Run) -> None:
    rows = run(
        'fetch security.events | parse dt.raw_data, """JSON:raw""" | filter raw[a][b] == 5 '
        "| fields event.id, n = raw[name], first = raw[list][0]"
    )
    assert rows == [{"event.id": "e1", "n": '"Alpha"', "first": "1"}]


def test_expand_iterate_and_sort(run: Run) -> None:
    rows = run(
        "fetch security.events | expand container_image.tags | fields event.id, container_image.tags "
        "| sort event.id, container_image.tags desc"
    )
    expected = sorted(
        ((r["event.id"], t) for r in RECENT for t in r.get("container_image.tags") or []),
        key=lambda p: (p[0], [-ord(ch) for ch in p[1]]),
    )
    assert [(r["event.id"], r["container_image.tags"]) for r in rows] == expected
    rows = run('fetch security.events | filter iAny(container_image.tags[] == "v1") | fields event.id')
    assert ids(rows) == [r["event.id"] for r in RECENT if "v1" in (r.get("container_image.tags") or [])]


def test_dedup_keeps_first_in_sort_order(run: Run) -> None:
    rows = run(
        "fetch security.events | dedup {object.id}, sort: {timestamp asc} | fields event.id, object.id "
        "| sort object.id"
    )
    oldest: dict[object, object] = {}
    for r in sorted(RECENT, key=lambda r: r["timestamp"]):
        oldest.setdefault(r["object.id"], r["event.id"])
    assert [(r["object.id"], r["event.id"]) for r in rows] == sorted(oldest.items())


def test_lookup_join_append(run: Run) -> None:
    rows = run(
        'fetch security.events | lookup [fetch security.events | filter event.type == "VULNERABILITY_SCAN"'
        " | fields object.id, scan = event.id], sourceField: object.id, lookupField: object.id "
        "| fields event.id, lookup.scan | sort event.id"
    )
    assert [(r["event.id"], r["lookup.scan"]) for r in rows if r["lookup.scan"]] == [
        ("e3", "e6"),
        ("e6", "e6"),
    ]
    rows = run(
        'fetch events | filter event.id == "e1" | append [fetch events | filter event.id == "e4" '
        "| fields event.id, zz = 1] | fields event.id, zz | sort event.id"
    )
    assert rows == [{"event.id": "e1", "zz": None}, {"event.id": "e4", "zz": 1}]
    rows = run(
        "fetch security.events | join [fetch security.events | fields object.id, other = event.id], "
        "on: {left[object.id] == right[object.id]}, fields: {other} | filter event.id != right.other "
        "| fields event.id, right.other | sort event.id"
    )
    assert [(r["event.id"], r["right.other"]) for r in rows] == [
        ("e1", "e2"),
        ("e2", "e1"),
        ("e3", "e6"),
        ("e6", "e3"),
    ]


def test_make_timeseries_shape(run: Run) -> None:
    rows = run("fetch security.events | makeTimeseries n = count(), by: {event.type}, interval: 30m")
    by_type = Counter(r["event.type"] for r in RECENT)
    assert {r["event.type"]: sum(r["n"]) for r in rows} == dict(by_type)
    for r in rows:
        assert len(r["n"]) == 4 and r["interval"] == 30 * 60 * 10**9  # the 2 h default timeframe, 10:00-12:00
        assert r["timeframe"]["end"] - r["timeframe"]["start"] == timedelta(minutes=120)
    (row,) = run("fetch security.events | makeTimeseries count()")
    assert len(row["count()"]) == 120 and sum(row["count()"]) == len(RECENT)


def test_fetch_time_range_and_legacy_events(run: Run) -> None:
    assert len(run("fetch security.events, from: -7d")) == len(ROWS)
    assert len(run("fetch security.events, from: now() - 25m")) == sum(
        r["timestamp"] >= (NOW - timedelta(minutes=25)).replace(tzinfo=None) for r in ROWS
    )
    assert len(run('fetch events, timeframe: "2024-05-01T00:00:00Z/2024-06-02T00:00:00Z"')) == len(ROWS)
