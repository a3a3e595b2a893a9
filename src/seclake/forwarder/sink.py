"""The HTTP sink: POST gzip'd batches to the ingest API, retrying what can succeed later.

What an answer means is one table (`STATUS_ACTIONS`): 202 delivered — the ingest contract is "202 once
durably stored", so only 202 moves a checkpoint; any other 2xx (a proxy or login page answering 200)
stops the forwarder like 401/403 (nothing checkpointed, nothing dropped; check --url); 429, 408 and 5xx (and connection
errors) retried with exponential backoff and jitter, honoring `Retry-After`; 400/413/422 rejected — the
batch is split in halves until the rejected event stands alone, which then goes to the dead-letter
directory (never retried as is); 401/403/404 stop the forwarder (`DeliveryRejectedError`): nothing is dropped
and nothing checkpointed.
"""

from __future__ import annotations

import email.utils
import enum
import gzip
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from seclake import __version__
from seclake.errors import DeliveryError
from seclake.forwarder.batching import Batch
from seclake.forwarder.config import ForwarderConfig
from seclake.forwarder.metrics import Metrics
from seclake.logging import get_logger

__all__ = [
    "STATUS_ACTIONS",
    "Action",
    "DeliveryAbortedError",
    "DeliveryGaveUpError",
    "DeliveryRejectedError",
    "Outcome",
    "Sink",
    "classify",
    "make_client",
    "parse_retry_after",
]

log = get_logger("forwarder.sink")
ANSWER_LIMIT = 64 * 1024


