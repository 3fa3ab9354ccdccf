"""Who may post on a web chat thread: browser-bound ids, per-client rate limits and the per-thread lock.

A browser holds a random token in an HttpOnly cookie; its thread id is derived from the token by a hash, so
knowing a thread id (from a log or a screen) never lets anyone post on it, and web thread ids ("web:<hex>")
can never name a WhatsApp thread ("whatsapp:+…").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import secrets
import time
from collections.abc import AsyncIterator

from limits import parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from server.store import Store

COOKIE = "kavak_chat"
COOKIE_MAX_AGE_S = 30 * 24 * 3600
THREAD_PREFIX = "web:"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
LOCK_WAIT_S = 120.0
"""Longest a message waits for the turns before it on the same thread (then 429)."""
LOCK_POLL_S = 0.05


def new_token() -> str:
    """A fresh browser token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def thread_for(token: str | None) -> str | None:
    """The web thread a cookie token owns, or None for a missing or malformed token."""
    if not token or not _TOKEN.match(token):
        return None
    return THREAD_PREFIX + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]


class RateLimiter:
    """Moving-window limits per client address; shared through Redis in production, in memory otherwise."""

    def __init__(self, spec: str, redis_url: str | None = None) -> None:
        """`spec` in `limits` notation ("20/minute;200/hour")."""
        self.items = parse_many(spec)
        if redis_url:
            storage = storage_from_string(f"async+{redis_url}", implementation="redispy")
        else:
            storage = storage_from_string("async+memory://")
        self.limiter = MovingWindowRateLimiter(storage)

    async def allow(self, client: str, scope: str = "webchat") -> float | None:
        """None when `client` may go on; else the seconds to wait before retrying."""
        for item in self.items:
            if not await self.limiter.hit(item, scope, client):
                stats = await self.limiter.get_window_stats(item, scope, client)
                return max(1.0, stats.reset_time - time.time())
        return None


class ThreadBusy(Exception):
    """The thread's earlier turns did not finish within LOCK_WAIT_S."""


@contextlib.asynccontextmanager
async def thread_lock(store: Store, thread_id: str, ttl_s: float, wait_s: float = LOCK_WAIT_S) -> AsyncIterator[None]:
    """Hold the thread's turn lock (the WhatsApp worker's lock), waiting for it; renewed while the block runs."""
    deadline = time.monotonic() + wait_s
    while (lease := await asyncio.to_thread(store.locks.try_acquire, thread_id, ttl_s)) is None:
        if time.monotonic() > deadline:
            raise ThreadBusy(thread_id)
        await asyncio.sleep(LOCK_POLL_S)

    async def renew() -> None:
        while True:
            await asyncio.sleep(ttl_s / 3)
            if not await asyncio.to_thread(lease.extend, ttl_s):
                return

    keeper = asyncio.create_task(renew())
    try:
        yield
    finally:
        keeper.cancel()
        await asyncio.to_thread(lease.release)
