"""Storage of the WhatsApp channel, split by job (inbox and dedupe, locks, reply records, statuses, dispatch)
with two backends: Redis (production, shared by the app and any number of workers; Cluster-ready) and SQLite
(embedded mode: one process, durable across restarts). `open_store` picks one from the settings."""

from __future__ import annotations

from collections.abc import Callable

from server.settings import ServerSettings
from server.store import keys
from server.store.base import Health, Inbox, Replies, Statuses, Store
from server.store.clients import RedisConnections, RedisHealth
from server.store.dispatch import DueThreads, Heartbeats
from server.store.locks import Lease, LocalLocks, Locks, RedisLocks, ThreadBusy
from server.store.records import InboundMessage, ReplyRecord
from server.store.redis_inbox import RedisInbox, RedisReplies, RedisStatuses
from server.store.sqlite_db import SqliteDatabase
from server.store.sqlite_inbox import SqliteInbox, SqliteReplies, SqliteStatuses

__all__ = [
    "DueThreads",
    "Health",
    "Heartbeats",
    "InboundMessage",
    "Inbox",
    "Lease",
    "Locks",
    "Replies",
    "ReplyRecord",
    "Statuses",
    "Store",
    "ThreadBusy",
    "keys",
    "open_store",
    "redis_store",
    "sqlite_store",
]


def redis_store(conns: RedisConnections) -> Store:
    """Every job on one set of Redis connections."""
    inbox = RedisInbox(conns)
    return Store(
        inbox=inbox,
        replies=RedisReplies(conns),
        statuses=RedisStatuses(conns),
        locks=RedisLocks(conns),
        health=RedisHealth(conns, on_aclose=inbox.stop),
        due=DueThreads(conns),
    )


def sqlite_store(db: SqliteDatabase, on_enqueue: Callable[[str], None] | None = None) -> Store:
    """Every job in one SQLite database, locks in this process."""
    return Store(
        inbox=SqliteInbox(db, on_enqueue),
        replies=SqliteReplies(db),
        statuses=SqliteStatuses(db),
        locks=LocalLocks(),
        health=db,
    )


def open_store(settings: ServerSettings) -> Store:
    """Redis when REDIS_URL is set (a Cluster with REDIS_CLUSTER_URL), else DATA_DIR/inbox.sqlite."""
    if settings.redis_url:
        url = settings.redis_cluster_url or settings.redis_url
        return redis_store(RedisConnections(url, cluster=settings.redis_cluster_url is not None))
    return sqlite_store(SqliteDatabase(settings.inbox_path))
