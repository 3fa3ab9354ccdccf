"""Celery wiring: the `process_thread` task and the dispatcher that publishes it.

The webhook never talks to Celery: it marks the thread due in the store (`DueThreads`) in the same round trip
that stores the message. A dispatcher thread in every worker takes due threads and publishes one task each,
named by an opaque key (no phone number in the broker's messages or the worker's logs). A task lost with its
worker or with the broker is published again one lease (REDISPATCH_S) later; a running turn is never repeated:
the per-thread lock is renewed while it runs, and a task that finds it taken returns at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from contextlib import ExitStack, suppress
from typing import Any

import redis
from celery import Celery, signals

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from server.outbound import TwilioSender
from server.privacy import protect_logs
from server.settings import ServerSettings
from server.store import Heartbeats, Store, open_store
from server.worker import TurnProcessor

log = logging.getLogger(__name__)

TASK_NAME = "kavak.process_thread"
QUEUE = "kavak"
HEARTBEAT_S = 5.0
"""How often a worker says it is alive; `/readyz?workers=1` wants a beat within 3 of these."""
BROKER_VISIBILITY_S = 3600
"""kombu's redelivery of unacknowledged messages: a backstop only, the due set redispatches much sooner."""


class WorkerRuntime:
    """Per-process resources of a worker (store, graph, sender), opened on first use after fork."""

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
                store = open_store(self.settings)
                self._stack.callback(store.health.close)
                sender = TwilioSender(self.settings)
                self._processor = TurnProcessor(build_graph(saver), store, sender, self.settings)
            return self._processor

    def close(self) -> None:
        """Close the checkpointer and the store's connections."""
        with self._lock:
            self._stack.close()
            self._processor = None


class Dispatcher:
    """Publishes a task for each due thread; beats the worker's heartbeat."""

    def __init__(self, app: Celery, store: Store, heartbeats: Heartbeats, settings: ServerSettings) -> None:
        """`store.due` must be set (Redis mode)."""
        assert store.due is not None
        self.app, self.due, self.heartbeats = app, store.due, heartbeats
        self.store = store
        self.lease_s = settings.redispatch_s
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kavak-dispatcher", daemon=True)

    def start(self) -> None:
        """Start dispatching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current wait; say goodbye."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        with suppress(redis.RedisError):
            self.heartbeats.leave(self.name)
        self.store.health.close()

    def _run(self) -> None:
        next_beat = 0.0
        while not self._stop.is_set():
            try:
                if (now := time.monotonic()) >= next_beat:
                    self.heartbeats.beat(self.name)
                    next_beat = now + HEARTBEAT_S
                self.due.wait(min(1.0, HEARTBEAT_S))
                for key in self.due.take(self.lease_s):
                    self.app.send_task(TASK_NAME, args=[key], queue=QUEUE)
            except redis.RedisError as exc:
                log.warning("dispatcher: Redis unavailable, retrying: %s", type(exc).__name__)
                self._stop.wait(1.0)
            except Exception as exc:  # the broker refused the publish: the thread is due again after the lease
                log.warning("dispatcher: could not publish a task, retrying: %s", type(exc).__name__)
                self._stop.wait(1.0)


def create_celery(settings: ServerSettings) -> Celery:
    """The Celery app on CELERY_BROKER_URL (default REDIS_URL), with the broker-restart fix of `server.broker`."""
    assert settings.broker_url is not None
    protect_logs()
    app = Celery("kavak_agent", broker=settings.broker_url, set_as_current=True)
    app.conf.update(
        broker_transport="server.broker:Transport",
        # Acknowledged on receipt: the due set, not the broker, brings a lost task back.
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True,
        broker_connection_retry=True,
        broker_connection_max_retries=None,  # never give up on the broker
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a running turn finishes; its sends use Twilio
        broker_transport_options={"visibility_timeout": BROKER_VISIBILITY_S},
    )
    runtime = WorkerRuntime(settings)

    @app.task(name=TASK_NAME, bind=True)
    def process_thread(self: Any, key: str) -> str:
        """Answer what waits on the thread behind `key` (an opaque key: see `DueThreads`)."""
        processor = runtime.processor()
        assert processor.store.due is not None
        thread_id = processor.store.due.thread(key)
        if thread_id is None:
            return "done"
        return processor.process_thread(thread_id).value

    dispatcher: list[Dispatcher] = []

    def on_ready(**_: Any) -> None:
        store = open_store(settings)
        assert store.due is not None
        worker = Dispatcher(app, store, Heartbeats(store.due.conns), settings)
        dispatcher.append(worker)
        log.info("worker ready (pid %d): dispatching due threads", os.getpid())
        worker.start()

    def on_shutdown(**_: Any) -> None:
        for worker in dispatcher:
            worker.stop()
        runtime.close()

    signals.worker_ready.connect(on_ready, weak=False)
    signals.worker_shutdown.connect(on_shutdown, weak=False)
    return app
