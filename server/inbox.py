"""Bookkeeping behind the webhook and the worker: dedupe, per-thread inbox, lock, reply and status records.

One interface, two backends: `RedisStore` (production; shared by the app, the dispatcher and Celery workers)
and `MemoryStore` (embedded mode: one process, an in-process worker). The webhook side is async
(`accept`, `record_status`); the worker side is sync (it runs in worker threads/processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis
import redis.asyncio as aioredis

PREFIX = "kavak:"
READY_KEY = f"{PREFIX}ready"
"""Thread ids with new messages, in arrival order; the dispatcher turns each into a Celery task."""
ACCEPT_BATCH = 256
"""Most webhook messages written in one pipelined round trip."""
DISPATCHING_KEY = f"{PREFIX}dispatching"
"""Markers taken by a dispatcher and not yet handed to Celery (moved back to READY_KEY on start-up)."""


@dataclass(frozen=True)
class InboundMessage:
    """One customer message as received by the webhook."""

    sid: str
    thread_id: str
    text: str
    received_at: float

    def dumps(self) -> str:
        """JSON form stored in the inbox."""
        data = {"sid": self.sid, "thread_id": self.thread_id, "text": self.text, "received_at": self.received_at}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, raw: str | bytes) -> InboundMessage:
        """Inverse of `dumps`."""
        return cls(**json.loads(raw))


@dataclass
class ReplyRecord:
    """The reply to one batch of inbound messages and how far its sending got (the exactly-once record)."""

    key: str
    """MessageSid of the batch's first message."""
    to: str
    sids: list[str]
    parts: list[str]
    sent: int = 0
    """Parts already accepted by Twilio; a redelivered task resumes after them."""
    outbound: list[str] = field(default_factory=list)
    status: str = "pending"
    """pending (turn done, sending), sent, or failed (Twilio kept refusing)."""
    error: str = ""

    def dumps(self) -> str:
        """JSON form of the record."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str | bytes) -> ReplyRecord:
        """Inverse of `dumps`."""
        return cls(**json.loads(raw))


class Store(ABC):
    """Dedupe, inbox, lock and records; async methods for the webhook, sync ones for the worker."""

    @abstractmethod
    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """Store a new message and enqueue its thread; False (and nothing done) for a seen MessageSid."""

    @abstractmethod
    async def record_status(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """Remember that outbound message `sid` reached `status` (queued, sent, delivered, failed...)."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise when the backend is unreachable."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release async connections."""

    @abstractmethod
    def acquire(self, thread_id: str, ttl_s: float) -> str | None:
        """Take the thread's lock for `ttl_s` seconds; a token, or None when another turn holds it."""

    @abstractmethod
    def renew(self, thread_id: str, token: str, ttl_s: float) -> bool:
        """Extend a lock we hold; False when it was lost."""

    @abstractmethod
    def release(self, thread_id: str, token: str) -> None:
        """Free the lock if we still hold it."""

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

    @abstractmethod
    def reply(self, key: str) -> ReplyRecord | None:
        """The reply record of the batch that starts with MessageSid `key`."""

    @abstractmethod
    def save_reply(self, record: ReplyRecord, ttl_s: int) -> None:
        """Create or update a reply record."""

    @abstractmethod
    def finish(self, thread_id: str, record: ReplyRecord, ttl_s: int) -> None:
        """Save the final record and drop the processing batch, atomically."""

    @abstractmethod
    def status(self, sid: str) -> dict[str, str]:
        """Statuses recorded for outbound message `sid` ({status: unix time, "error_code": ...})."""


# --------------------------------------------------------------------------------------------- Redis

_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
  redis.call('RPUSH', KEYS[3], ARGV[3])
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
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def seen_key(sid: str) -> str:
    """Dedupe key of an inbound MessageSid."""
    return f"{PREFIX}seen:{sid}"


def inbox_key(thread_id: str) -> str:
    """Messages waiting for the thread's next turn."""
    return f"{PREFIX}inbox:{thread_id}"


def processing_key(thread_id: str) -> str:
    """Messages claimed by the thread's current (or interrupted) turn."""
    return f"{PREFIX}processing:{thread_id}"


def lock_key(thread_id: str) -> str:
    """The thread's turn lock."""
    return f"{PREFIX}lock:{thread_id}"


def reply_key(key: str) -> str:
    """Reply record of the batch that starts with MessageSid `key`."""
    return f"{PREFIX}reply:{key}"


def status_key(sid: str) -> str:
    """Delivery statuses of an outbound message."""
    return f"{PREFIX}status:{sid}"


