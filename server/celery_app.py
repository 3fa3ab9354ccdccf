"""Celery wiring: the `process_thread` task (acks late, redelivered when a worker dies) and the dispatcher.

The webhook never talks to Celery: it pushes the thread id on a Redis list in the same Lua call that
stores the message. A dispatcher thread in every worker moves those markers into Celery tasks (BLMOVE, so a
marker taken by a worker that dies before publishing is put back at the next start-up).
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import ExitStack
from typing import Any

import redis
from celery import Celery, signals

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from server.inbox import DISPATCHING_KEY, READY_KEY, RedisStore
from server.outbound import TwilioSender
from server.settings import ServerSettings
from server.worker import Outcome, TurnProcessor

log = logging.getLogger(__name__)

TASK_NAME = "kavak.process_thread"
QUEUE = "kavak"


class WorkerRuntime:
    """Per-process resources of a worker (graph, store, sender), opened on first use after fork."""

    def __init__(self, settings: ServerSettings) -> None:
        """Nothing is opened until `processor()` is called."""
        self.settings = settings
        self._lock = threading.Lock()
        self._processor: TurnProcessor | None = None
        self._stack = ExitStack()

    def processor(self) -> TurnProcessor:
        """The process's turn processor."""
        with self._lock:
            if self._processor is None:
                saver = self._stack.enter_context(open_checkpointer(self.settings))
                assert self.settings.redis_url is not None
                store = RedisStore(self.settings.redis_url)
                self._processor = TurnProcessor(build_graph(saver), store, TwilioSender(self.settings), self.settings)
            return self._processor

    def close(self) -> None:
        """Close the checkpointer."""
        with self._lock:
            self._stack.close()
            self._processor = None


class Dispatcher:
    """Turns ready markers (thread ids pushed by the webhook) into Celery tasks."""

    def __init__(self, app: Celery, url: str, poll_s: float = 1.0) -> None:
        """`poll_s` bounds how long a stop request waits for BLMOVE."""
        self.app = app
        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kavak-dispatcher", daemon=True)

    def start(self) -> None:
        """Put back markers a dead dispatcher had taken, then start dispatching."""
        while self.redis.lmove(DISPATCHING_KEY, READY_KEY, "RIGHT", "LEFT"):
            pass
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current BLMOVE."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.poll_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                thread_id = self.redis.blmove(READY_KEY, DISPATCHING_KEY, self.poll_s, "LEFT", "RIGHT")  # type: ignore[arg-type]
                if thread_id is None:
                    continue
                self.app.send_task(TASK_NAME, args=[thread_id], queue=QUEUE)
                self.redis.lrem(DISPATCHING_KEY, 1, thread_id)  # type: ignore[arg-type]
            except redis.RedisError as exc:
                log.warning("dispatcher: Redis error, retrying: %s", exc)
                self._stop.wait(1.0)
            except Exception:
                log.exception("dispatcher: could not publish a task")
                self._stop.wait(1.0)


def create_celery(settings: ServerSettings) -> Celery:
    """The Celery app: broker = REDIS_URL, late acks, redelivery of tasks whose worker died."""
    assert settings.redis_url is not None
    visibility = settings.celery_visibility_timeout_s
    app = Celery("kavak_agent", broker=settings.redis_url, set_as_current=True)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
        },
    )
    runtime = WorkerRuntime(settings)
    busy_retry_s = max(0.5, settings.turn_lock_ttl_s / 3)

    @app.task(
        name=TASK_NAME,
        bind=True,
        max_retries=None,
        autoretry_for=(redis.ConnectionError,),
        retry_backoff=True,
        retry_backoff_max=30,
    )
    def process_thread(self: Any, thread_id: str) -> str:
        """Answer what waits on `thread_id`; retried later while another turn holds the thread."""
        outcome = runtime.processor().process_thread(thread_id)
        if outcome is Outcome.BUSY:
            raise self.retry(countdown=busy_retry_s, max_retries=1000)
        return outcome.value

    dispatcher = Dispatcher(app, settings.redis_url)

    def on_ready(**_: Any) -> None:
        log.info("worker ready (pid %d): dispatching from %s", os.getpid(), READY_KEY)
        dispatcher.start()

    def on_shutdown(**_: Any) -> None:
        dispatcher.stop()
        runtime.close()

    signals.worker_ready.connect(on_ready, weak=False)
    signals.worker_shutdown.connect(on_shutdown, weak=False)
    return app
