"""Web chat: a WhatsApp-like page to talk to the same graph and threads from a browser, without Twilio."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from graph.turn import run_turn
from server.privacy import thread_hash
from server.services import Services
from server.worker import APOLOGY

log = logging.getLogger(__name__)
router = APIRouter(tags=["web chat"])
PAGE = Path(__file__).with_name("static") / "chat.html"
THREAD_PREFIX = "web:"


class ChatMessage(BaseModel):
    """One message typed in the web chat."""

    thread_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Browser conversation id.")
    text: str = Field(min_length=1, max_length=4096, description="What the user typed.")


@cache
def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    """The chat page."""
    return HTMLResponse(_page())


@router.post("/chat/api/messages")
async def chat_message(message: ChatMessage, request: Request) -> dict[str, Any]:
    """Run one turn on thread `web:<thread_id>`; the `TurnResult` dict (reply, route, tool_calls)."""
    services: Services = request.app.state.services
    thread_id = THREAD_PREFIX + message.thread_id
    try:
        result = await run_in_threadpool(run_turn, services.graph, thread_id, message.text)
    except Exception as exc:
        log.exception("web chat turn failed thread=%s", thread_hash(thread_id))
        return {
            "thread_id": thread_id,
            "reply": APOLOGY,
            "route": [],
            "tool_calls": [],
            "error": type(exc).__name__,
        }
    return result.as_dict()
