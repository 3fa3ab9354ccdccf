"""The turn processor shared by Celery tasks and the in-process worker.

lock the thread → wait for the burst to end → claim the inbox → one merged turn → split → send → record.
A batch claimed by a worker that died stays in the thread's processing list; the next task finds it, and
its reply record says which parts Twilio already accepted (and which one was being sent, which Twilio's
message list then confirms or not), so nothing is answered twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from graph.turn import TurnResult, run_turn
from server.outbound import SendError, split_message
from server.privacy import thread_hash
from server.settings import ServerSettings
from server.store import InboundMessage, Lease, ReplyRecord, Store, ThreadBusy

log = logging.getLogger(__name__)

APOLOGY = (
    "Perdón, tuve un problema técnico y no pude responderte. ¿Me escribes de nuevo en un momento? "
    "(Sorry, I had a technical problem. Could you write again in a moment?)"
)
MEDIA_ONLY_REPLY = (
    "¡Gracias! Por ahora solo puedo leer mensajes de texto. ¿Me cuentas por escrito qué auto buscas y tu "
    "presupuesto? (For now I can only read text messages.)"
)


SEND_CLOCK_SKEW_S = 120.0
"""Twilio's clock may differ from ours: look this much earlier than the interrupted send started."""


class Sender(Protocol):
    """Sends one WhatsApp message part and finds parts already sent (TwilioSender in production)."""

    def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; the outbound message sid."""
        ...

    def find_sent(self, to: str, body: str, since: float) -> str | None:
        """The sid of a message with this body sent to `to` at or after unix time `since`, if any."""
        ...


class Outcome(StrEnum):
    """What `process_thread` left behind."""

    DONE = "done"
    """Nothing is waiting for this thread."""
    BUSY = "busy"
    """Another turn holds the lock and messages wait: try again later (the holder may have died)."""


TurnRunner = Callable[..., TurnResult]
"""`run_turn(graph, thread_id, text, turn_id=...)` or a stand-in."""


class TurnProcessor:
    """Runs the turns of one thread in order, one at a time, merging messages that arrive in a burst."""

    def __init__(
        self,
        graph: Any,
        store: Store,
        sender: Sender,
        settings: ServerSettings,
        run: TurnRunner = run_turn,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`run` and `sleep` are injectable for tests."""
        self.graph = graph
        self.store = store
        self.sender = sender
        self.settings = settings
        self.run = run
        self.sleep = sleep

    def process_thread(self, thread_id: str) -> Outcome:
        """Answer everything waiting on `thread_id`; BUSY when another live (or dead) turn holds its lock."""
        inbox = self.store.inbox
        while True:
            try:
                with self.store.locks.hold(thread_id, self.settings.turn_lock_ttl_s) as lease:
                    self._drain(thread_id, lease)
            except ThreadBusy:
                return Outcome.BUSY if inbox.has_work(thread_id) else Outcome.DONE
            # A message stored while we released was refused the lock by its own task: answer it here.
            if not inbox.has_work(thread_id):
                return Outcome.DONE

    def _drain(self, thread_id: str, lease: Lease) -> None:
        """Turns until the inbox is empty (or the lease was lost); then take the thread off the due set."""
        due = self.store.due
        while True:
            while not lease.lost.is_set() and self._one_turn(thread_id):
                pass
            if due is None or lease.lost.is_set():
                return
            due.clear(thread_id)
            if not self.store.inbox.has_work(thread_id):
                return
            due.mark(thread_id, self.settings.redispatch_s)  # covered again while we go on

    def _one_turn(self, thread_id: str) -> bool:
        """Answer one batch; False when nothing was waiting."""
        ttl = self.settings.dedupe_ttl_s
        inbox, replies = self.store.inbox, self.store.replies
        batch = inbox.processing(thread_id)
        record = replies.get(thread_id, batch[0].sid) if batch else None
        if record is None:
            if not batch:  # a batch left claimed by a dead worker is answered as it was: same turn id
                self._wait_for_burst(thread_id)
                batch = inbox.claim(thread_id, ttl)
                if not batch:
                    return False
            record = self._answer(thread_id, batch)
            replies.save(record, ttl)
            if self.settings.send_delay_s:
                self.sleep(self.settings.send_delay_s)
        else:
            log.warning(
                "resuming interrupted turn thread=%s sent=%d/%d",
                thread_hash(thread_id),
                record.sent,
                len(record.parts),
            )
        self._deliver(record)
        replies.finish(record, ttl)
        return True

    def _wait_for_burst(self, thread_id: str) -> None:
        """Wait until the thread has been quiet for BURST_DEBOUNCE_MS (at most BURST_MAX_WAIT_MS)."""
        debounce = self.settings.burst_debounce_ms / 1000
        deadline = time.monotonic() + self.settings.burst_max_wait_ms / 1000
        while debounce > 0:
            newest = self.store.inbox.newest_waiting(thread_id)
            if newest is None:
                return
            remaining = min(debounce - (time.time() - newest.received_at), deadline - time.monotonic())
            if remaining <= 0:
                return
            self.sleep(min(remaining, debounce))

    def _answer(self, thread_id: str, batch: list[InboundMessage]) -> ReplyRecord:
        """Run one turn on the merged texts; an apology when the graph fails or says nothing."""
        text = "\n".join(m.text.strip() for m in batch if m.text.strip())
        started = time.perf_counter()
        if not text:
            reply = MEDIA_ONLY_REPLY
        else:
            try:
                # The batch's first MessageSid names the turn: a batch redelivered after its turn committed
                # gets the committed reply back instead of a second turn.
                reply = self.run(self.graph, thread_id, text, turn_id=batch[0].sid).reply
            except Exception:
                log.exception("turn failed thread=%s; sending the apology", thread_hash(thread_id))
                reply = APOLOGY
        reply = reply.strip() or APOLOGY
        log.info(
            "turn thread=%s messages=%d reply_chars=%d took=%.0fms",
            thread_hash(thread_id),
            len(batch),
            len(reply),
            (time.perf_counter() - started) * 1000,
        )
        return ReplyRecord(key=batch[0].sid, to=thread_id, sids=[m.sid for m in batch], parts=split_message(reply))

    def _deliver(self, record: ReplyRecord) -> None:
        """Send the parts not yet sent, recording each; a failure after retries is recorded, not raised.

        Before each send the record says "sending part i" (with the time). A worker that finds that mark left
        by a dead one asks Twilio whether the part went out and records its sid instead of sending it again.
        """
        ttl = self.settings.dedupe_ttl_s
        for index in range(record.sent, len(record.parts)):
            # A failing lookup raises: the thread is tried again later rather than risking a duplicate.
            sid = self._sent_before(record, index)
            try:
                if sid is None:
                    record.sending, record.sending_at = index, time.time()
                    self.store.replies.save(record, ttl)
                    sid = self.sender.send(record.to, record.parts[index])
            except SendError as exc:
                record.status, record.error, record.sending = "failed", str(exc), None
                log.error(
                    "reply not sent thread=%s batch=%s part=%d/%d: %s",
                    thread_hash(record.to),
                    record.key,
                    index + 1,
                    len(record.parts),
                    exc,
                )
                return
            record.sent, record.sending = index + 1, None
            record.outbound.append(sid)
            self.store.replies.save(record, ttl)
        record.status = "sent"

    def _sent_before(self, record: ReplyRecord, index: int) -> str | None:
        """The sid of part `index` if an interrupted send of it reached Twilio (asked only after a crash)."""
        if record.sending != index:
            return None
        sid = self.sender.find_sent(record.to, record.parts[index], record.sending_at - SEND_CLOCK_SKEW_S)
        log.warning(
            "interrupted send thread=%s batch=%s part=%d/%d: %s",
            thread_hash(record.to),
            record.key,
            index + 1,
            len(record.parts),
            "already at Twilio, recorded" if sid else "not at Twilio, sending",
        )
        return sid


