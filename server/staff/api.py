"""The staff inbox as JSON (`/staff/api/...`): the same views, for scripts and a CRM; session required."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from server.staff import views
from server.staff.auth import Staff, current_staff
from server.staff.desk import StaffDesk, get_desk

router = APIRouter(prefix="/staff/api", tags=["staff"])


@router.get("/inbox")
async def inbox(
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> JSONResponse:
    """Handed-off conversations, failed notifications, active leads and the week's visits."""
    view = await run_in_threadpool(views.inbox, desk)
    body = {
        "handoffs": [{"handoff": _plain(h), "lead": lead.as_dict() if lead else None} for h, lead in view.handoffs],
        "failed_notifications": [_notification(n) for n in view.failed],
        "leads": [lead.as_dict() for lead in view.leads],
        "visits_today": [v.as_tool_output() for v, _ in view.visits_today],
        "visits_week": [v.as_tool_output() for v, _ in view.visits_week],
    }
    return JSONResponse(body)


@router.get("/c/{ref}")
async def conversation(
    ref: str,
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> JSONResponse:
    """One conversation: transcript, lead, handoff, window and notifications."""
    thread_id = await run_in_threadpool(views.resolve, desk, ref)
    if thread_id is None:
        return JSONResponse({"detail": f"no conversation {ref!r}"}, status_code=404)
    view = await run_in_threadpool(views.conversation, desk, ref, thread_id)
    return JSONResponse(
        {
            "thread_id": view.thread_id,
            "lead": view.lead.as_dict() if view.lead else None,
            "handoff": _plain(view.handoff) if view.handoff else None,
            "window_open": view.window.open,
            "window_closes_at": view.window.closes_at.isoformat() if view.window.closes_at else None,
            "transcript": [_plain(entry) for entry in view.entries],
            "notifications": [_notification(n) for n in view.notifications],
        }
    )


def _plain(value: Any) -> dict[str, Any]:
    data = asdict(value)
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}


def _notification(n: Any) -> dict[str, Any]:
    keep = ("notification_id", "event_id", "event", "lead_id", "channel", "status", "attempts", "last_error")
    return {k: getattr(n, k) for k in keep}
