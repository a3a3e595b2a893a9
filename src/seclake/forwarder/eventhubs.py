"""Every Azure Event Hubs SDK call of the forwarder, and nothing else.

Builds the consumer client (connection string, or an Azure AD credential via azure-identity), the
checkpoint store (Azure Blob Storage for load balancing across instances, or local files for a single
instance), and reads an event's body. The loop that uses them lives in `runner.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure.eventhub import CheckpointStore, EventData, EventHubConsumerClient

from seclake.errors import ConfigError
from seclake.forwarder.checkpoints import FileCheckpointStore

__all__ = ["EventHubOptions", "build_checkpoint_store", "build_consumer", "event_body"]


@dataclass(frozen=True, slots=True)
class EventHubOptions:
    """Where to read from and where to keep checkpoints."""

    connection_string: str | None = None
    namespace: str | None = None  # <ns>.servicebus.windows.net, with an Azure AD credential
    eventhub_name: str | None = None
    consumer_group: str = "$Default"
    checkpoint_blob_connection_string: str | None = None
    checkpoint_blob_account_url: str | None = None
    checkpoint_container: str | None = None
    starting_position: str = "-1"  # "-1": the start of the stream; "@latest": only new events
    max_batch_size: int = 300  # events per `on_event_batch` call
    max_wait_time: float | None = 1.0  # seconds before an empty batch (lets the loop see a stop request)

    def __post_init__(self) -> None:
        if not self.connection_string and not self.namespace:
            raise ConfigError("--eventhub-connection-string or --eventhub-namespace is required")
        if self.namespace and not self.eventhub_name:
            raise ConfigError("--eventhub-name is required with --eventhub-namespace")
        blob = self.checkpoint_blob_connection_string or self.checkpoint_blob_account_url
        if blob and not self.checkpoint_container:
            raise ConfigError("--checkpoint-container is required with a blob checkpoint store")

    def receive_options(self) -> dict[str, Any]:
        """The keyword arguments of `EventHubConsumerClient.receive_batch` these options decide."""
        return {
            "starting_position": self.starting_position,
            "max_batch_size": self.max_batch_size,
            "max_wait_time": self.max_wait_time,
        }


def _credential() -> Any:
    from azure.identity import DefaultAzureCredential  # noqa: PLC0415 - only with Azure AD auth

    return DefaultAzureCredential()


def build_checkpoint_store(options: EventHubOptions, state_dir: Path) -> CheckpointStore:
    """Blob checkpoint store when configured (many instances), else files under the state dir."""
    container = options.checkpoint_container or ""
    if options.checkpoint_blob_connection_string or options.checkpoint_blob_account_url:
        from azure.eventhub.extensions.checkpointstoreblob import BlobCheckpointStore  # noqa: PLC0415

        if options.checkpoint_blob_connection_string:
            return BlobCheckpointStore.from_connection_string(
                options.checkpoint_blob_connection_string, container
            )
        return BlobCheckpointStore(
            options.checkpoint_blob_account_url or "", container, credential=_credential()
        )
    return FileCheckpointStore(state_dir / "eventhubs")


def build_consumer(options: EventHubOptions, checkpoint_store: CheckpointStore) -> EventHubConsumerClient:
    """The SDK consumer; partitions are balanced across all consumers sharing the checkpoint store."""
    if options.connection_string:
        return EventHubConsumerClient.from_connection_string(
            options.connection_string,
            consumer_group=options.consumer_group,
            eventhub_name=options.eventhub_name,
            checkpoint_store=checkpoint_store,
        )
    return EventHubConsumerClient(
        fully_qualified_namespace=options.namespace or "",
        eventhub_name=options.eventhub_name or "",
        consumer_group=options.consumer_group,
        credential=_credential(),
        checkpoint_store=checkpoint_store,
    )


def event_body(event: EventData) -> bytes:
    """The body bytes of an event (a data body may come in several sections)."""
    data: Any = event.body
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    try:
        return b"".join(bytes(section) for section in data)
    except TypeError:
        return event.body_as_str().encode("utf-8")
