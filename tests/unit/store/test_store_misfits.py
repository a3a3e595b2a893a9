"""Misfit tracking: which catalog fields hold values in `__attributes` (F6), persisted with the rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_support import make_event

from seclake.errors import StorageError
from seclake.model import FieldType
from seclake.settings import Settings
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore
from seclake.store.rows import convert, to_arrow
from seclake.store.schema import (
    ATTRIBUTES_COLUMN,
    COLUMN_TYPES,
    EVENTS_RELATION,
    INGEST_STATS_TABLE,
    MISFIT_FIELDS_TABLE,
    STORE_TABLE,
)

# a value that fits no column of the type, per type (a string fits only string columns)
MISFIT_VALUE: dict[FieldType, Any] = {
    FieldType.STRING: 42,
    FieldType.LONG: "many",
    FieldType.DOUBLE: "high",
    FieldType.BOOLEAN: "yes",
    FieldType.TIMESTAMP: "not a time",
    FieldType.STRING_ARRAY: [1, 2],
}


def _open(settings: Settings) -> DuckDBStore:
    return DuckDBStore(settings.data_dir / DB_FILE_NAME, settings=settings, run_retention=False)


@pytest.fixture
def reopen(settings: Settings) -> Iterator[list[DuckDBStore]]:
    """Stores opened by a test on the same data dir; closed at the end."""
    opened: list[DuckDBStore] = []
    yield opened
    for s in opened:
        s.close()


def _persisted(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as db:
        return {r[0] for r in db.execute(f'SELECT name FROM "{MISFIT_FIELDS_TABLE}"').fetchall()}


# ── rows.convert (pure) ──


@settings(max_examples=150, deadline=None)
@given(
    picks=st.dictionaries(
        st.sampled_from(sorted(n for n in COLUMN_TYPES if n != "event.id")), st.booleans(), max_size=6
    )
)
def test_convert_names_exactly_the_catalog_fields_moved_to_the_attributes(picks: dict[str, bool]) -> None:
    """Per field: a misfit (True) or nothing; plus a custom field, which is never a misfit."""
    events = [make_event(0), make_event(1, **{"custom.x": "not a catalog field"})]
    for name, misfit in picks.items():
        if misfit:
            events[1][name] = MISFIT_VALUE[COLUMN_TYPES[name]]
    converted = convert(events)
    expected = {n for n, m in picks.items() if m}
    assert converted.misfits == expected
    attrs = orjson.loads(converted.table.column(ATTRIBUTES_COLUMN)[1].as_py())
    assert set(attrs) - {"custom.x"} == expected  # the names reported are the names moved
    assert converted.table.equals(to_arrow(events))


def test_convert_reports_nothing_for_well_typed_events() -> None:
    assert convert([make_event(i) for i in range(50)]).misfits == frozenset()


# ── DuckDBStore ──


def test_a_misfit_is_tracked_after_commit_and_survives_reopen(
    settings: Settings, reopen: list[DuckDBStore]
) -> None:
    store = _open(settings)
    reopen.append(store)
    assert store.misfit_fields() == frozenset()
    store.append([make_event(i) for i in range(20)], connection_id=None, body_bytes=1)
    assert store.misfit_fields() == frozenset()
    store.append(
        [make_event(100, **{"dt.security.risk.score": "high"}), make_event(101)],
        connection_id=None,
        body_bytes=1,
    )
    assert store.misfit_fields() == {"dt.security.risk.score"}
    store.append([make_event(102, **{"finding.score": True})], connection_id=None, body_bytes=1)
    assert store.misfit_fields() == {"dt.security.risk.score", "finding.score"}
    store.close()
    assert _persisted(store.path) == {"dt.security.risk.score", "finding.score"}
    again = _open(settings)
    reopen.append(again)
    assert again.misfit_fields() == {"dt.security.risk.score", "finding.score"}
    row = again.query(
        f'SELECT "dt.security.risk.score", "{ATTRIBUTES_COLUMN}" FROM "{EVENTS_RELATION}" '
        "WHERE \"event.id\" = 'ev-00000100'"
    ).to_pylist()
    assert row == [{"dt.security.risk.score": None, ATTRIBUTES_COLUMN: '{"dt.security.risk.score":"high"}'}]


def test_a_failed_commit_adds_no_misfit_in_memory_or_on_disk(
    settings: Settings, reopen: list[DuckDBStore]
) -> None:
    store = _open(settings)
    reopen.append(store)
    store.append([make_event(0)], connection_id=None, body_bytes=1)
    store._cursor().execute(f'DROP TABLE "{INGEST_STATS_TABLE}"')  # fails after the misfit insert
    future = store.submit([make_event(1, **{"object.type": 7})], connection_id=None, body_bytes=1)
    with pytest.raises(StorageError, match=INGEST_STATS_TABLE):
        future.result(timeout=30)
    assert store.misfit_fields() == frozenset()
    assert store.count() == 1
    store.close()
    assert _persisted(store.path) == set()
    again = _open(settings)  # recreates the statistics table; the misfit table existed: no probe
    reopen.append(again)
    assert again.misfit_fields() == frozenset()
    again.append([make_event(1, **{"object.type": 7})], connection_id=None, body_bytes=1)
    assert again.misfit_fields() == {"object.type"}


def test_one_group_commit_tracks_the_misfits_of_all_its_batches(store: DuckDBStore) -> None:
    with store.hold_writer():  # queue three batches so they commit as one group
        futures = [
            store.submit([make_event(i, **extra)], connection_id=None, body_bytes=1)
            for i, extra in enumerate([{"finding.score": "x"}, {}, {"timestamp": "yesterday"}])
        ]
    for f in futures:
        f.result(timeout=30)
    assert store.commit_stats()[0] == 1
    assert store.misfit_fields() == {"finding.score", "timestamp"}


def test_an_older_file_without_the_table_is_probed_once_at_open(
    settings: Settings, reopen: list[DuckDBStore]
) -> None:
    """A file written before misfits were tracked: the first open finds them in the attributes."""
    store = _open(settings)
    store.append(
        [
            make_event(0, **{"dt.security.risk.score": "high", "custom.a": 1}),
            make_event(1, **{"custom.b": 2}),
        ],
        connection_id=None,
        body_bytes=1,
    )
    store.close()
    with duckdb.connect(str(store.path)) as db:
        db.execute(f'DROP TABLE "{MISFIT_FIELDS_TABLE}"')
    again = _open(settings)
    reopen.append(again)
    assert again.misfit_fields() == {"dt.security.risk.score"}  # custom fields are no misfits
    assert _persisted_live(again) == {"dt.security.risk.score"}


def test_a_field_the_catalog_gains_is_probed_in_the_attributes_of_older_rows(
    settings: Settings, reopen: list[DuckDBStore]
) -> None:
    """Before `finding.score` had a column, its values went to the attributes like any custom field."""
    store = _open(settings)
    store.append([make_event(0), make_event(1)], connection_id=None, body_bytes=1)
    store.close()
    with duckdb.connect(str(store.path)) as db:
        db.execute("LOAD json")
        db.execute(
            f'UPDATE "{STORE_TABLE}" SET "{ATTRIBUTES_COLUMN}" = json_object(\'finding.score\', "finding.score") '
            "WHERE \"event.id\" = 'ev-00000001'"
        )
        db.execute(f'ALTER TABLE "{STORE_TABLE}" DROP COLUMN "finding.score"')
    again = _open(settings)
    reopen.append(again)
    assert again.misfit_fields() == {"finding.score"}
    assert again.count() == 2


def _persisted_live(store: DuckDBStore) -> set[str]:
    return {r["name"] for r in store.query(f'SELECT name FROM "{MISFIT_FIELDS_TABLE}"').to_pylist()}
