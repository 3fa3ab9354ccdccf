"""The embedded backend's database: one SQLite file in DATA_DIR, shared by the webhook and the worker threads.

WAL with synchronous=NORMAL: a committed write survives the process being killed (it is in the WAL, which the
next open replays); an operating-system crash can lose the last transactions. Rows carry an expiry time and
`purge()` deletes expired ones, so the file and the process stay flat however many messages pass.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from server.store.base import Health

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
  sid TEXT PRIMARY KEY, expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_expiry ON seen (expires_at);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  thread_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'processing')),
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages (thread_id, state, id);
CREATE TABLE IF NOT EXISTS replies (
  thread_id TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, expires_at REAL NOT NULL,
  PRIMARY KEY (thread_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS replies_expiry ON replies (expires_at);
CREATE TABLE IF NOT EXISTS statuses (
  sid TEXT NOT NULL, status TEXT NOT NULL, value TEXT NOT NULL, expires_at REAL NOT NULL,
  PRIMARY KEY (sid, status)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS statuses_expiry ON statuses (expires_at);
"""


class SqliteDatabase(Health):
    """One connection behind a mutex; `run` for the sync side, `arun` (a worker thread) for the async side."""

    def __init__(self, path: Path | str) -> None:
        """Open (creating) the file and its tables."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._mutex = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), holding the mutex."""
        with self._mutex:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` in one transaction."""
        with self.transaction() as conn:
            return work(conn)

    async def arun(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`run` in a worker thread: the event loop never waits on the disk."""
        return await asyncio.to_thread(self.run, work)

    def purge(self, now: float | None = None) -> int:
        """Delete expired dedupe keys, reply records and statuses; how many rows went."""
        now = time.time() if now is None else now

        def delete(conn: sqlite3.Connection) -> int:
            return sum(
                conn.execute(f"DELETE FROM {table} WHERE expires_at < ?", (now,)).rowcount
                for table in ("seen", "replies", "statuses")
            )

        return self.run(delete)

    async def ping(self) -> None:
        """SELECT 1."""
        await self.arun(lambda conn: conn.execute("SELECT 1").fetchone())

    async def persistence(self) -> str:
        """Always durable across a process crash."""
        return "sqlite"

    async def aclose(self) -> None:
        """Nothing async to close."""

    def close(self) -> None:
        """Close the connection."""
        with self._mutex:
            self._conn.close()
