"""The channel's per-thread data on a Redis Cluster of three primaries: every Lua script and lock works
because a thread's keys share one hash slot (REDIS_CLUSTER_URL; REDIS_URL, unused here, keeps the
checkpointer and Celery's broker on a standalone Redis)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from graph.turn import TurnResult
from server.settings import ServerSettings
from server.store import InboundMessage, ReplyRecord, Store, ThreadBusy, keys, open_store
from server.store.dispatch import thread_key
from server.worker import Outcome, TurnProcessor
from tests.support.redis_cluster import RedisClusterServer

pytestmark = pytest.mark.integration
THREADS = [f"whatsapp:+5215500000{i:03d}" for i in range(12)]


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisClusterServer]:
    with RedisClusterServer() as server:
        yield server


@pytest.fixture
def store(cluster: RedisClusterServer) -> Iterator[Store]:
    settings = ServerSettings(redis_url="redis://127.0.0.1:1/0", redis_cluster_url=cluster.url)
    store = open_store(settings)
    yield store
    asyncio.run(store.health.aclose())
    store.health.close()


def accept_all(store: Store, messages: list[InboundMessage]) -> list[bool]:
    """Accept concurrently (one pipelined batch across slots), like the webhook under load."""

    async def run() -> list[bool]:
        results = await asyncio.gather(*(store.inbox.accept(m, 3600) for m in messages))
        await store.health.aclose()
        return list(results)

    return asyncio.run(run())


def test_threads_really_spread_over_the_three_primaries(cluster: RedisClusterServer) -> None:
    client = cluster.client()
    slots = {client.keyslot(keys.inbox(thread)) for thread in THREADS}
    owners = {client.nodes_manager.get_node_from_slot(slot).port for slot in slots}
    assert len(owners) == 3, owners
    for thread in THREADS:  # and every key of one thread sits in one slot
        names = [keys.seen(thread, "SM1"), keys.inbox(thread), keys.processing(thread), keys.lock(thread)]
        assert len({client.keyslot(name) for name in [*names, keys.reply(thread, "SM1")]}) == 1


def test_inbox_dedupe_claim_and_records(store: Store) -> None:
    now = time.time()
    messages = [
        InboundMessage(f"SM{i}-{t}", thread, f"m{i}", now) for t, thread in enumerate(THREADS) for i in range(3)
    ]
    assert accept_all(store, messages) == [True] * len(messages)
    assert accept_all(store, messages[:5]) == [False] * 5  # Twilio's redeliveries: dedupe in each thread's slot
    assert store.due is not None and store.due.count() == len(THREADS)
    for t, thread in enumerate(THREADS):
        assert store.inbox.has_work(thread) and store.inbox.newest_waiting(thread).text == "m2"  # type: ignore[union-attr]
        batch = store.inbox.claim(thread, 3600)
        assert [m.text for m in batch] == ["m0", "m1", "m2"] and store.inbox.processing(thread) == batch

        record = ReplyRecord(batch[0].sid, thread, [m.sid for m in batch], ["hola"])
        store.replies.save(record, 3600)
        record.sent, record.status = 1, "sent"
        store.replies.finish(record, 3600)
        assert not store.inbox.has_work(thread)
        assert store.replies.get(thread, f"SM0-{t}") == record


def test_locks_on_the_cluster(store: Store) -> None:
    thread = THREADS[0]
    with store.locks.hold(thread, ttl_s=0.6) as lease:
        with pytest.raises(ThreadBusy), store.locks.hold(thread, ttl_s=5):
            pass
        time.sleep(1.0)  # longer than the TTL: the lease was renewed in the background
        assert not lease.lost.is_set()
        assert store.locks.try_acquire(thread, 5) is None
    other = store.locks.try_acquire(thread, 0.2)
    assert other is not None
    time.sleep(0.4)  # not renewed: it expires, and a new holder can take the thread
    assert store.locks.try_acquire(thread, 5) is not None
    assert not other.extend(5)


def test_statuses_and_persistence_on_the_cluster(store: Store) -> None:
    async def run() -> str:
        await store.statuses.record("SMout", "delivered", None, 60)
        await store.statuses.record("SMout", "read", "0", 60)
        mode = await store.health.persistence()
        await store.health.aclose()
        return mode

    assert asyncio.run(run()) == "off"  # the test cluster runs without AOF: reported, per primary
    assert store.statuses.get("SMout").keys() == {"delivered", "read", "error_code"}


class EchoSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> str:
        self.sent.append((to, body))
        return f"SM{len(self.sent)}"

    def find_sent(self, to: str, body: str, since: float) -> str | None:
        return None


def test_turns_processed_on_the_cluster_answer_every_thread_once(store: Store) -> None:
    def echo(graph: Any, thread_id: str, text: str, turn_id: str | None = None) -> TurnResult:
        return TurnResult(thread_id=thread_id, reply=f"eco: {text}")

    threads = [t.replace("+5215500000", "+5215511111") for t in THREADS]
    accept_all(store, [InboundMessage(f"SMx{i}", thread, f"hola {i}", time.time()) for i, thread in enumerate(threads)])
    sender = EchoSender()
    settings = ServerSettings(burst_debounce_ms=0, turn_lock_ttl_s=5)
    processor = TurnProcessor(None, store, sender, settings, run=echo)
    assert store.due is not None
    due = store.due.take(lease_s=30)
    assert {store.due.thread(key) for key in due} >= set(threads)
    for key in due:
        thread = store.due.thread(key)
        assert thread is not None and processor.process_thread(thread) is Outcome.DONE
    assert sorted(sender.sent) == sorted((t, f"eco: hola {i}") for i, t in enumerate(threads))
    assert all(store.due.thread(thread_key(t)) is None for t in threads)  # each left the due set when idle
