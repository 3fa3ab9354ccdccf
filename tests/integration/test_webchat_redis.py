"""In production the web chat's lock and rate limits live in Redis, shared by every `serve` process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from server.store import Store, redis_store
from server.store.clients import RedisConnections
from server.webchat_guard import RateLimiter, thread_lock
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with RedisServer() as server:
        yield server.url


def test_rate_limit_is_shared_by_two_processes_worth_of_limiters(redis_url: str) -> None:
    async def run() -> list[float | None]:
        first, second = RateLimiter("4/minute", redis_url), RateLimiter("4/minute", redis_url)
        results = [await limiter.allow("10.0.0.7") for limiter in (first, second, first, second)]
        return [*results, await first.allow("10.0.0.7"), await second.allow("10.0.0.8")]

    results = asyncio.run(run())
    assert results[:4] == [None] * 4, results
    assert results[4] is not None, "the fifth request in a minute from one address must be refused"
    assert results[5] is None, "another address has its own budget"


def test_turns_on_one_web_thread_never_overlap_across_stores(redis_url: str) -> None:
    stores = [redis_store(RedisConnections(redis_url)) for _ in range(2)]  # two app processes sharing one Redis
    inside = 0
    overlaps = 0
    entered = 0

    async def turn(store: Store) -> None:
        nonlocal inside, overlaps, entered
        async with thread_lock(store, "web:shared", ttl_s=5):
            inside += 1
            entered += 1
            overlaps += inside > 1
            await asyncio.sleep(0.02)
            inside -= 1

    async def run() -> None:
        await asyncio.gather(*(turn(stores[i % 2]) for i in range(20)))
        for store in stores:
            await store.health.aclose()
            store.health.close()

    asyncio.run(run())
    assert entered == 20 and overlaps == 0, f"{overlaps} overlapping turns of {entered}"
