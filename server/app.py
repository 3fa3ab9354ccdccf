"""FastAPI app: Twilio webhook and status callback, web chat, health probes, built by `create_app`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from langgraph.checkpoint.base import BaseCheckpointSaver
from twilio.request_validator import RequestValidator

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer, prune_sqlite
from graph.resources import get_toolkit
from server import health, staff, webchat, webhook
from server.outbound import TwilioSender
from server.privacy import protect_logs
from server.services import Services
from server.settings import ServerSettings
from server.store import Store, open_store
from server.store.sqlite_db import SqliteDatabase
from server.store.sqlite_inbox import SqliteInbox
from server.worker import InProcessWorker, TurnProcessor

log = logging.getLogger(__name__)
JANITOR_INTERVAL_S = 60.0
"""Embedded mode: how often expired records and idle conversations are deleted."""


async def janitor(db: SqliteDatabase, saver: BaseCheckpointSaver, settings: ServerSettings) -> None:
    """Embedded mode's TTLs: purge expired records and prune idle threads, every minute."""
    while True:
        try:
            records = await asyncio.to_thread(db.purge)
            threads = await asyncio.to_thread(prune_sqlite, saver, settings.checkpoint_ttl_minutes * 60)
            if records or threads:
                log.info("expired %d records and %d idle conversations", records, threads)
        except Exception:
            log.exception("janitor failed; trying again in a minute")
        await asyncio.sleep(JANITOR_INTERVAL_S)


def start_embedded_worker(graph: object, store: Store, settings: ServerSettings) -> InProcessWorker | None:
    """The in-process worker, resuming what a previous run left; None (web chat only) without Twilio."""
    if not settings.twilio_configured:
        log.warning(
            "Twilio is not configured: the WhatsApp webhook answers 503%s",
            "; web chat works" if settings.webchat_enabled else "",
        )
        return None
    assert isinstance(store.inbox, SqliteInbox)
    processor = TurnProcessor(graph, store, TwilioSender(settings), settings)
    worker = InProcessWorker(processor, settings.embedded_workers)
    store.inbox.on_enqueue = worker.submit
    left = store.inbox.threads_with_work()
    if left:
        log.warning("resuming %d conversations with unanswered messages", len(left))
    worker.start(resume=left)
    return worker


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app; settings are validated here, so a bad configuration fails at boot."""
    settings = settings or ServerSettings()
    settings.validate_for_serving()
    protect_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            saver = await asyncio.to_thread(stack.enter_context, open_checkpointer(settings))
            await asyncio.to_thread(get_toolkit)  # build the inventory before the first message
            graph = build_graph(saver)
            token = settings.twilio_auth_token
            validator = RequestValidator(token.get_secret_value()) if token else None
            store = await asyncio.to_thread(open_store, settings)
            stack.callback(store.health.close)
            worker: InProcessWorker | None = None
            tasks: list[asyncio.Task[None]] = []
            if settings.embedded:
                worker = await asyncio.to_thread(start_embedded_worker, graph, store, settings)
                assert isinstance(store.health, SqliteDatabase)
                tasks.append(asyncio.create_task(janitor(store.health, saver, settings), name="janitor"))
            else:
                await health.warn_without_persistence(store)
            app.state.services = Services(settings, graph, saver, store, validator, worker)
            # Start-up objects (graph, models, inventory) never die: keep them out of the GC's full scans,
            # which otherwise stall the event loop for milliseconds under load.
            gc.collect()
            gc.freeze()
            mode = "redis (Celery workers)" if settings.redis_url else "embedded (in-process worker, SQLite)"
            log.info("kavak-agent server ready: %s", mode)
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                if worker is not None:
                    await asyncio.to_thread(worker.stop)
                await store.health.aclose()

    # Swagger UI from the assets fastapi-offline ships, so /docs works without internet.
    app = FastAPIOffline(
        title="Kavak sales agent",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        favicon_url="/favicon.svg",
    )
    app.include_router(webhook.router)
    if settings.webchat_enabled:
        app.include_router(webchat.router)
    app.include_router(webchat.assets)
    app.include_router(health.router)
    staff.install(app, settings)  # the staff inbox; in embedded mode, the notification worker too
    return app
