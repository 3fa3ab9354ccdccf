"""The inbox, reply records and statuses of embedded mode, in the SQLite file of `SqliteDatabase`."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from server.store.base import Inbox, Replies, Statuses
from server.store.records import InboundMessage, ReplyRecord
from server.store.sqlite_db import SqliteDatabase


class SqliteInbox(Inbox):
    """Rows in `messages` (waiting, then processing); `on_enqueue(thread_id)` wakes the in-process worker."""

    def __init__(self, db: SqliteDatabase, on_enqueue: Callable[[str], None] | None = None) -> None:
        """`on_enqueue` is called after each accepted message is committed."""
        self.db = db
        self.on_enqueue = on_enqueue

    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """INSERT OR IGNORE the sid; on a new sid, the message too; both in one transaction."""
        now = time.time()

        def insert(conn: sqlite3.Connection) -> bool:
            conn.execute("DELETE FROM seen WHERE sid = ? AND expires_at < ?", (message.sid, now))
            fresh = conn.execute(
                "INSERT OR IGNORE INTO seen (sid, expires_at) VALUES (?, ?)", (message.sid, now + ttl_s)
            ).rowcount
            if fresh:
                conn.execute(
                    "INSERT INTO messages (thread_id, state, body) VALUES (?, 'waiting', ?)",
                    (message.thread_id, message.dumps()),
                )
            return bool(fresh)

        accepted = await self.db.arun(insert)
        if accepted and self.on_enqueue is not None:
            self.on_enqueue(message.thread_id)
        return accepted

    def _messages(self, thread_id: str, state: str) -> list[InboundMessage]:
        rows = self.db.run(
            lambda conn: conn.execute(
                "SELECT body FROM messages WHERE thread_id = ? AND state = ? ORDER BY id", (thread_id, state)
            ).fetchall()
        )
        return [InboundMessage.loads(body) for (body,) in rows]

    def processing(self, thread_id: str) -> list[InboundMessage]:
        """The claimed batch, oldest first."""
        return self._messages(thread_id, "processing")

    def newest_waiting(self, thread_id: str) -> InboundMessage | None:
        """Last waiting message."""
        row = self.db.run(
            lambda conn: conn.execute(
                "SELECT body FROM messages WHERE thread_id = ? AND state = 'waiting' ORDER BY id DESC LIMIT 1",
                (thread_id,),
            ).fetchone()
        )
        return InboundMessage.loads(row[0]) if row else None

    def claim(self, thread_id: str, ttl_s: int) -> list[InboundMessage]:
        """waiting -> processing, then the whole batch."""

        def move(conn: sqlite3.Connection) -> list[str]:
            conn.execute(
                "UPDATE messages SET state = 'processing' WHERE thread_id = ? AND state = 'waiting'", (thread_id,)
            )
            rows = conn.execute(
                "SELECT body FROM messages WHERE thread_id = ? AND state = 'processing' ORDER BY id", (thread_id,)
            )
            return [body for (body,) in rows]

        return [InboundMessage.loads(body) for body in self.db.run(move)]

    def has_work(self, thread_id: str) -> bool:
        """Any row for the thread."""
        return bool(
            self.db.run(
                lambda conn: conn.execute("SELECT 1 FROM messages WHERE thread_id = ? LIMIT 1", (thread_id,)).fetchone()
            )
        )

    def threads_with_work(self) -> list[str]:
        """Threads with waiting or unfinished messages (resumed when the process starts)."""
        rows = self.db.run(lambda conn: conn.execute("SELECT DISTINCT thread_id FROM messages").fetchall())
        return [thread for (thread,) in rows]


class SqliteReplies(Replies):
    """JSON records in `replies`, expiring like Redis keys."""

    def __init__(self, db: SqliteDatabase) -> None:
        """Rows expire `ttl_s` after their last write."""
        self.db = db

    def get(self, thread_id: str, key: str) -> ReplyRecord | None:
        """The live record, if any."""
        row = self.db.run(
            lambda conn: conn.execute(
                "SELECT record FROM replies WHERE thread_id = ? AND key = ? AND expires_at >= ?",
                (thread_id, key, time.time()),
            ).fetchone()
        )
        return ReplyRecord.loads(row[0]) if row else None

    @staticmethod
    def _upsert(conn: sqlite3.Connection, record: ReplyRecord, ttl_s: int) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO replies (thread_id, key, record, expires_at) VALUES (?, ?, ?, ?)",
            (record.to, record.key, record.dumps(), time.time() + ttl_s),
        )

    def save(self, record: ReplyRecord, ttl_s: int) -> None:
        """Upsert."""
        self.db.run(lambda conn: self._upsert(conn, record, ttl_s))

    def finish(self, record: ReplyRecord, ttl_s: int) -> None:
        """Upsert and delete the processing batch in one transaction."""

        def done(conn: sqlite3.Connection) -> None:
            self._upsert(conn, record, ttl_s)
            conn.execute("DELETE FROM messages WHERE thread_id = ? AND state = 'processing'", (record.to,))

        self.db.run(done)


class SqliteStatuses(Statuses):
    """Rows (sid, status) -> time or error code."""

    def __init__(self, db: SqliteDatabase) -> None:
        """Rows expire like the reply records."""
        self.db = db

    async def record(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """Upsert the status (and the error code)."""
        now = time.time()
        rows = [(sid, status, str(now), now + ttl_s)]
        if error_code:
            rows.append((sid, "error_code", error_code, now + ttl_s))
        await self.db.arun(
            lambda conn: conn.executemany(
                "INSERT OR REPLACE INTO statuses (sid, status, value, expires_at) VALUES (?, ?, ?, ?)", rows
            )
        )

    def get(self, sid: str) -> dict[str, str]:
        """{status: time, "error_code": code}."""
        rows = self.db.run(
            lambda conn: conn.execute("SELECT status, value FROM statuses WHERE sid = ?", (sid,)).fetchall()
        )
        return dict(rows)
