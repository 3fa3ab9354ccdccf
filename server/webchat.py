"""Web chat: a WhatsApp-like page on the same graph, one private thread per browser (see `webchat_guard`)."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from graph.turn import run_turn
from server.privacy import thread_hash
from server.services import Services
from server.transcript import transcript
from server.webchat_guard import COOKIE, COOKIE_MAX_AGE_S, RateLimiter, ThreadBusy, new_token, thread_for, thread_lock
from server.worker import APOLOGY

log = logging.getLogger(__name__)
router = APIRouter(tags=["web chat"])
assets = APIRouter(include_in_schema=False)
STATIC = Path(__file__).with_name("static")


class ChatMessage(BaseModel):
    """One message typed in the web chat (the thread comes from the browser's cookie, never from the body)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description="What the user typed (at most WEBCHAT_MAX_CHARS characters).")


@cache
def _page() -> str:
    return (STATIC / "chat.html").read_text(encoding="utf-8")


def _services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def _limiter(request: Request) -> RateLimiter:
    """One limiter per app, created on first use from the settings."""
    state = request.app.state
    if getattr(state, "webchat_limiter", None) is None:
        settings = _services(request).settings
        state.webchat_limiter = RateLimiter(settings.webchat_rate_limit, settings.redis_url)
    return state.webchat_limiter  # type: ignore[no-any-return]


async def _rate_limit(request: Request) -> None:
    client = request.client.host if request.client else "unknown"
    retry = await _limiter(request).allow(client)
    if retry is not None:
        raise HTTPException(
            429, "too many messages from this address; wait a moment", headers={"Retry-After": str(int(retry))}
        )


def _set_cookie(request: Request, response: Response, token: str) -> None:
    base = _services(request).settings.public_base_url or ""
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or base.startswith("https://"),
        path="/",
    )


def _thread(request: Request) -> str:
    thread_id = thread_for(request.cookies.get(COOKIE))
    if thread_id is None:
        raise HTTPException(401, "no web chat conversation in this browser: reload the page")
    return thread_id


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page(request: Request) -> HTMLResponse:
    """The chat page; gives the browser its conversation cookie when it has none."""
    settings = _services(request).settings
    response = HTMLResponse(_page().replace("__MAX_CHARS__", str(settings.webchat_max_chars)))
    if thread_for(request.cookies.get(COOKIE)) is None:
        _set_cookie(request, response, new_token())
    return response


@router.get("/chat/chat.js", include_in_schema=False)
async def chat_script() -> FileResponse:
    """The page's script."""
    return FileResponse(STATIC / "chat.js", media_type="text/javascript")


@router.post("/chat/api/threads", status_code=201)
async def new_thread(request: Request, response: Response) -> dict[str, str]:
    """Start a new conversation in this browser (the old one stays in the checkpointer, unreachable from here)."""
    await _rate_limit(request)
    _set_cookie(request, response, new_token())
    return {"status": "created"}


@router.get("/chat/api/history")
async def history(request: Request) -> dict[str, Any]:
    """This browser's conversation so far, so a reload shows it again; nothing for a missing cookie."""
    thread_id = thread_for(request.cookies.get(COOKIE))
    messages: list[Any] = []
    if thread_id is not None:
        config = {"configurable": {"thread_id": thread_id}}
        state = await run_in_threadpool(_services(request).graph.get_state, config)
        messages = (state.values or {}).get("messages", [])
    return {"messages": transcript(messages), "max_chars": _services(request).settings.webchat_max_chars}


@router.post("/chat/api/messages")
async def chat_message(message: ChatMessage, request: Request) -> Any:
    """Run one turn on this browser's thread, after the turns before it: the reply, route and tool calls."""
    services = _services(request)
    thread_id = _thread(request)
    limit = services.settings.webchat_max_chars
    if len(message.text) > limit:
        raise HTTPException(413, f"the message has {len(message.text):,} characters; the limit is {limit:,}")
    await _rate_limit(request)
    try:
        async with thread_lock(services.store, thread_id, services.settings.turn_lock_ttl_s):
            result = await run_in_threadpool(run_turn, services.graph, thread_id, message.text)
    except ThreadBusy:
        return JSONResponse({"detail": "this conversation is busy; try again"}, status_code=429)
    except Exception as exc:
        log.exception("web chat turn failed thread=%s", thread_hash(thread_id))
        return {"reply": APOLOGY, "route": [], "tool_calls": [], "error": type(exc).__name__}
    return {key: value for key, value in result.as_dict().items() if key != "thread_id"}


@assets.get("/favicon.svg")
@assets.get("/favicon.ico")
async def favicon() -> FileResponse:
    """The site icon (also used by /docs)."""
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")
