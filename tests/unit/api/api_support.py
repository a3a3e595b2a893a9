"""Support for API unit tests: the real app and control DB with an in-memory EventStore.

MemoryStore implements the store protocol's write side in memory, so tests can make the writer
overloaded or failing on purpose; the DuckDB store itself is exercised by the integration tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
import httpx

from seclake.control.tokens import create_token
from seclake.errors import OverloadedError, StorageError
from seclake.settings import Settings


@dataclass
class MemoryStore:
    """Accepts, refuses (overloaded) or fails batches; keeps what it 'committed'."""

    mode: str = "ok"  # ok | overloaded | failing | unhealthy
    events: list[dict[str, Any]] = field(default_factory=list)
    batches: list[tuple[str | None, int]] = field(default_factory=list)
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(
        self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int
    ) -> Future[None]:
        if self.mode == "overloaded":
            raise OverloadedError("writer queue is full (test)", retry_after=2.5)
        future: Future[None] = Future()
        if self.mode == "failing":
            future.set_exception(StorageError("disk on fire (test)"))
            return future
        with self.lock:
            self.events.extend(events)
            self.batches.append((connection_id, body_bytes))
        future.set_result(None)
        return future

    def append(self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int) -> None:
        self.submit(events, connection_id=connection_id, body_bytes=body_bytes).result()

    def count(self) -> int:
        return len(self.events)

    def healthy(self) -> bool:
        return self.mode != "unhealthy"

    def queue_depth(self) -> int:
        return 0

    def close(self) -> None:
        self.closed = True


class SyncClient:
    """A synchronous face on httpx.AsyncClient + ASGITransport (starlette's TestClient is deprecated).

    Requests run in a blocking portal's event loop, as they would in a server.
    """

    def __init__(self, portal: Any, client: httpx.AsyncClient) -> None:
        self._portal = portal
        self._client = client

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        response: httpx.Response = self._portal.call(lambda: self._client.request(method, url, **kw))
        return response

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)


@contextmanager
def sync_client(app: Any) -> Iterator[SyncClient]:
    """A SyncClient on `app`, inside its lifespan (give the app its store, so the lifespan does not
    open one; the query pool is started and, on exit, shut down)."""
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://seclake.test")
        try:
            yield SyncClient(portal, client)
        finally:
            portal.call(client.aclose)


@dataclass
class Api:
    client: SyncClient
    store: MemoryStore
    settings: Settings
    admin_token: str

    def token(self, *scope_list: str, name: str = "test") -> str:
        return create_token(self.settings.data_dir, name, list(scope_list))[1]

    @staticmethod
    def auth(token: str, scheme: str = "Api-Token") -> dict[str, str]:
        return {"Authorization": f"{scheme} {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(self.admin_token)
