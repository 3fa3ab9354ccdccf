"""The turn processor shared by Celery tasks and the in-process worker.

lock the thread → wait for the burst to end → claim the inbox → one merged turn → split → send → record.
A batch claimed by a worker that died stays in the thread's processing list; the redelivered task finds it,
and its reply record says which parts Twilio already accepted, so nothing is answered twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, Protocol

from graph.turn import TurnResult, run_turn
from server.inbox import InboundMessage, ReplyRecord, Store
from server.outbound import SendError, split_message
from server.privacy import thread_hash
from server.settings import ServerSettings

log = logging.getLogger(__name__)

APOLOGY = (
    "Perdón, tuve un problema técnico y no pude responderte. ¿Me escribes de nuevo en un momento? "
    "(Sorry, I had a technical problem. Could you write again in a moment?)"
)
MEDIA_ONLY_REPLY = (
    "¡Gracias! Por ahora solo puedo leer mensajes de texto. ¿Me cuentas por escrito qué auto buscas y tu "
    "presupuesto? (For now I can only read text messages.)"
)


class Sender(Protocol):
    """Anything that sends one WhatsApp message part and returns its sid (TwilioSender in production)."""

    def send(self, to: str, body: str) -> str: ...


class Outcome(StrEnum):
    """What `process_thread` left behind."""

    DONE = "done"
    """Nothing is waiting for this thread."""
    BUSY = "busy"
    """Another turn holds the lock and messages wait: try again later (the holder may have died)."""


TurnRunner = Callable[[Any, str, str], TurnResult]


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
        ttl = self.settings.turn_lock_ttl_s
        while True:
            token = self.store.acquire(thread_id, ttl)
            if token is None:
                return Outcome.BUSY if self.store.has_work(thread_id) else Outcome.DONE
            try:
                with self._lease(thread_id, token):
                    while self._one_turn(thread_id):
                        pass
            finally:
                self.store.release(thread_id, token)
            # A message stored while we released was refused the lock by its own task: answer it here.
            if not self.store.has_work(thread_id):
                return Outcome.DONE

    def _one_turn(self, thread_id: str) -> bool:
        """Answer one batch; False when nothing was waiting."""
        ttl = self.settings.dedupe_ttl_s
        batch = self.store.processing(thread_id)
        record = self.store.reply(batch[0].sid) if batch else None
        if record is None:
            self._wait_for_burst(thread_id)
            batch = self.store.claim(thread_id, ttl)
            if not batch:
                return False
            record = self._answer(thread_id, batch)
            self.store.save_reply(record, ttl)
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
        self.store.finish(thread_id, record, ttl)
        return True

    def _wait_for_burst(self, thread_id: str) -> None:
        """Wait until the thread has been quiet for BURST_DEBOUNCE_MS (at most BURST_MAX_WAIT_MS)."""
        debounce = self.settings.burst_debounce_ms / 1000
        deadline = time.monotonic() + self.settings.burst_max_wait_ms / 1000
        while debounce > 0:
            newest = self.store.newest_waiting(thread_id)
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
                reply = self.run(self.graph, thread_id, text).reply
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
        """Send the parts not yet sent, recording each; a failure after retries is recorded, not raised."""
        for index in range(record.sent, len(record.parts)):
            try:
                sid = self.sender.send(record.to, record.parts[index])
            except SendError as exc:
                record.status, record.error = "failed", str(exc)
                log.error(
                    "reply not sent thread=%s batch=%s part=%d/%d: %s",
                    thread_hash(record.to),
                    record.key,
                    index + 1,
                    len(record.parts),
                    exc,
                )
                return
            record.sent = index + 1
            record.outbound.append(sid)
            self.store.save_reply(record, self.settings.dedupe_ttl_s)
        record.status = "sent"

    @contextmanager
    def _lease(self, thread_id: str, token: str) -> Iterator[None]:
        """Renew the lock every third of its TTL while the block runs."""
        stop = threading.Event()
        interval = self.settings.turn_lock_ttl_s / 3

        def renew() -> None:
            while not stop.wait(interval):
                if not self.store.renew(thread_id, token, self.settings.turn_lock_ttl_s):
                    log.warning("lost the lock of thread=%s", thread_hash(thread_id))
                    return

        keeper = threading.Thread(target=renew, name="lock-lease", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()


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

    def start(self) -> None:
        """Start the worker threads."""
        for thread in self._threads:
            thread.start()

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
                if self.processor.process_thread(thread_id) is Outcome.BUSY:
                    timer = threading.Timer(self.busy_retry_s, self.submit, [thread_id])
                    timer.daemon = True
                    timer.start()
            except Exception:
                log.exception("in-process worker failed on thread=%s", thread_hash(thread_id))
