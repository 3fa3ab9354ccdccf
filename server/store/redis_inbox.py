"""The inbox, reply records and statuses in Redis: one Lua call per webhook message, pipelined under load."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from server.store import keys
from server.store.base import Inbox, Replies, Statuses
from server.store.clients import RedisConnections
from server.store.dispatch import mark_args
from server.store.records import InboundMessage, ReplyRecord

ACCEPT_BATCH = 256
"""Most webhook messages written in one pipelined round trip."""

_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
if #items > 0 then
  for i = 1, #items do redis.call('RPUSH', KEYS[2], items[i]) end
  redis.call('DEL', KEYS[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return redis.call('LRANGE', KEYS[2], 0, -1)
"""
_FINISH = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
"""
_STATUS = """
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

Pending = asyncio.Queue[tuple[InboundMessage, int, asyncio.Future[Any]]]


class RedisInbox(Inbox):
    """Dedupe key + inbox in the thread's slot (one Lua call), then the thread marked due for dispatch."""

    def __init__(self, conns: RedisConnections) -> None:
        """Accepts are batched by a writer task started on first use."""
        self.conns = conns
        self._pending: Pending | None = None
        self._writer: asyncio.Task[None] | None = None

    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """Queue the message for the next pipelined round trip and wait for its result."""
        if self._pending is None or self._writer is None or self._writer.done():
            self._pending = asyncio.Queue()
            self._writer = asyncio.create_task(self._write_batches(self._pending), name="redis-accept-writer")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.put_nowait((message, ttl_s, future))
        return bool(await future)

    async def _write_batches(self, pending: Pending) -> None:
        """Send every accept queued since the last round trip as one pipeline."""
        while True:
            batch = [await pending.get()]
            while not pending.empty() and len(batch) < ACCEPT_BATCH:
                batch.append(pending.get_nowait())
            pipe = self.conns.aio.pipeline(transaction=False)
            now = time.time()
            for message, ttl_s, _ in batch:
                thread = message.thread_id
                pipe.eval(_ACCEPT, 2, keys.seen(thread, message.sid), keys.inbox(thread), ttl_s, message.dumps())
                # Even for a duplicate: a retried delivery re-marks a thread whose first marking was lost.
                pipe.eval(*mark_args(thread, now, only_new=True))  # type: ignore[arg-type]
            try:
                results = await pipe.execute()
            except Exception as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), accepted in zip(batch, results[::2], strict=True):
                if not future.done():
                    future.set_result(accepted)

    async def stop(self) -> None:
        """Stop the batch writer (app shutdown)."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = self._pending = None

    def processing(self, thread_id: str) -> list[InboundMessage]:
        """LRANGE of the processing list."""
        raws = self.conns.sync.lrange(keys.processing(thread_id), 0, -1)
        return [InboundMessage.loads(raw) for raw in raws]  # type: ignore[union-attr]

    def newest_waiting(self, thread_id: str) -> InboundMessage | None:
        """The inbox's tail."""
        raw = self.conns.sync.lindex(keys.inbox(thread_id), -1)
        return InboundMessage.loads(raw) if raw else None  # type: ignore[arg-type]

    def claim(self, thread_id: str, ttl_s: int) -> list[InboundMessage]:
        """Atomic inbox -> processing move (Lua, one slot)."""
        raws = self.conns.sync.eval(_CLAIM, 2, keys.inbox(thread_id), keys.processing(thread_id), ttl_s)
        return [InboundMessage.loads(raw) for raw in raws]  # type: ignore[union-attr]

    def has_work(self, thread_id: str) -> bool:
        """EXISTS on the inbox or the processing list."""
        return bool(self.conns.sync.exists(keys.inbox(thread_id), keys.processing(thread_id)))


class RedisReplies(Replies):
    """JSON reply records under the thread's hash tag."""

    def __init__(self, conns: RedisConnections) -> None:
        """Uses the sync client."""
        self.conns = conns

    def get(self, thread_id: str, key: str) -> ReplyRecord | None:
        """GET the JSON record."""
        raw = self.conns.sync.get(keys.reply(thread_id, key))
        return ReplyRecord.loads(raw) if raw else None  # type: ignore[arg-type]

    def save(self, record: ReplyRecord, ttl_s: int) -> None:
        """SET the JSON record with the records' TTL."""
        self.conns.sync.set(keys.reply(record.to, record.key), record.dumps(), ex=ttl_s)

    def finish(self, record: ReplyRecord, ttl_s: int) -> None:
        """Save the record and delete the batch in one Lua call (same slot)."""
        thread = record.to
        self.conns.sync.eval(_FINISH, 2, keys.reply(thread, record.key), keys.processing(thread), record.dumps(), ttl_s)


class RedisStatuses(Statuses):
    """A hash per outbound message: status -> unix time (and the error code)."""

    def __init__(self, conns: RedisConnections) -> None:
        """Webhook side async, reads sync."""
        self.conns = conns

    async def record(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """HSET + EXPIRE in one Lua call."""
        fields = [status, str(time.time())] + (["error_code", error_code] if error_code else [])
        await self.conns.aio.eval(_STATUS, 1, keys.status(sid), ttl_s, *fields)  # type: ignore[misc]

    def get(self, sid: str) -> dict[str, str]:
        """HGETALL of the status hash."""
        return dict(self.conns.sync.hgetall(keys.status(sid)))  # type: ignore[arg-type]
