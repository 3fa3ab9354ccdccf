"""Liveness and readiness probes. Failures say what is down; the details go to the log, never to the client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from graph.resources import get_records_engine, get_toolkit
from server.services import Services
from server.store import Heartbeats, Store
from tools.database import ping

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 3.0
WORKER_SILENCE_S = 15.0
"""A Celery worker that has not beaten its heartbeat (every 5 s) for this long counts as gone."""
PERSISTENCE_WARNING = "Redis persistence is off: a Redis restart loses queued messages (enable appendonly)"


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


async def warn_without_persistence(store: Store) -> None:
    """Log at start-up when Redis would lose acknowledged messages on a restart."""
    try:
        mode = await asyncio.wait_for(store.health.persistence(), CHECK_TIMEOUT_S)
    except Exception as exc:
        log.warning("could not read Redis persistence settings: %s", exc)
        return
    if mode != "aof":
        log.warning("%s (mode: %s)", PERSISTENCE_WARNING, mode)


async def _workers_alive(services: Services) -> int:
    """Celery workers heard from recently (Redis), or live in-process worker threads (embedded)."""
    if services.store.due is None:
        return services.worker.alive() if services.worker else 0
    return len(await Heartbeats(services.store.due.conns).alive(WORKER_SILENCE_S))


@router.get("/readyz")
async def readyz(
    request: Request,
    workers: bool = Query(False, description="Also require a live worker (for the orchestrator's probe)."),
) -> JSONResponse:
    """Inventory, records, checkpointer and the channel's store answer: 200, else 503 naming what is down.

    Also reports how the store persists (`persistence`: aof, rdb, off, sqlite) and, with `workers=1`, how
    many workers are alive (none: 503).
    """
    services: Services = request.app.state.services
    embedded = services.settings.embedded
    store = services.store
    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "inventory": lambda: asyncio.to_thread(lambda: get_toolkit().store.ping()),
        "records": lambda: asyncio.to_thread(lambda: ping(get_records_engine())),
        "checkpointer": lambda: asyncio.to_thread(
            services.checkpointer.get_tuple,
            {"configurable": {"thread_id": "__readyz__", "checkpoint_ns": ""}},
        ),
        ("inbox" if embedded else "redis"): store.health.ping,
    }
    results: dict[str, object] = {"mode": "embedded" if embedded else "redis"}
    ok = True
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
            results[name] = "ok"
        except Exception as exc:
            ok = False
            results[name] = "down"
            log.warning("readyz: %s is down: %s: %s", name, type(exc).__name__, exc)
    if ok:
        try:
            mode = await asyncio.wait_for(store.health.persistence(), CHECK_TIMEOUT_S)
        except Exception as exc:
            log.warning("readyz: could not read persistence: %s: %s", type(exc).__name__, exc)
            mode = "unknown"
        results["persistence"] = mode
        if mode not in ("aof", "sqlite"):
            results["warnings"] = [PERSISTENCE_WARNING]
    if workers:
        try:
            alive = await asyncio.wait_for(_workers_alive(services), CHECK_TIMEOUT_S)
        except Exception as exc:
            log.warning("readyz: could not count workers: %s: %s", type(exc).__name__, exc)
            alive = 0
        results["workers"] = alive
        ok = ok and alive > 0
    results["status"] = "ready" if ok else "not ready"
    return JSONResponse(results, status_code=200 if ok else 503)
