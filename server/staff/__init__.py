"""The sales team's side of the app: the staff inbox (`/staff`), its JSON API, and their security.

`install(app, settings)` is all `create_app` calls: routes, the 401/403 handlers and the security headers.
"""

from __future__ import annotations

from fastapi import FastAPI

from server.notifications.runtime import check
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