class RedisStore(Store):
    """The production backend: every key lives in Redis, so the app and any number of workers share it."""

    def __init__(self, url: str) -> None:
        """Clients are created lazily: the app uses the async one, workers the sync one."""
        self.url = url
        self._aio: aioredis.Redis | None = None
        self._sync: redis.Redis | None = None
        self._pending: asyncio.Queue[tuple[tuple[Any, ...], asyncio.Future[Any]]] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._accept_sha: str | None = None

    @property
    def aio(self) -> aioredis.Redis:
        """The async client (webhook side)."""
        if self._aio is None:
            self._aio = aioredis.Redis.from_url(self.url, max_connections=64)
        return self._aio

    @property
    def sync(self) -> redis.Redis:
        """The sync client (worker side)."""
        if self._sync is None:
            self._sync = redis.Redis.from_url(self.url, decode_responses=True, health_check_interval=30)
        return self._sync

    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """Dedupe + inbox + ready marker in one Lua call, pipelined with the other requests in flight."""
        if self._pending is None or self._writer is None or self._writer.done():
            self._pending = asyncio.Queue()
            self._writer = asyncio.create_task(self._write_batches(self._pending), name="redis-accept-writer")
        keys = (seen_key(message.sid), inbox_key(message.thread_id), READY_KEY)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.put_nowait(((*keys, ttl_s, message.dumps(), message.thread_id), future))
        return bool(await future)

    async def _write_batches(self, pending: asyncio.Queue[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        """Send every accept queued since the last round trip as one pipeline."""
        while True:
            batch = [await pending.get()]
            while not pending.empty() and len(batch) < ACCEPT_BATCH:
                batch.append(pending.get_nowait())
            try:
                results = await self._run_accepts([args for args, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _run_accepts(self, calls: list[tuple[Any, ...]]) -> list[Any]:
        for attempt in (1, 2):
            if self._accept_sha is None:
                self._accept_sha = await self.aio.script_load(_ACCEPT)
            pipe = self.aio.pipeline(transaction=False)
            for args in calls:
                pipe.evalsha(self._accept_sha, 3, *args)
            try:
                return list(await pipe.execute())
            except redis.exceptions.NoScriptError:  # Redis restarted and lost its script cache
                self._accept_sha = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def record_status(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """HSET status -> time (and the error code), with the records' TTL."""
        mapping = {status: str(time.time())}
        if error_code:
            mapping["error_code"] = error_code
        async with self.aio.pipeline(transaction=True) as pipe:
            pipe.hset(status_key(sid), mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(status_key(sid), ttl_s)
            await pipe.execute()

    async def ping(self) -> None:
        """PING over the async client."""
        await self.aio.ping()

    async def aclose(self) -> None:
        """Stop the batch writer and close the async pool."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = self._pending = None
        if self._aio is not None:
            await self._aio.aclose()
            self._aio = None

    def acquire(self, thread_id: str, ttl_s: float) -> str | None:
        """SET NX PX with a random token."""
        token = uuid.uuid4().hex
        ok = self.sync.set(lock_key(thread_id), token, nx=True, px=int(ttl_s * 1000))
        return token if ok else None

    def renew(self, thread_id: str, token: str, ttl_s: float) -> bool:
        """Compare-and-PEXPIRE."""
        return bool(self.sync.eval(_RENEW, 1, lock_key(thread_id), token, int(ttl_s * 1000)))

    def release(self, thread_id: str, token: str) -> None:
        """Compare-and-DEL."""
        self.sync.eval(_RELEASE, 1, lock_key(thread_id), token)

    def processing(self, thread_id: str) -> list[InboundMessage]:
        """LRANGE of the processing list."""
        return [InboundMessage.loads(raw) for raw in self.sync.lrange(processing_key(thread_id), 0, -1)]

    def newest_waiting(self, thread_id: str) -> InboundMessage | None:
        """The inbox's tail."""
        raw = self.sync.lindex(inbox_key(thread_id), -1)
        return InboundMessage.loads(raw) if raw else None

    def claim(self, thread_id: str, ttl_s: int) -> list[InboundMessage]:
        """Atomic inbox -> processing move (Lua)."""
        raws = self.sync.eval(_CLAIM, 2, inbox_key(thread_id), processing_key(thread_id), ttl_s)
        return [InboundMessage.loads(raw) for raw in raws]

    def has_work(self, thread_id: str) -> bool:
        """EXISTS on the inbox or the processing list."""
        return bool(self.sync.exists(inbox_key(thread_id), processing_key(thread_id)))

    def reply(self, key: str) -> ReplyRecord | None:
        """GET the JSON record."""
        raw = self.sync.get(reply_key(key))
        return ReplyRecord.loads(raw) if raw else None

    def save_reply(self, record: ReplyRecord, ttl_s: int) -> None:
        """SET the JSON record."""
        self.sync.set(reply_key(record.key), record.dumps(), ex=ttl_s)

    def finish(self, thread_id: str, record: ReplyRecord, ttl_s: int) -> None:
        """MULTI: save the record, delete the batch."""
        with self.sync.pipeline(transaction=True) as pipe:
            pipe.set(reply_key(record.key), record.dumps(), ex=ttl_s)
            pipe.delete(processing_key(thread_id))
            pipe.execute()

    def status(self, sid: str) -> dict[str, str]:
        """HGETALL of the status hash."""
        return dict(self.sync.hgetall(status_key(sid)))  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the sync pool."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None


# -------------------------------------------------------------------------------------------- memory


class MemoryStore(Store):
    """Embedded backend: plain dicts behind one lock; `on_enqueue(thread_id)` wakes the in-process worker."""

    def __init__(self, on_enqueue: Callable[[str], None] | None = None) -> None:
        """`on_enqueue` is called (outside the lock) for every accepted message."""
        self.on_enqueue = on_enqueue
        self._mutex = threading.Lock()
        self._seen: dict[str, float] = {}
        self._inbox: dict[str, list[InboundMessage]] = {}
        self._processing: dict[str, list[InboundMessage]] = {}
        self._locks: dict[str, tuple[str, float]] = {}
        self._replies: dict[str, ReplyRecord] = {}
        self._statuses: dict[str, dict[str, str]] = {}

    async def accept(self, message: InboundMessage, ttl_s: int) -> bool:
        """Dedupe and append under the mutex, then notify."""
        now = time.time()
        with self._mutex:
            if self._seen.get(message.sid, 0.0) > now:
                return False
            if len(self._seen) > 100_000:
                self._seen = {sid: until for sid, until in self._seen.items() if until > now}
            self._seen[message.sid] = now + ttl_s
            self._inbox.setdefault(message.thread_id, []).append(message)
        if self.on_enqueue is not None:
            self.on_enqueue(message.thread_id)
        return True

    async def record_status(self, sid: str, status: str, error_code: str | None, ttl_s: int) -> None:
        """Remember the status with its time."""
        with self._mutex:
            record = self._statuses.setdefault(sid, {})
            record[status] = str(time.time())
            if error_code:
                record["error_code"] = error_code

    async def ping(self) -> None:
        """Always reachable."""

    def acquire(self, thread_id: str, ttl_s: float) -> str | None:
        """Take the lock unless a live lease exists."""
        now = time.monotonic()
        with self._mutex:
            held = self._locks.get(thread_id)
            if held and held[1] > now:
                return None
            token = uuid.uuid4().hex
            self._locks[thread_id] = (token, now + ttl_s)
            return token

    def renew(self, thread_id: str, token: str, ttl_s: float) -> bool:
        """Extend our lease."""
        with self._mutex:
            held = self._locks.get(thread_id)
            if not held or held[0] != token:
                return False
            self._locks[thread_id] = (token, time.monotonic() + ttl_s)
            return True

    def release(self, thread_id: str, token: str) -> None:
        """Drop our lease."""
        with self._mutex:
            held = self._locks.get(thread_id)
            if held and held[0] == token:
                del self._locks[thread_id]

    def processing(self, thread_id: str) -> list[InboundMessage]:
        """Copy of the batch."""
        with self._mutex:
            return list(self._processing.get(thread_id, []))

    def newest_waiting(self, thread_id: str) -> InboundMessage | None:
        """Tail of the inbox."""
        with self._mutex:
            inbox = self._inbox.get(thread_id)
            return inbox[-1] if inbox else None

    def claim(self, thread_id: str, ttl_s: int) -> list[InboundMessage]:
        """Inbox -> batch."""
        with self._mutex:
            batch = self._processing.setdefault(thread_id, [])
            batch.extend(self._inbox.pop(thread_id, []))
            if not batch:
                del self._processing[thread_id]
            return list(batch)

    def has_work(self, thread_id: str) -> bool:
        """Waiting or unfinished messages."""
        with self._mutex:
            return bool(self._inbox.get(thread_id) or self._processing.get(thread_id))

    def reply(self, key: str) -> ReplyRecord | None:
        """Copy of the record."""
        with self._mutex:
            record = self._replies.get(key)
            return ReplyRecord.loads(record.dumps()) if record else None

    def save_reply(self, record: ReplyRecord, ttl_s: int) -> None:
        """Store a copy."""
        with self._mutex:
            self._replies[record.key] = ReplyRecord.loads(record.dumps())

    def finish(self, thread_id: str, record: ReplyRecord, ttl_s: int) -> None:
        """Store the record and drop the batch."""
        with self._mutex:
            self._replies[record.key] = ReplyRecord.loads(record.dumps())
            self._processing.pop(thread_id, None)

    def status(self, sid: str) -> dict[str, str]:
        """Copy of the statuses."""
        with self._mutex:
            return dict(self._statuses.get(sid, {}))

    def replies(self) -> list[ReplyRecord]:
        """Every reply record (inspection and tests)."""
        with self._mutex:
            return [ReplyRecord.loads(r.dumps()) for r in self._replies.values()]
