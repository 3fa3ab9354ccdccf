"""Conversations survive restarts: SQLite by default, real Redis (JSON + Search modules) with a 24 h TTL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.settings import Settings
from graph.turn import run_turn
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def converse_across_restart(settings: Settings, thread: str) -> str:
    with open_checkpointer(settings) as saver:
        run_turn(build_graph(saver), thread, "Do you have any Chebys under 300k?")
    with open_checkpointer(settings) as saver:  # a new process would open a new saver just like this
        turn = run_turn(build_graph(saver), thread, "How much is the monthly payment for the Onix over 4 years?")
    return turn.reply


def test_sqlite_checkpointer_continues_a_thread_after_a_restart(isolated_env: Path) -> None:
    reply = converse_across_restart(Settings(), "sqlite-thread")
    assert "$4,605.82" in reply
    assert (isolated_env / "checkpoints.sqlite").stat().st_size > 0


def test_redis_checkpointer_continues_a_thread_with_a_24h_ttl(redis_server: RedisServer) -> None:
    settings = Settings(redis_url=redis_server.url)
    reply = converse_across_restart(settings, "redis-thread")
    assert "$4,605.82" in reply
    client = redis.Redis.from_url(redis_server.url)
    keys = [k for k in client.scan_iter("checkpoint*") if b"redis-thread" in k]
    assert keys
    ttls = [client.ttl(k) for k in keys]
    assert all(86000 < ttl <= 86400 for ttl in ttls), ttls


def test_threads_are_isolated(redis_server: RedisServer) -> None:
    settings = Settings(redis_url=redis_server.url)
    with open_checkpointer(settings) as saver:
        graph = build_graph(saver)
        run_turn(graph, "alice", "Do you have any Chebys under 300k?")
        turn = run_turn(graph, "bob", "How much is the monthly payment for the Onix over 4 years?")
    # Bob never saw a list, but named the Onix: the agent looks it up instead of borrowing Alice's state.
    names = [c["name"] for c in turn.tool_calls]
    assert names == ["normalize_brand", "search_inventory", "calculate_financing"]
    assert "$4,605.82" in turn.reply