class InProcessWorker:
    """Embedded mode: worker threads in the app process drain a queue of thread ids (no Redis, no Celery)."""

    def __init__(self, processor: TurnProcessor, threads: int = 2, busy_retry_s: float = 0.5) -> None:
        """Threads start with `start()`."""
        self.processor = processor
        self.busy_retry_s = busy_retry_s
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._loop, name=f"inprocess-worker-{i}", daemon=True) for i in range(threads)
        ]
        self._stopping = threading.Event()

    def start(self, resume: list[str] | None = None) -> None:
        """Start the worker threads, first queueing `resume` (threads left with work by a previous run)."""
        for thread_id in resume or []:
            self.submit(thread_id)
        for thread in self._threads:
            thread.start()

    def alive(self) -> int:
        """Worker threads still running."""
        return sum(thread.is_alive() for thread in self._threads)

    def submit(self, thread_id: str) -> None:
        """Ask for the thread's waiting messages to be answered."""
        if not self._stopping.is_set():
            self._queue.put(thread_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the turns in progress and stop."""
        self._stopping.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self) -> None:
        while (thread_id := self._queue.get()) is not None:
            try:
                if self.processor.process_thread(thread_id) is Outcome.DONE:
                    continue
            except Exception:
                log.exception("in-process worker failed on thread=%s; retrying", thread_hash(thread_id))
            timer = threading.Timer(self.busy_retry_s, self.submit, [thread_id])  # busy or failed: later
            timer.daemon = True
            timer.start()
