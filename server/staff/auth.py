"""Who may use /staff: a session cookie, CSRF tokens on every POST, same-origin checks, security headers.

The session cookie is HttpOnly, SameSite=Strict, scoped to /staff and Secure behind HTTPS; the CSRF token of a
form is an HMAC of the session token, so it needs no storage and cannot be guessed from another site. Requests
without a valid session get 401 (API, POST, CSV) or a redirect to the sign-in page (pages).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.staff.desk import StaffDesk, get_desk

COOKIE = "kavak_staff"
LOGIN_COOKIE = "kavak_staff_login"
PREFIX = "/staff"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
PAGE_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class NotSignedIn(Exception):
    """No valid staff session on this request."""


class Forbidden(Exception):
    """A POST that failed the CSRF or same-origin check."""


@dataclass(frozen=True)
class Staff:
    """The signed-in staff member of a request."""

    email: str
    token: str

    @property
    def csrf(self) -> str:
        """The CSRF token this session's forms carry."""
        return csrf_token(self.token)


def csrf_token(secret: str) -> str:
    """HMAC of a secret only this browser holds (the session token, or the sign-in cookie)."""
    return hmac.new(secret.encode(), b"kavak-staff-csrf", hashlib.sha256).hexdigest()


def new_login_secret() -> str:
    """The sign-in page's cookie value (its form carries the HMAC)."""
    return secrets.token_urlsafe(32)


def cookie_secure(request: Request, desk: StaffDesk) -> bool:
    """Secure cookies behind HTTPS (STAFF_COOKIE_SECURE overrides)."""
    if desk.settings.staff_cookie_secure is not None:
        return desk.settings.staff_cookie_secure
    base = desk.settings.public_base_url or ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return base.startswith("https://") or request.url.scheme == "https" or forwarded == "https"


def same_origin(request: Request, desk: StaffDesk) -> bool:
    """False for a request a browser made from another site (Origin or Sec-Fetch-Site tell)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by every browser on same-origin POSTs; the CSRF token still guards
    ours = {f"{request.url.scheme}://{request.url.netloc}"}
    if desk.settings.public_base_url:
        parts = urlsplit(desk.settings.public_base_url)
        ours.add(f"{parts.scheme}://{parts.netloc}")
    return origin in ours


async def current_staff(request: Request, desk: StaffDesk = Depends(get_desk)) -> Staff:  # noqa: B008
    """The request's staff member; NotSignedIn without a live session."""
    token = request.cookies.get(COOKIE)
    session = await _in_thread(desk.accounts.session, token)
    if session is None or token is None:
        raise NotSignedIn
    return Staff(session.email, token)


async def checked_form(
    request: Request,
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> dict[str, Any]:
    """The POSTed form of a signed-in member, after the same-origin and CSRF checks; Forbidden otherwise."""
    if not same_origin(request, desk):
        raise Forbidden("cross-site request refused")
    form = dict(await request.form())
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, staff.csrf):
        raise Forbidden("missing or invalid CSRF token; reload the page")
    return form


def not_signed_in(request: Request, _exc: Exception) -> Response:
    """Pages redirect to the sign-in form; the API, POSTs and downloads answer 401."""
    path = request.url.path
    if request.method == "GET" and not path.startswith(f"{PREFIX}/api") and not path.endswith(".csv"):
        return RedirectResponse(f"{PREFIX}/login?next={quote(path)}", status_code=303)
    return JSONResponse({"detail": "sign in at /staff/login first"}, status_code=401)


def forbidden(_request: Request, exc: Exception) -> Response:
    """403 with the reason."""
    return JSONResponse({"detail": str(exc)}, status_code=403)


class SecurityHeaders:
    """ASGI middleware: security headers on every /staff response (pages set their own CSP with a nonce)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap `app`."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to /staff responses only; everything else passes untouched."""
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in (*SECURITY_HEADERS.items(), ("content-security-policy", DEFAULT_CSP)):
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _in_thread(function: Any, *args: Any) -> Any:
    from fastapi.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)
