"""FastAPI app: Twilio webhook and status callback, web chat, health probes, built by `create_app`."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from twilio.request_validator import RequestValidator

from graph.builder import build_graph
from graph.checkpoint import open_checkpointer
from graph.resources import get_toolkit
from server import health, staff, webchat, webhook
from server.inbox import MemoryStore, RedisStore, Store
from server.outbound import TwilioSender
from server.services import Services
from server.settings import ServerSettings
from server.worker import InProcessWorker, TurnProcessor

log = logging.getLogger(__name__)


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The app; settings are validated here, so a bad configuration fails at boot."""
    settings = settings or ServerSettings()
    settings.validate_for_serving()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            saver = await asyncio.to_thread(stack.enter_context, open_checkpointer(settings))
            await asyncio.to_thread(get_toolkit)  # build the inventory before the first message
            graph = build_graph(saver)
            token = settings.twilio_auth_token
            validator = RequestValidator(token.get_secret_value()) if token else None
            worker: InProcessWorker | None = None
            store: Store
            if settings.redis_url:
                store = RedisStore(settings.redis_url)
            else:
                store = memory = MemoryStore()
                if settings.twilio_configured:
                    processor = TurnProcessor(graph, memory, TwilioSender(settings), settings)
                    worker = InProcessWorker(processor, settings.embedded_workers)
                    memory.on_enqueue = worker.submit
                    worker.start()
                else:
                    log.warning(
                        "Twilio is not configured: the WhatsApp webhook answers 503%s",
                        "; web chat works" if settings.webchat_enabled else "",
                    )
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
                if worker is not None:
                    await asyncio.to_thread(worker.stop)
                await store.aclose()

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
