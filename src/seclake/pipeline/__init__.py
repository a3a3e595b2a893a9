"""The ingest pipeline: an ingest request's body → security events ready for the store.

`process_ingest` is the whole of it (contract 5 in DEVELOPERS.md). Its parts, each pure:

- `body`: content type (415), size limits and streamed decompression (413, gzip bombs), one orjson
  parse and the shape checks (400 naming the first bad element's index and why);
- `steps`: the ordered step table — keep the raw element, `event.id`, timestamps, `event.kind`, risk,
  query parameters, ingest fields, validation (`dt.ingest.warnings`, counted for /metrics);
- `timestamps`: the number / RFC 3339 rules of interfaces.md, to int nanoseconds;
- `enrich`: deterministic ids, risk normalization, ingest-owned fields;
- `checks`: a fast screen in front of `seclake.model.validate_event`.

Decisions, documented where they are made: a missing Content-Type is read as JSON (`body`); a missing
`event.id` is a hash of the element's canonical JSON, endpoint and connection, so retries deduplicate
(`enrich`); a number sent as `event.id` becomes its decimal text, any other non-string (or an empty
string) is a 400 naming the element, so every event reaches the store with a key (`steps`); query parameters add attributes but never override a field (`steps`); ingest-owned fields
cannot be set by a sender, except `dt.raw_data` (`enrich`).
"""

from __future__ import annotations

from seclake.pipeline.process import IngestBatch, process_ingest

__all__ = ["IngestBatch", "process_ingest"]
