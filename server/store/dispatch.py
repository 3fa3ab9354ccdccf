"""Which threads need a worker (Redis mode), and which workers are alive.

The due set is the source of truth for dispatch; Celery tasks are only the wake-up calls. The webhook marks a
thread due (ZADD NX, score = now); the dispatcher takes due threads and pushes their score a lease into the
future before publishing a task; the worker that finds the thread idle removes it. A task lost with a dead
worker, a restarted broker or a full prefetch buffer is therefore published again one lease later, and a thread
whose turn is still running only gets a cheap "busy" task: nothing waits for a visibility timeout.
"""

from __future__ import annotations

import hashlib
import time

from server.store import keys
from server.store.clients import RedisConnections

_MARK = """
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[3], '1')
redis.call('LTRIM', KEYS[3], -1, -1)
return 1
"""
_TAKE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for i = 1, #due do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], due[i]) end
return due
"""
_CLEAR = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""
DUE_KEYS = (keys.DUE, keys.DUE_THREADS, keys.WAKE)


def thread_key(thread_id: str) -> str:
    """The opaque name a thread travels under in Celery messages and worker logs (no phone number)."""
    return hashlib.sha256(thread_id.encode("utf-8")).hexdigest()[:24]


def mark_args(thread_id: str, at: float, only_new: bool) -> tuple[object, ...]:
    """EVAL arguments that make `thread_id` due at `at` (NX: keep a later time already set)."""
    return (_MARK, 3, *DUE_KEYS, at, thread_key(thread_id), thread_id, "NX" if only_new else "GT")


class DueThreads:
    """The sorted set `kavak:{dispatch}:due`: thread key -> when it next needs a task; and key -> thread id."""

    def __init__(self, conns: RedisConnections) -> None:
        """Sync side: the dispatcher thread and the worker."""
        self.conns = conns

    def take(self, lease_s: float, limit: int = 100) -> list[str]:
        """Keys of the threads due now; each is due again `lease_s` from now unless a worker clears it first."""
        now = time.time()
        return list(self.conns.sync.eval(_TAKE, 1, keys.DUE, now, now + lease_s, limit))  # type: ignore[arg-type]

    def wait(self, timeout_s: float) -> None:
        """Block until the webhook marks a thread due, or `timeout_s` passes."""
        self.conns.sync.blpop([keys.WAKE], timeout=timeout_s)

    def thread(self, key: str) -> str | None:
        """The thread id behind a key (None once the thread was cleared)."""
        value = self.conns.sync.hget(keys.DUE_THREADS, key)
        return str(value) if value is not None else None

    def mark(self, thread_id: str, delay_s: float = 0.0) -> None:
        """Make the thread due in `delay_s` seconds (or keep it due later: a worker that goes on stays covered)."""
        self.conns.sync.eval(*mark_args(thread_id, time.time() + delay_s, only_new=False))  # type: ignore[arg-type]

    def clear(self, thread_id: str) -> None:
        """The thread is idle: remove it (the caller checks for new work right after)."""
        self.conns.sync.eval(_CLEAR, 2, keys.DUE, keys.DUE_THREADS, thread_key(thread_id))

    def count(self) -> int:
        """Threads waiting or being worked on."""
        return int(self.conns.sync.zcard(keys.DUE))  # type: ignore[arg-type]


class Heartbeats:
    """Workers write their name and the time every few seconds; `/readyz?workers=1` counts the fresh ones."""

    def __init__(self, conns: RedisConnections) -> None:
        """Writes are sync (the worker's dispatcher thread), reads async (the app)."""
        self.conns = conns

    def beat(self, name: str, forget_after_s: float = 300.0) -> None:
        """Record that `name` is alive; forget workers silent for `forget_after_s`."""
        now = time.time()
        pipe = self.conns.sync.pipeline(transaction=False)
        pipe.zadd(keys.WORKERS, {name: now})
        pipe.zremrangebyscore(keys.WORKERS, "-inf", now - forget_after_s)
        pipe.execute()

    def leave(self, name: str) -> None:
        """A worker stopping cleanly."""
        self.conns.sync.zrem(keys.WORKERS, name)

    async def alive(self, within_s: float) -> list[str]:
        """Workers heard from in the last `within_s` seconds."""
        found = await self.conns.aio.zrangebyscore(keys.WORKERS, time.time() - within_s, "+inf")
        return [str(name) for name in found]
