"""The turn processor on the embedded (SQLite) store: order, bursts, exactly-once resume, fallbacks, retries."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException

from graph.turn import TurnResult
from server.outbound import SendError, TwilioSender
from server.settings import ServerSettings
from server.store import InboundMessage, ReplyRecord, Store, sqlite_store
from server.store.sqlite_db import SqliteDatabase
from server.worker import APOLOGY, MEDIA_ONLY_REPLY, InProcessWorker, Outcome, TurnProcessor

THREAD = "whatsapp:+5215500000009"


class FakeSender:
    """Records parts; can fail the next calls."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail_with: Exception | None = None
        self.lookups: list[tuple[str, str, float]] = []

    def send(self, to: str, body: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((to, body))
        return f"SM{len(self.sent)}"

    def find_sent(self, to: str, body: str, since: float) -> str | None:
        self.lookups.append((to, body, since))
        matches = [i for i, sent in enumerate(self.sent, start=1) if sent == (to, body)]
        return f"SM{matches[-1]}" if matches else None


class FakeGraph:
    """Stands in for run_turn: echoes the merged text, can be slow or fail."""

    def __init__(self, delay: float = 0.0, fail: bool = False, reply: str | None = None) -> None:
        self.turns: list[str] = []
        self.turn_ids: list[str | None] = []
        self.delay, self.fail, self.reply = delay, fail, reply
        self.running = 0
        self.max_running = 0
        self.lock = threading.Lock()

    def __call__(self, graph: Any, thread_id: str, text: str, turn_id: str | None = None) -> TurnResult:
        with self.lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delay)
            if self.fail:
                raise RuntimeError("graph exploded")
            self.turns.append(text)
            self.turn_ids.append(turn_id)
            return TurnResult(thread_id=thread_id, reply=self.reply or f"eco: {text}")
        finally:
            with self.lock:
                self.running -= 1


def settings(**overrides: Any) -> ServerSettings:
    return ServerSettings(**{"burst_debounce_ms": 0, "turn_lock_ttl_s": 5, **overrides})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = SqliteDatabase(tmp_path / "inbox.sqlite")
    yield sqlite_store(db)
    db.close()


def put(store: Store, text: str, sid: str, thread: str = THREAD, at: float | None = None) -> None:
    asyncio.run(store.inbox.accept(InboundMessage(sid, thread, text, time.time() if at is None else at), 3600))


def processor(store: Store, graph: FakeGraph, sender: FakeSender, **overrides: Any) -> TurnProcessor:
    return TurnProcessor(None, store, sender, settings(**overrides), run=graph)


