"""What a user wants to see first about mapped security events, as rich tables.

`summarize(events)` (pure) reduces vulnerability findings to their current state (the newest event per
`finding.id`; on equal timestamps the later event wins) and counts the open ones; `render_summary`
prints the result: open findings by risk level, the top CVEs by affected images, the most affected
images. Timestamps may be RFC 3339 strings (mapper output) or epoch nanoseconds (pipeline output).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from seclake.model import EventType, RiskLevel

__all__ = ["ImageRow", "Summary", "VulnRow", "render_summary", "summarize"]

LEVELS: tuple[str, ...] = tuple(level.value for level in RiskLevel)
_RANK = {level: i for i, level in enumerate(LEVELS)}  # CRITICAL first
_STYLE = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "green"}
TOP = 10


@dataclass(slots=True)
class VulnRow:
    id: str
    level: str
    images: int
    findings: int
    packages: list[str]
    fixable: bool
    exploitable: bool


@dataclass(slots=True)
class ImageRow:
    name: str
    digest: str
    open: int
    by_level: Counter[str]


@dataclass(slots=True)
class Summary:
    findings: int = 0  # distinct finding.id seen
    open: int = 0
    resolved: int = 0
    muted: int = 0
    images_with_open: int = 0
    open_by_level: Counter[str] = field(default_factory=Counter)
    exploitable_by_level: Counter[str] = field(default_factory=Counter)
    fixable_by_level: Counter[str] = field(default_factory=Counter)
    top_vulnerabilities: list[VulnRow] = field(default_factory=list)
    top_images: list[ImageRow] = field(default_factory=list)


def timestamp_ns(value: Any) -> int:
    """Epoch nanoseconds of an int (already ns) or an RFC 3339 string with any fraction; -1 if unreadable."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return -1
    text = value.strip().replace("z", "Z").removesuffix("Z") or "?"
    offset = ""
    for sign in ("+", "-"):
        cut = text.rfind(sign)
        if cut > 10:  # past the date's own dashes
            text, offset = text[:cut], text[cut:]
            break
    main, _, fraction = text.partition(".")
    try:
        moment = datetime.fromisoformat(main.replace(" ", "T") + (offset or "+00:00"))
    except ValueError:
        return -1
    digits = (fraction + "000000000")[:9] if fraction.isdigit() else "0"
    return int(moment.astimezone(UTC).timestamp()) * 1_000_000_000 + int(digits)


