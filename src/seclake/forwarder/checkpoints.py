"""Checkpoints on local files: the SDK's CheckpointStore for one forwarder instance, and file progress.

`FileCheckpointStore` implements `azure.eventhub.CheckpointStore` (list/claim ownership, list/update
checkpoints) over JSON files under the state directory, each replaced atomically; ownership claims
compare etags under an exclusive `flock`, so two processes sharing the directory never both own a
partition. Use the Azure Blob store (azure-eventhub-checkpointstoreblob) to balance across machines.

`FileProgress` is the file source's checkpoint: an append-only journal of delivered bodies (one JSON
line each, flushed when written), so a forwarder killed with SIGKILL resumes where it stopped.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from azure.eventhub import CheckpointStore

from seclake.forwarder.deadletter import atomic_write

__all__ = ["FileCheckpointStore", "FileProgress"]

_KEYS = ("fully_qualified_namespace", "eventhub_name", "consumer_group")


def _safe(part: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in part.lower()) or "_"


class FileCheckpointStore(CheckpointStore):
    """Event Hubs ownership and checkpoints as files under `root` (single host)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def _dir(self, namespace: str, hub: str, group: str, kind: str) -> Path:
        path = self.root / _safe(namespace) / _safe(hub) / _safe(group) / kind
        path.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def _exclusive(self, namespace: str, hub: str, group: str) -> Iterator[None]:
        lock_path = self._dir(namespace, hub, group, "ownership") / ".lock"
        with self._lock, open(lock_path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _read_all(directory: Path) -> list[dict[str, Any]]:
        out = []
        for path in sorted(directory.glob("*.json")):
            try:
                out.append(orjson.loads(path.read_bytes()))
            except (OSError, orjson.JSONDecodeError):
                continue  # a file replaced under us; the next listing sees the new one
        return out

    def list_ownership(
        self, fully_qualified_namespace: str, eventhub_name: str, consumer_group: str, **kwargs: Any
    ) -> Iterable[dict[str, Any]]:
        return self._read_all(
            self._dir(fully_qualified_namespace, eventhub_name, consumer_group, "ownership")
        )

    def claim_ownership(
        self, ownership_list: Iterable[dict[str, Any]], **kwargs: Any
    ) -> Iterable[dict[str, Any]]:
        claimed: list[dict[str, Any]] = []
        for wanted in ownership_list:
            namespace, hub, group = (wanted[k] for k in _KEYS)
            path = (
                self._dir(namespace, hub, group, "ownership") / f"{_safe(str(wanted['partition_id']))}.json"
            )
            with self._exclusive(namespace, hub, group):
                current = orjson.loads(path.read_bytes()) if path.exists() else None
                if current is not None and current.get("etag") != wanted.get("etag"):
                    continue  # someone else claimed it since this owner listed
                record = {**wanted, "etag": str(uuid.uuid4()), "last_modified_time": time.time()}
                atomic_write(path, orjson.dumps(record))
            claimed.append(record)
        return claimed

    def update_checkpoint(self, checkpoint: dict[str, Any], **kwargs: Any) -> None:
        namespace, hub, group = (checkpoint[k] for k in _KEYS)
        path = (
            self._dir(namespace, hub, group, "checkpoint") / f"{_safe(str(checkpoint['partition_id']))}.json"
        )
        atomic_write(path, orjson.dumps(dict(checkpoint)))

    def list_checkpoints(
        self, fully_qualified_namespace: str, eventhub_name: str, consumer_group: str, **kwargs: Any
    ) -> Iterable[dict[str, Any]]:
        return self._read_all(
            self._dir(fully_qualified_namespace, eventhub_name, consumer_group, "checkpoint")
        )


class FileProgress:
    """Journal of delivered file bodies, keyed by (path, size, body index)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._done: set[tuple[str, int, int]] = set()
        cut_short = False
        if path.exists():
            data = path.read_bytes()
            cut_short = bool(data) and not data.endswith(b"\n")
            for line in data.splitlines():
                try:
                    name, size, index = orjson.loads(line)
                except (orjson.JSONDecodeError, ValueError, TypeError):
                    continue  # a line cut short by a kill
                self._done.add((str(name), int(size), int(index)))
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path, "ab")  # noqa: SIM115 - kept open for the run, closed in close()
        if cut_short:
            self._handle.write(b"\n")  # end the cut line so the next record starts clean

    def is_done(self, name: str, size: int, index: int) -> bool:
        with self._lock:
            return (name, size, index) in self._done

    def mark_done(self, name: str, size: int, index: int) -> None:
        """Record a delivered body; written through to the OS at once (survives SIGKILL)."""
        with self._lock:
            if (name, size, index) in self._done:
                return
            self._done.add((name, size, index))
            self._handle.write(orjson.dumps([name, size, index]) + b"\n")
            self._handle.flush()

    def __len__(self) -> int:
        with self._lock:
            return len(self._done)

    def close(self) -> None:
        with self._lock:
            if not self._handle.closed:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()
