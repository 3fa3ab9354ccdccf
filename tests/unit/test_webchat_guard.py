"""Web chat guard without a server: cookie tokens → thread ids, the rate limiter, the per-thread lock, transcripts."""

from __future__ import annotations

import asyncio
import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from server.store import sqlite_store
from server.store.sqlite_db import SqliteDatabase
from server.transcript import transcript
from server.webchat_guard import RateLimiter, ThreadBusy, new_token, thread_for, thread_lock


def test_threads_come_from_tokens_and_are_always_web_threads() -> None:
    token = new_token()
    thread = thread_for(token)
    assert thread is not None and thread.startswith("web:") and token not in thread
    assert thread_for(token) == thread and thread_for(new_token()) != thread
    for bad in (None, "", "whatsapp:+5215512345678", thread, "a" * 42, "a" * 44, "a" * 42 + "!"):
        assert thread_for(bad) is None, bad


def test_rate_limiter_counts_per_client() -> None:
    async def run() -> list[float | None]:
        limiter = RateLimiter("3/minute")
        return [await limiter.allow("a") for _ in range(4)] + [await limiter.allow("b")]

    results = asyncio.run(run())
    assert results[:3] == [None] * 3 and results[4] is None
    assert results[3] is not None and 1 <= results[3] <= 60


def test_thread_lock_serialises_turns_on_one_thread() -> None:
    store = sqlite_store(SqliteDatabase(":memory:"))
    order: list[str] = []

    async def turn(name: str, thread: str) -> None:
        async with thread_lock(store, thread, ttl_s=5):
            order.append(f"{name}+")
            await asyncio.sleep(0.05)
            order.append(f"{name}-")

    async def run() -> None:
        await asyncio.gather(turn("a", "web:1"), turn("b", "web:1"), turn("c", "web:1"))

    asyncio.run(run())
    assert [order[i][1] for i in range(0, 6)] == ["+", "-"] * 3, order


def test_a_held_lock_makes_the_next_turn_wait_then_give_up() -> None:
    store = sqlite_store(SqliteDatabase(":memory:"))
    assert store.locks.try_acquire("web:2", 30) is not None

    async def run() -> None:
        async with thread_lock(store, "web:2", ttl_s=5, wait_s=0.2):
            pass

    with pytest.raises(ThreadBusy):
        asyncio.run(run())


def test_transcript_pairs_replies_with_their_tool_calls() -> None:
    call = {"name": "search_inventory", "args": {"make": "Kia"}, "id": "c1"}
    messages = [
        HumanMessage("kias?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage(json.dumps({"results": [], "total": 0}), tool_call_id="c1"),
        AIMessage("No tengo Kia."),
        HumanMessage("ok"),
        AIMessage("¿Algo más?"),
    ]
    said = transcript(messages)
    assert [(m["role"], m["text"]) for m in said] == [
        ("user", "kias?"),
        ("agent", "No tengo Kia."),
        ("user", "ok"),
        ("agent", "¿Algo más?"),
    ]
    assert said[1]["tool_calls"] == [
        {"name": "search_inventory", "args": {"make": "Kia"}, "output": {"results": [], "total": 0}}
    ]
    assert said[3]["tool_calls"] == []
