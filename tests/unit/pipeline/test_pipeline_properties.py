"""Property tests: any body and header either processes or is a 4xx RequestError that says where and why;
the fast validity screen never disagrees with the model's validator."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pipeline_samples import finding, run, scan

from seclake.errors import RequestError
from seclake.model import FIELDS, validate_event
from seclake.pipeline.checks import screen, surely_valid

json_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False,
    allow_infinity=False) | st.text(max_size=12)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
tricky_text = st.text(alphabet='[]{},:"\\ aé\n', max_size=12)
flat_values = json_scalars | tricky_text | st.lists(tricky_text, max_size=2)
objects = st.dictionaries(tricky_text, flat_values, max_size=4)
content_types = st.sampled_from(
    [None, "application/json", "text/plain", "application/json; charset=latin-1", "x+json", ""]
) | st.text(max_size=20)
encodings = st.sampled_from([None, "gzip", "deflate", "identity", "br", "gzip, deflate"]) | st.text(
    max_size=10
)

# Generous to a loaded machine: no per-example deadline, no slow-data health check.
ROBUST: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


SET_BY_STEPS = {"timestamp", "event.id", "event.kind", "dt.security.risk.level", "dt.security.risk.score"}


def unkeyable(element: Any) -> bool:
    """Whether an object's event.id can be neither kept, nor converted (a number), nor generated (null)."""
    value = element.get("event.id")
    return not (value is None or (type(value) is str and value) or type(value) in (int, float))


def check_rejection(error: RequestError) -> None:
    assert error.status in {400, 413, 415}
    assert len(error.args[0]) > 10
    if error.index is not None:
        assert f"element {error.index}" in error.args[0]


@given(body=st.binary(max_size=300), content_type=content_types, encoding=encodings)
@settings(max_examples=200, **ROBUST)
def test_any_bytes_and_headers_never_crash(
    body: bytes, content_type: str | None, encoding: str | None
) -> None:
    try:
        batch = run(body, content_type=content_type, content_encoding=encoding, max_bytes=200)
    except RequestError as error:
        check_rejection(error)
    else:
        assert batch.body_bytes == len(body)


@given(
    value=json_values,
    gzipped=st.booleans(),
    params=st.dictionaries(
        st.text(max_size=8) | st.sampled_from(["timestamp", "event.id"]), st.text(max_size=8)
    ),
    connection=st.none() | st.text(max_size=8),
)
@settings(max_examples=150, **ROBUST)
def test_any_json_value_is_events_or_a_400_naming_the_first_bad_element(
    value: Any, gzipped: bool, params: dict[str, str], connection: str | None
) -> None:
    body = orjson.dumps(value)
    wire = gzip.compress(body) if gzipped else body
    try:
        batch = run(
            wire, content_encoding="gzip" if gzipped else None, params=params, connection_id=connection
        )
    except RequestError as error:
        check_rejection(error)
        assert error.status == 400
        if isinstance(value, list):
            first_bad = next(
                i for i, element in enumerate(value) if not isinstance(element, dict) or unkeyable(element)
            )
            assert error.index == first_bad
        else:
            assert not isinstance(value, dict) or unkeyable(value)
    else:
        expected = [value] if isinstance(value, dict) else value
        assert isinstance(expected, list)
        assert len(batch.events) == len(expected)
        for event, element in zip(batch.events, expected, strict=True):
            if "dt.raw_data" not in element:
                assert orjson.loads(event["dt.raw_data"]) == element
            assert type(event["timestamp"]) is int
            assert type(event["event.id"]) is str and event["event.id"]  # the store's key, always
            for name, param in params.items():  # attributes, unless the event or the steps set the field
                if name not in element and name not in SET_BY_STEPS and not name.startswith("dt."):
                    assert event[name] == param


@given(
    elements=st.lists(objects, min_size=1, max_size=5),
    data=st.data(),
    breakage=st.sampled_from(["@", "}", ",,", '"', "tru", "{"]),
)
@settings(max_examples=100, **ROBUST)
def test_a_syntax_error_names_the_element_it_is_in(
    elements: list[Any], data: st.DataObject, breakage: str
) -> None:
    bad = data.draw(st.integers(0, len(elements) - 1))
    parts = [orjson.dumps(e).decode() for e in elements]
    parts[bad] = parts[bad][:-1] + ("," if parts[bad] != "{}" else "") + f'"k": {breakage}' + "}"
    body = ("[" + ", ".join(parts) + "]").encode()
    try:
        run(body)
    except RequestError as error:
        check_rejection(error)
        assert error.index == bad, (body, error)
    else:
        raise AssertionError(f"accepted broken JSON {body!r}")


field_names = st.sampled_from(sorted(FIELDS)) | st.sampled_from(
    ["finding.x", "vulnerability.y", "other", "dt.z"]
)
mutations = st.lists(
    st.tuples(
        field_names, st.just(...) | json_values | st.sampled_from(["VULNERABILITY_SCAN", "HIGH", "OPEN"])
    ),
    max_size=4,
)
# Structural changes: required fields dropped or nulled, fields foreign to the type added.
structural = st.lists(
    st.tuples(
        st.sampled_from(sorted(FIELDS)),
        st.sampled_from([..., None, "x", 1.5, ["a"]]),
    ),
    max_size=5,
)


@given(base=st.sampled_from(["finding", "scan"]), changes=structural)
@settings(max_examples=150, **ROBUST)
def test_the_screens_structural_answers_are_the_models(base: str, changes: list[Any]) -> None:
    event = finding() if base == "finding" else scan()
    for name, value in changes:
        if value is ...:
            event.pop(name, None)
        else:
            event[name] = value
    for _ in range(2):  # the first call plans the shape, the second reads the cached plan
        known = screen(event)
        if known is not None:
            assert list(known) == validate_event(event), event


@given(base=st.sampled_from(["finding", "scan"]), changes=mutations)
@settings(max_examples=150, **ROBUST)
def test_the_fast_screen_never_passes_an_event_the_model_rejects(base: str, changes: list[Any]) -> None:
    event = finding() if base == "finding" else scan()
    for name, value in changes:
        if value is ...:
            event.pop(name, None)
        else:
            event[name] = value
    assume(not unkeyable(event))  # such an event is a 400: test_any_json_value_* above covers it
    for processed in (event, run([event]).events[0]):
        clean = {k: v for k, v in processed.items() if k != "dt.ingest.warnings"}
        if surely_valid(clean):
            assert validate_event(clean) == [], clean
        known = screen(clean)
        if known is not None:  # the screen's answer, when it gives one, is the model's, word for word
            assert list(known) == validate_event(clean), clean


@given(base=st.sampled_from(["finding", "scan"]), changes=mutations)
@settings(max_examples=100, **ROBUST)
def test_warnings_are_the_models_problems(base: str, changes: list[Any]) -> None:
    event = finding() if base == "finding" else scan()
    event.update({name: value for name, value in changes if value is not ...})
    assume(all(name not in FIELDS or FIELDS[name].type != "timestamp" for name, _ in changes))
    assume(not unkeyable(event))
    processed = run([event]).events[0]
    clean = {k: v for k, v in processed.items() if k != "dt.ingest.warnings"}
    assert processed.get("dt.ingest.warnings", []) == [str(p) for p in validate_event(clean)]


def test_valid_samples_pass_the_screen_after_processing() -> None:
    for event in run([finding(i) for i in range(3)] + [scan()]).events:
        assert surely_valid(event)
