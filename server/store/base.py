"""What the webhook and the worker need from storage, one interface per job; Redis and SQLite implement them.

The webhook's side is async (`Inbox.accept`, `Statuses.record`, `Health`); the worker's side is sync: it runs
in worker threads and processes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.store.records import InboundMessage, ReplyRecord

if TYPE_CHECKING:
    from server.store.dispatch import DueThreads
    from server.store.locks import Locks


class Inbox(ABC):
    """Dedupe of inbound MessageSids and each thread's waiting and claimed messages."""

    @abstractmethod
    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """Store a new message and make its thread due; False (nothing stored) for a MessageSid already seen."""

    @abstractmethod
    def processing(self, thread_id: str) -> list[InboundMessage]:
        """Messages claimed by a turn that has not finished (left over when a worker died)."""

    @abstractmethod
    def newest_waiting(self, thread_id: str) -> InboundMessage | None:
        """The latest message waiting in the inbox, if any."""

    @abstractmethod
    def claim(self, thread_id: str, ttl_s: int) -> list[InboundMessage]:
        """Move the inbox into the processing batch and return the whole batch, oldest first."""

    @abstractmethod
    def has_work(self, thread_id: str) -> bool:
        """True while the thread has waiting or unfinished messages."""


class Replies(ABC):
    """Reply records: what a batch's reply says and which parts Twilio already accepted."""

    @abstractmethod
    def get(self, thread_id: str, key: str) -> ReplyRecord | None:
        """The record of the batch that starts with MessageSid `key`."""

    @abstractmethod
    def save(self, record: ReplyRecord, ttl_s: int) -> None:
        """Create or update a record."""

    @abstractmethod
    def finish(self, record: ReplyRecord, ttl_s: int) -> None:
        """Save the final record and drop its thread's processing batch, atomically."""


class Statuses(ABC):
    """Delivery statuses Twilio reports for outbound messages."""

    @abstractmethod
    async def record(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """Remember that outbound message `sid` reached `status` (queued, sent, delivered, failed...)."""

    @abstractmethod
    def get(self, sid: str) -> dict[str, str]:
        """Statuses recorded for `sid` ({status: unix time, "error_code": ...})."""


class Health(ABC):
    """Reachability and durability of the backend, and its connections' lifecycle."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise when the backend is unreachable."""

    @abstractmethod
    async def persistence(self) -> str:
        """How acknowledged messages survive a restart: "aof", "rdb" (up to minutes lost), "off" or "sqlite"."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release the async connections (the app's side)."""

    @abstractmethod
    def close(self) -> None:
        """Release the sync connections (the worker's side)."""


@dataclass
class Store:
    """The jobs of one backend, built by `open_store`."""

    inbox: Inbox
    replies: Replies
    statuses: Statuses
    locks: Locks
    health: Health
    due: DueThreads | None = None
    """Redis only: threads waiting for a Celery task (the embedded worker keeps its own queue)."""
