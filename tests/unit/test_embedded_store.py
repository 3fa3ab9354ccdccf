"""Embedded mode's expiry: records and idle conversations go after their TTL, like Redis keys do."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from graph.builder import build_graph
from graph.checkpoint import checkpoint_id_at, prune_sqlite
from graph.turn import run_turn
from server.store import InboundMessage, ReplyRecord, sqlite_store
from server.store.sqlite_db import SqliteDatabase


def test_expired_records_are_purged_and_a_sid_can_come_back(tmp_path: Path) -> None:
    db = SqliteDatabase(tmp_path / "inbox.sqlite")
    store = sqlite_store(db)
    message = InboundMessage("SM1", "whatsapp:+525512345678", "hola", time.time())
    assert asyncio.run(store.inbox.accept(message, ttl_s=60))
    store.replies.save(ReplyRecord("SM1", message.thread_id, ["SM1"], ["hola"]), ttl_s=60)
    asyncio.run(store.statuses.record("SMout", "delivered", None, ttl_s=60))
    assert db.purge() == 0  # nothing expired yet
    assert db.purge(now=time.time() + 61) == 3
    assert store.replies.get(message.thread_id, "SM1") is None and store.statuses.get("SMout") == {}
    assert asyncio.run(store.inbox.accept(message, ttl_s=60))  # its dedupe key expired too
    db.close()


def test_idle_conversations_are_pruned_from_the_sqlite_checkpointer(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "checkpoints.sqlite", check_same_thread=False)
    saver = SqliteSaver(conn)
    graph = build_graph(saver)
    run_turn(graph, "old", "I need a car.")
    run_turn(graph, "recent", "I need a car.")
    day = 86_400
    assert prune_sqlite(saver, max_age_s=day) == 0
    assert prune_sqlite(saver, max_age_s=day, now=time.time() + day + 5) == 2
    threads = {row[0] for row in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert threads == set()
    run_turn(graph, "again", "I need a car.")
    assert graph.get_state({"configurable": {"thread_id": "again"}}).values["messages"]
    conn.close()


def test_checkpoint_ids_order_like_their_time() -> None:
    assert checkpoint_id_at(1_000.0) < checkpoint_id_at(1_000.001) < checkpoint_id_at(2_000_000_000.0)