class Action(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REJECTED = "rejected"
    FATAL = "fatal"


STATUS_ACTIONS: dict[int, Action] = {
    202: Action.DELIVERED,  # only 202: "accepted and durably stored"; other 2xx are not the ingest API
    400: Action.REJECTED,
    413: Action.REJECTED,
    422: Action.REJECTED,
    401: Action.FATAL,
    403: Action.FATAL,
    404: Action.FATAL,
    405: Action.FATAL,
    415: Action.FATAL,
    408: Action.RETRY,
    425: Action.RETRY,
    429: Action.RETRY,
}
# Status classes for codes not in the table: 5xx retried, other 4xx rejected, anything else (other 2xx,
# 1xx, 3xx) fatal.
CLASS_ACTIONS: dict[int, Action] = {5: Action.RETRY, 4: Action.REJECTED}


def classify(status: int) -> Action:
    """What to do with an HTTP answer."""
    return STATUS_ACTIONS.get(status) or CLASS_ACTIONS.get(status // 100, Action.FATAL)


class DeliveryRejectedError(DeliveryError):
    """The server refuses every request (401/403/404/415), or answers a 2xx other than 202 (not the
    ingest API): stop, drop nothing, checkpoint nothing."""

    def __init__(self, status: int, answer: str, url: str) -> None:
        self.status = status
        self.answer = answer
        hint = {
            401: "the token is missing, unknown or revoked",
            403: "the token lacks the scope openpipeline.events_security",
        }.get(status, "is the --url a seclake server?")
        if 200 <= status < 300:
            hint = (
                "only 202 means stored; a proxy or login page may be answering instead of the ingest API, "
                "check --url (SECLAKE_URL)"
            )
        super().__init__(f"POST {url} answered {status} ({hint}): {answer[:300]}")


class DeliveryAbortedError(DeliveryError):
    """Shutdown interrupted a retry loop; the batch is not acknowledged."""


class DeliveryGaveUpError(DeliveryError):
    """Retries ran past `give_up_after_s`; the batch is not acknowledged."""


@dataclass(slots=True)
class Outcome:
    """The fate of (part of) a batch."""

    batch: Batch
    delivered: bool
    status: int
    answer: str


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta: float = (when - (now or datetime.now(UTC))).total_seconds()
    return max(delta, 0.0)


def make_client(config: ForwarderConfig) -> httpx.Client:
    """The HTTP client (creating one costs an SSL context: share it between sender threads)."""
    return httpx.Client(
        timeout=config.request_timeout_s,
        limits=httpx.Limits(max_connections=config.senders + 2, max_keepalive_connections=config.senders + 2),
        headers={
            "Authorization": f"Api-Token {config.token}",
            "Content-Type": "application/json; charset=utf-8",
            "Content-Encoding": "gzip",
            "User-Agent": f"seclake-forwarder/{__version__}",
        },
    )


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with equal jitter: half the step fixed, half random."""
    step = min(cap, base * 2.0 ** min(attempt, 40))
    return step / 2 + rng.uniform(0, step / 2)


class Sink:
    """Delivers batches to one ingest URL. Thread-safe: sender threads may share one sink's client."""

    def __init__(
        self,
        config: ForwarderConfig,
        metrics: Metrics,
        abort: threading.Event,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.abort = abort
        self._rng = random.Random()
        self._owns_client = client is None
        self._client = client or make_client(config)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def send(self, batch: Batch) -> list[Outcome]:
        """Deliver a batch; rejected events are isolated by halving. Raises DeliveryRejectedError/Aborted."""
        outcomes: list[Outcome] = []
        work = [batch]
        while work:
            part = work.pop()
            status, answer, nbytes = self._post(part)
            action = classify(status)
            if action is Action.DELIVERED:
                self.metrics.inc("seclake_forwarder_requests_sent_total")
                self.metrics.inc("seclake_forwarder_events_sent_total", len(part))
                self.metrics.inc("seclake_forwarder_bytes_sent_total", nbytes)
                outcomes.append(Outcome(part, True, status, answer))
            elif action is Action.REJECTED and len(part) > 1:
                first, second = part.split()
                work.extend((second, first))
            elif action is Action.REJECTED:
                log.warning("event_rejected", status=status, answer=answer[:300])
                outcomes.append(Outcome(part, False, status, answer))
            else:
                raise DeliveryRejectedError(status, answer, self.config.ingest_url)
        return outcomes

    def _post(self, batch: Batch) -> tuple[int, str, int]:
        """POST until the answer is not retryable; returns (status, answer text, compressed bytes)."""
        payload = gzip.compress(batch.body(), compresslevel=self.config.gzip_level)
        started = time.monotonic()
        attempt = 0
        while True:
            if self.abort.is_set():
                raise DeliveryAbortedError(f"shutdown while delivering {len(batch)} events")
            try:
                response = self._client.post(self.config.ingest_url, content=payload)
            except httpx.TransportError as exc:
                wait = backoff_delay(
                    attempt, self.config.backoff_base_s, self.config.backoff_max_s, self._rng
                )
                cause = f"{type(exc).__name__}: {exc}"
            else:
                if classify(response.status_code) is not Action.RETRY:
                    return response.status_code, response.text[:ANSWER_LIMIT], len(payload)
                hinted = parse_retry_after(response.headers.get("Retry-After"))
                if hinted is not None:
                    wait = min(hinted, self.config.retry_after_max_s) + self._rng.uniform(0, 0.05)
                else:
                    wait = backoff_delay(
                        attempt, self.config.backoff_base_s, self.config.backoff_max_s, self._rng
                    )
                cause = f"HTTP {response.status_code}"
            elapsed = time.monotonic() - started
            give_up = self.config.give_up_after_s
            if give_up is not None and elapsed + wait > give_up:
                raise DeliveryGaveUpError(f"{len(batch)} events undelivered after {elapsed:.1f}s: {cause}")
            self.metrics.inc("seclake_forwarder_requests_retried_total")
            log.info("retrying", cause=cause, attempt=attempt + 1, wait_s=round(wait, 3), events=len(batch))
            if self.abort.wait(wait):
                raise DeliveryAbortedError(f"shutdown while waiting to retry {len(batch)} events")
            attempt += 1
