"""The pipeline's public surface is exactly contract 5 of DEVELOPERS.md."""

from __future__ import annotations

import dataclasses
import inspect

import seclake.pipeline
from seclake.pipeline import IngestBatch, process_ingest


def test_public_names() -> None:
    assert sorted(seclake.pipeline.__all__) == ["IngestBatch", "process_ingest"]


def test_process_ingest_signature() -> None:
    params = inspect.signature(process_ingest).parameters
    assert list(params) == [
        "body",
        "content_type",
        "content_encoding",
        "params",
        "source",
        "connection_id",
        "connection_name",
        "now_ns",
        "max_bytes",
    ]
    assert params["body"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "body")


def test_ingest_batch_fields() -> None:
    assert [f.name for f in dataclasses.fields(IngestBatch)] == ["events", "warnings", "body_bytes"]