def test_messages_waiting_together_are_one_turn(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    for i, text in enumerate(("hola", "busco un auto", "de 300k")):
        put(store, text, f"SM{i}")
    assert processor(store, graph, sender).process_thread(THREAD) is Outcome.DONE
    assert graph.turns == ["hola\nbusco un auto\nde 300k"] and graph.turn_ids == ["SM0"]
    assert sender.sent == [(THREAD, "eco: hola\nbusco un auto\nde 300k")]
    record = store.replies.get(THREAD, "SM0")
    assert record is not None and record.sids == ["SM0", "SM1", "SM2"] and record.status == "sent"
    assert not store.inbox.has_work(THREAD)


def test_debounce_waits_for_the_burst_to_end(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    put(store, "hola", "SM0")
    worker = processor(store, graph, sender, burst_debounce_ms=300)
    runner = threading.Thread(target=worker.process_thread, args=(THREAD,))
    runner.start()
    time.sleep(0.1)
    put(store, "busco un auto", "SM1")
    runner.join(5)
    assert graph.turns == ["hola\nbusco un auto"]


def test_messages_arriving_during_a_turn_are_merged_into_the_next_one(store: Store) -> None:
    graph, sender = FakeGraph(delay=0.3), FakeSender()
    put(store, "primero", "SM0")
    worker = processor(store, graph, sender)
    runner = threading.Thread(target=worker.process_thread, args=(THREAD,))
    runner.start()
    time.sleep(0.1)
    put(store, "segundo", "SM1")
    put(store, "tercero", "SM2")
    assert worker.process_thread(THREAD) is Outcome.BUSY  # never two turns of one thread at once
    runner.join(5)
    assert graph.turns == ["primero", "segundo\ntercero"]
    assert [body for _, body in sender.sent] == ["eco: primero", "eco: segundo\ntercero"]
    assert graph.max_running == 1


def test_interrupted_batch_resumes_without_rerunning_or_resending(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    put(store, "hola", "SM0")
    batch = store.inbox.claim(THREAD, 3600)  # a worker claimed it, ran the turn, sent part 1 of 2, then died
    store.replies.save(
        ReplyRecord("SM0", THREAD, ["SM0"], ["parte uno.", "parte dos."], sent=1, outbound=["SMa"]), 3600
    )
    assert [m.sid for m in batch] == ["SM0"]
    assert processor(store, graph, sender).process_thread(THREAD) is Outcome.DONE
    assert graph.turns == []
    assert sender.sent == [(THREAD, "parte dos.")]
    record = store.replies.get(THREAD, "SM0")
    assert record is not None and record.status == "sent" and record.outbound == ["SMa", "SM1"]


def test_graph_failure_sends_the_apology(store: Store) -> None:
    sender = FakeSender()
    put(store, "hola", "SM0")
    processor(store, FakeGraph(fail=True), sender).process_thread(THREAD)
    assert sender.sent == [(THREAD, APOLOGY)]


def test_media_only_gets_a_text_reply_without_a_turn(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    put(store, "", "SM0")
    processor(store, graph, sender).process_thread(THREAD)
    assert graph.turns == [] and sender.sent == [(THREAD, MEDIA_ONLY_REPLY)]


def test_long_reply_is_sent_in_parts(store: Store) -> None:
    sender = FakeSender()
    put(store, "hola", "SM0")
    long_reply = " ".join(f"Oración número {i} del mensaje largo." for i in range(200))
    processor(store, FakeGraph(reply=long_reply), sender).process_thread(THREAD)
    assert len(sender.sent) > 2 and all(len(body) <= 1600 for _, body in sender.sent)
    assert " ".join(body for _, body in sender.sent) == long_reply


def test_send_failure_is_recorded_and_the_thread_moves_on(store: Store) -> None:
    sender = FakeSender()
    sender.fail_with = SendError("Twilio failed 5 times")
    put(store, "hola", "SM0")
    assert processor(store, FakeGraph(), sender).process_thread(THREAD) is Outcome.DONE
    record = store.replies.get(THREAD, "SM0")
    assert record is not None and record.status == "failed" and "5 times" in record.error
    assert not store.inbox.has_work(THREAD)


def test_in_process_worker_answers_several_threads(store: Store) -> None:
    graph, sender = FakeGraph(delay=0.05), FakeSender()
    worker = InProcessWorker(processor(store, graph, sender), threads=2, busy_retry_s=0.05)
    store.inbox.on_enqueue = worker.submit  # type: ignore[attr-defined]
    worker.start()
    try:
        for customer in range(4):
            for i in range(2):
                put(store, f"m{i}", f"SM{customer}-{i}", thread=f"whatsapp:+52{customer}")
        deadline = time.monotonic() + 10
        while any(store.inbox.has_work(f"whatsapp:+52{c}") for c in range(4)) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
    for customer in range(4):
        bodies = [b for to, b in sender.sent if to == f"whatsapp:+52{customer}"]
        assert bodies and "m0" in bodies[0] and "m1" in bodies[-1]  # in order, merged or not


class FakeMessages:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors, self.calls = errors, []

    def create(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return type("Message", (), {"sid": "SMok"})()


def test_sender_retries_with_exponential_backoff() -> None:
    sleeps: list[float] = []
    messages = FakeMessages([TwilioRestException(500, "u"), TwilioRestException(429, "u")])
    client = type("Client", (), {"messages": messages})()
    config = ServerSettings(
        twilio_whatsapp_from="whatsapp:+1",
        twilio_retry_backoff_s=0.5,
        public_base_url="https://bot.example.com",
    )
    sender = TwilioSender(config, client=client, sleep=sleeps.append)  # type: ignore[arg-type]
    assert sender.send("whatsapp:+52", "hola") == "SMok"
    assert sleeps == [0.5, 1.0]
    assert messages.calls[0] == {
        "to": "whatsapp:+52",
        "from_": "whatsapp:+1",
        "body": "hola",
        "status_callback": "https://bot.example.com/twilio/status",
    }


def test_sender_gives_up_on_client_errors_and_after_the_attempts() -> None:
    refused = FakeMessages([TwilioRestException(400, "u", msg="invalid To")])
    sender = TwilioSender(ServerSettings(), client=type("C", (), {"messages": refused})(), sleep=lambda s: None)
    with pytest.raises(SendError, match="refused"):
        sender.send("x", "hola")
    assert len(refused.calls) == 1
    down = FakeMessages([TwilioRestException(503, "u")] * 10)
    sender = TwilioSender(
        ServerSettings(twilio_send_attempts=3),
        client=type("C", (), {"messages": down})(),
        sleep=lambda s: None,
    )
    with pytest.raises(SendError, match="3 times"):
        sender.send("x", "hola")
    assert len(down.calls) == 3


def interrupted(store: Store, sender: FakeSender, parts: list[str]) -> ReplyRecord:
    """A batch whose reply was being sent (part 2 of `parts`) when its worker died."""
    put(store, "hola", "SM0")
    store.inbox.claim(THREAD, 3600)
    record = ReplyRecord("SM0", THREAD, ["SM0"], parts, sent=1, outbound=["SMa"], sending=1, sending_at=time.time())
    store.replies.save(record, 3600)
    return record


def test_a_part_twilio_already_has_is_recorded_not_sent_again(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    sender.sent.append((THREAD, "parte dos."))  # Twilio accepted it before the worker died: SM1
    record = interrupted(store, sender, ["parte uno.", "parte dos.", "parte tres."])
    assert processor(store, graph, sender).process_thread(THREAD) is Outcome.DONE
    assert [body for _, body in sender.sent] == ["parte dos.", "parte tres."]
    assert len(sender.lookups) == 1 and sender.lookups[0][2] <= record.sending_at  # asked once, from before
    final = store.replies.get(THREAD, "SM0")
    assert final is not None and final.outbound == ["SMa", "SM1", "SM2"] and final.sending is None


def test_a_part_twilio_never_got_is_sent(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    interrupted(store, sender, ["parte uno.", "parte dos."])
    processor(store, graph, sender).process_thread(THREAD)
    assert [body for _, body in sender.sent] == ["parte dos."] and len(sender.lookups) == 1
    final = store.replies.get(THREAD, "SM0")
    assert final is not None and final.status == "sent" and final.outbound == ["SMa", "SM1"]


def test_an_uninterrupted_send_never_asks_twilio(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    put(store, "hola", "SM0")
    processor(store, graph, sender).process_thread(THREAD)
    assert sender.sent == [(THREAD, "eco: hola")] and sender.lookups == []


def test_the_lock_is_held_by_one_turn_and_renewed(store: Store) -> None:
    with store.locks.hold(THREAD, ttl_s=0.3) as lease:
        time.sleep(0.5)  # beyond the TTL: renewed in the background
        assert store.locks.try_acquire(THREAD, 1) is None and not lease.lost.is_set()
    assert store.locks.try_acquire(THREAD, 1) is not None


def test_a_batch_claimed_by_a_dead_worker_is_answered_as_it_was(store: Store) -> None:
    graph, sender = FakeGraph(), FakeSender()
    put(store, "hola", "SM0")
    store.inbox.claim(THREAD, 3600)  # claimed, then the worker died before recording a reply
    put(store, "busco un auto", "SM1")  # arrived meanwhile: its own turn, not merged into the replayed one
    processor(store, graph, sender).process_thread(THREAD)
    assert graph.turns == ["hola", "busco un auto"] and graph.turn_ids == ["SM0", "SM1"]
    assert [body for _, body in sender.sent] == ["eco: hola", "eco: busco un auto"]
