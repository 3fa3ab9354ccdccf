"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from graph.resources import get_records_engine, get_toolkit
from server.services import Services
from tools.database import ping

router = APIRouter(tags=["health"])
CHECK_TIMEOUT_S = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Redis (production), the inventory, the records and the checkpointer answer: 200, else 503 with what failed."""
    services: Services = request.app.state.services
    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "inventory": lambda: asyncio.to_thread(lambda: get_toolkit().store.ping()),
        "records": lambda: asyncio.to_thread(lambda: ping(get_records_engine())),
        "checkpointer": lambda: asyncio.to_thread(
            services.checkpointer.get_tuple,
            {"configurable": {"thread_id": "__readyz__", "checkpoint_ns": ""}},
        ),
    }
    if not services.settings.embedded:
        checks["redis"] = services.store.ping
    results: dict[str, str] = {"mode": "embedded" if services.settings.embedded else "redis"}
    ok = True
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
            results[name] = "ok"
        except Exception as exc:
            ok = False
            results[name] = f"error: {type(exc).__name__}: {exc}"[:200]
    results["status"] = "ready" if ok else "not ready"
    return JSONResponse(results, status_code=200 if ok else 503)
