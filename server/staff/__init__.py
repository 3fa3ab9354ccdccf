"""The sales team's side of the app: the staff inbox (`/staff`), its JSON API, and their security.

`install(app, settings)` is all `create_app` calls: routes, the 401/403 handlers, the security headers and, in
embedded mode, the notification worker (a lifespan FastAPI runs inside the app's own).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, FastAPI

from server.notifications.runtime import check, start_pump
from server.settings import ServerSettings
from server.staff import api, pages
from server.staff.auth import Forbidden, NotSignedIn, SecurityHeaders, forbidden, not_signed_in


def install(app: FastAPI, settings: ServerSettings) -> None:
    """Add the staff inbox to `app` (the sales settings are checked here, at boot)."""
    check(settings)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_middleware(SecurityHeaders)
    if settings.embedded:  # production: every `kavak-agent worker` delivers instead
        app.include_router(APIRouter(lifespan=_notification_worker(settings)))


def _notification_worker(settings: ServerSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that delivers the notifications from this process while it serves."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pump = await asyncio.to_thread(start_pump, settings)
        try:
            yield
        finally:
            await asyncio.to_thread(pump.stop)

    return lifespan
