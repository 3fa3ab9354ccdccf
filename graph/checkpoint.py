"""Checkpointer factory: Redis (24 h TTL, refreshed on read) when REDIS_URL is set, else a local SQLite file."""

from __future__ import annotations

import sqlite3
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