def _current(events: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    latest: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for event in events:
        if event.get("event.type") != EventType.VULNERABILITY_FINDING:
            continue
        fid = event.get("finding.id")
        if not isinstance(fid, str):
            continue
        ts = timestamp_ns(event.get("timestamp"))
        seen = latest.get(fid)
        if seen is None or ts >= seen[0]:
            latest[fid] = (ts, event)
    return {fid: event for fid, (_, event) in latest.items()}


def _level(event: Mapping[str, Any]) -> str:
    level = event.get("dt.security.risk.level")
    return level if isinstance(level, str) and level in _RANK else RiskLevel.NOT_AVAILABLE.value


def _image(event: Mapping[str, Any]) -> tuple[str, str]:
    name = (
        event.get("object.name") or event.get("container_image.repository") or event.get("object.id") or "?"
    )
    digest = event.get("container_image.digest") or event.get("object.id") or name
    return str(name), str(digest)


def summarize(events: Iterable[Mapping[str, Any]], *, top: int = TOP) -> Summary:
    """Current state of every vulnerability finding, reduced to the numbers `render_summary` shows."""
    summary = Summary()
    vuln_images: dict[str, set[str]] = defaultdict(set)
    vuln_findings: Counter[str] = Counter()
    vuln_level: dict[str, str] = {}
    vuln_packages: dict[str, Counter[str]] = defaultdict(Counter)
    vuln_fixable: set[str] = set()
    vuln_exploitable: set[str] = set()
    images: dict[str, ImageRow] = {}
    for event in _current(events).values():
        summary.findings += 1
        if event.get("vulnerability.resolution.status") == "RESOLVED":
            summary.resolved += 1
            continue
        summary.open += 1
        summary.muted += event.get("vulnerability.mute.status") == "MUTED"
        level = _level(event)
        summary.open_by_level[level] += 1
        exploitable = event.get("vulnerability.exploit.status") == "AVAILABLE"
        fixable = event.get("vulnerability.remediation.status") == "AVAILABLE"
        summary.exploitable_by_level[level] += exploitable
        summary.fixable_by_level[level] += fixable
        name, digest = _image(event)
        row = images.setdefault(digest, ImageRow(name, digest, 0, Counter()))
        row.open += 1
        row.by_level[level] += 1
        vid = str(event.get("vulnerability.id") or event.get("finding.title") or "?")
        vuln_images[vid].add(digest)
        vuln_findings[vid] += 1
        if _RANK[level] < _RANK.get(vuln_level.get(vid, ""), len(LEVELS)):
            vuln_level[vid] = level
        if isinstance(package := event.get("component.name"), str):
            vuln_packages[vid][package] += 1
        if fixable:
            vuln_fixable.add(vid)
        if exploitable:
            vuln_exploitable.add(vid)
    summary.images_with_open = len(images)
    ranked = sorted(vuln_images, key=lambda v: (-len(vuln_images[v]), _RANK[vuln_level[v]], v))[:top]
    summary.top_vulnerabilities = [
        VulnRow(v, vuln_level[v], len(vuln_images[v]), vuln_findings[v],
                [p for p, _ in vuln_packages[v].most_common(2)], v in vuln_fixable, v in vuln_exploitable)
        for v in ranked
    ]  # fmt: skip
    severity_key = [lvl for lvl in LEVELS[:4]]
    summary.top_images = sorted(
        images.values(), key=lambda r: ([-r.by_level[lvl] for lvl in severity_key], -r.open, r.name, r.digest)
    )[:top]
    return summary


def _levels_table(s: Summary) -> Table:
    table = Table(title=f"Open vulnerability findings by risk level ({s.images_with_open} images affected)")
    for column, justify in (("risk level", "left"), ("open", "right"), ("fix available", "right"),
                            ("exploit available", "right")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for level in LEVELS:
        if s.open_by_level[level] or level in LEVELS[:4]:
            table.add_row(
                f"[{_STYLE.get(level, 'dim')}]{level}[/]",
                str(s.open_by_level[level]),
                str(s.fixable_by_level[level]),
                str(s.exploitable_by_level[level]),
            )
    table.add_section()
    table.add_row(
        "total", str(s.open), str(sum(s.fixable_by_level.values())), str(sum(s.exploitable_by_level.values()))
    )
    table.caption = f"{s.findings} findings: {s.open} open ({s.muted} muted), {s.resolved} resolved"
    return table


def _vulns_table(s: Summary) -> Table:
    table = Table(title=f"Top {len(s.top_vulnerabilities)} vulnerabilities by affected images")
    for column in ("vulnerability", "risk", "images", "findings", "packages", "fix", "exploit"):
        table.add_column(column, justify="right" if column in ("images", "findings") else "left")
    for row in s.top_vulnerabilities:
        table.add_row(row.id, f"[{_STYLE.get(row.level, 'dim')}]{row.level}[/]", str(row.images),
                      str(row.findings), ", ".join(row.packages), "yes" if row.fixable else "no",
                      "yes" if row.exploitable else "no")  # fmt: skip
    return table


def _images_table(s: Summary) -> Table:
    table = Table(title=f"Top {len(s.top_images)} most affected images")
    for column in ("image", "digest", *LEVELS[:4], "open"):
        table.add_column(column, justify="left" if column in ("image", "digest") else "right")
    for row in s.top_images:
        short = (
            row.digest.removeprefix("sha256:")[:12]
            if "@" not in row.digest
            else row.digest.rsplit("@", 1)[-1][7:19]
        )
        table.add_row(row.name, short, *(str(row.by_level[lvl]) for lvl in LEVELS[:4]), str(row.open))
    return table


def render_summary(events: Iterable[dict[str, Any]], console: Console) -> None:
    """Print the open-findings overview of mapped security events to `console`."""
    s = summarize(events)
    if not s.findings:
        console.print("No vulnerability findings.")
        return
    console.print(_levels_table(s))
    console.print(_vulns_table(s))
    console.print(_images_table(s))
