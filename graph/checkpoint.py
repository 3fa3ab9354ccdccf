"""Checkpointer factory: Redis (24 h TTL, refreshed on read) when REDIS_URL is set, else a local SQLite file
(pruned by `prune_sqlite` to the same lifetime)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver

from graph.settings import Settings, get_settings


@contextmanager
def open_checkpointer(settings: Settings | None = None) -> Iterator[BaseCheckpointSaver]:
    """Open the configured checkpointer for the life of the block."""
    settings = settings or get_settings()
    if settings.redis_url:
        from langgraph.checkpoint.redis import RedisSaver

        ttl = {"default_ttl": settings.checkpoint_ttl_minutes, "refresh_on_read": True}
        with RedisSaver.from_conn_string(settings.redis_url, ttl=ttl) as saver:
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    try:
        sqlite_saver = SqliteSaver(conn)
        sqlite_saver.setup()
        yield sqlite_saver
    finally:
        conn.close()


_UUID_EPOCH_OFFSET = 0x01B21DD213814000
"""100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch."""


def checkpoint_id_at(unix_time: float) -> str:
    """The smallest checkpoint id (LangGraph's time-ordered UUIDv6) created at `unix_time`: a time cutoff."""
    timestamp = int(unix_time * 10_000_000) + _UUID_EPOCH_OFFSET
    value = ((timestamp >> 12) & 0xFFFFFFFFFFFF) << 80 | (timestamp & 0x0FFF) << 64 | 6 << 76 | 0x8000 << 48
    return str(uuid.UUID(int=value))


def prune_sqlite(saver: BaseCheckpointSaver, max_age_s: float, now: float | None = None) -> int:
    """Delete the threads of a SQLite checkpointer whose newest checkpoint is older than `max_age_s`.

    The SQLite counterpart of the Redis checkpointer's TTL (CHECKPOINT_TTL_MINUTES): conversations idle that
    long are forgotten, so the file does not grow without bound. Returns how many threads went.
    """
    from langgraph.checkpoint.sqlite import SqliteSaver

    if not isinstance(saver, SqliteSaver):
        return 0
    cutoff = checkpoint_id_at((time.time() if now is None else now) - max_age_s)
    with saver.cursor(transaction=False) as cur:
        cur.execute(
            "SELECT thread_id FROM checkpoints GROUP BY thread_id HAVING MAX(checkpoint_id) < ?",
            (cutoff,),
        )
        stale = [row[0] for row in cur.fetchall()]
    for thread_id in stale:
        saver.delete_thread(thread_id)
    return len(stale)
