"""Fast path, per-image assessments: one assessment decoded into the `schema` structs → its
VULNERABILITY_SCAN event or skip reason, exactly as `mapper._assessment` and `scans.map_assessment`
give them from the parsed dict. Answers None ("take the careful path") for anything else, including
every case where the careful path looks further (no digest in `additionalData`) or would reject it.
"""

from __future__ import annotations

from typing import Any

from seclake.sources.defender.access import ci, opt_dict
from seclake.sources.defender.common import cloud_provider
from seclake.sources.defender.fastread import AD, NO_STATUS, P, Text, action, blocks, id_facts
from seclake.sources.defender.images import Image, acr_registry, parse_image_ref, segment_after, tags_value
from seclake.sources.defender.memo import Memo
from seclake.sources.defender.scans import DELETED, SCAN_STATUS, assessment_event, scanned
from seclake.sources.defender.schema import Additional, Properties, Record
from seclake.sources.defender.times import Timestamp, parse_timestamp

__all__ = ["MEMOS", "assessment"]

_PROVIDERS = Memo()  # (resourceDetails text, default provider) → cloud.provider
MEMOS = (_PROVIDERS,)


def _derive_provider(out: dict[str, Any], text: Text, default: str) -> None:
    _, props, _ = blocks(text)
    out["cloud.provider"] = cloud_provider(ci(opt_dict(props, "resourceDetails", P), "source"), default)


def assessment(
    rec: Record, props: Properties, ad: Additional, text: Text, enqueued: Timestamp | None
) -> dict[str, Any] | str | None:
    """`mapper._assessment` and `scans.map_assessment`, step for step, over the structs."""
    rid: str = rec.id  # type: ignore[assignment]  # checked by map_fast
    lowered = rid.lower()
    scope, _ = id_facts(rid, ad.assessedResourceType)
    if scope is None:
        return None  # the careful path names the skip
    if (action(rec) or "").lower() == "delete":
        return DELETED
    uri = ad.ImageUri
    registry, repository, digest = parse_image_ref(uri) if uri else (None, None, None)
    digest = ad.Digest or digest
    if not digest:
        return None  # the careful path looks for it in the resource ids
    image = Image(
        registry or acr_registry(rid),
        repository or segment_after(rid, lowered, "/repositories/"),
        digest,
        tags_value(ad.Tags, AD + ".tags"),
    )
    status = props.status or NO_STATUS
    code_key = (status.code or "").lower()
    cause = (status.cause or "").lower()
    outcome = SCAN_STATUS.get((code_key, cause)) or SCAN_STATUS.get((code_key, None))
    stamp = props.timeGenerated or status.statusChangeDate
    generated = parse_timestamp(stamp) if stamp else enqueued
    if outcome is None or generated is None:
        return None
    if outcome[1]:
        text_ = status.description or status.cause
        description: str | None = f"{outcome[1]}: {text_}" if text_ else outcome[1]
    else:
        count = ad.CvesCount
        valid = type(count) in (str, int) and str(count).strip().isdecimal()
        description = scanned(int(count), ad.HighestSeverity) if valid else None
    fields, _ = _PROVIDERS.get((bytes(props.resourceDetails), scope.provider)) or _PROVIDERS.fill(
        (bytes(props.resourceDetails), scope.provider), _derive_provider, text, scope.provider
    )
    record = {"id": rid} if rec.tenantId is None else {"id": rid, "tenantId": rec.tenantId}
    return assessment_event(
        image,
        outcome[0],
        generated,
        enqueued,
        description=description,
        provider=fields["cloud.provider"],
        record=record,
    )
