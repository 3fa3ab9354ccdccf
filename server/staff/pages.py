"""The staff inbox's pages and form actions (server-rendered; every POST carries a CSRF token)."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from server.staff import views
from server.staff.auth import (
    COOKIE,
    LOGIN_COOKIE,
    PAGE_CSP,
    Forbidden,
    NotSignedIn,
    Staff,
    checked_form,
    cookie_secure,
    csrf_token,
    current_staff,
    new_login_secret,
    same_origin,
)
from server.staff.desk import StaffDesk, get_desk
from server.staff.replies import ReplyRefused, send_reply
from tools.lead_export import parse_since, write_csv
from tools.leads import STATUSES, LeadError, LeadStatus
from tools.staff_replies import ReplyKind

router = APIRouter(prefix="/staff", include_in_schema=False)
DEALER_TZ = ZoneInfo("America/Mexico_City")
NOTICES = {
    "sent": "Mensaje enviado.",
    "failed": "Twilio no aceptó el mensaje; no le llegó al cliente.",
    "sending": "Ese mensaje ya se estaba enviando; revisa la conversación antes de reenviarlo.",
    "released": "La conversación volvió al agente: contestará el próximo mensaje.",
    "not_held": "La conversación no estaba con una persona.",
    "status": "Estado del lead guardado.",
    "note": "Nota guardada.",
    "retry": "La notificación se intentará de nuevo.",
}
env = Environment(loader=PackageLoader("server.staff", "templates"), autoescape=select_autoescape(default=True))


WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


def _local(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A time in Mexico City; `%a` is the Spanish weekday whatever the process's locale."""
    if moment is None:
        return "—"
    local = moment.astimezone(DEALER_TZ)
    return local.strftime(fmt.replace("%a", WEEKDAYS[local.weekday()]))


def _ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "—"
    minutes = int(((now or datetime.now(UTC)) - moment).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} días"


SUMMARY_LABELS = {"text": "Resumen", "name": "Nombre", "car": "Auto", "budget": "Presupuesto", "payment": "Pago"}
env.filters.update(
    local=_local,
    ago=_ago,
    iso_local=lambda text: _local(datetime.fromisoformat(text), "%a %d/%m %H:%M"),
    money=lambda v: f"${int(v):,}" if isinstance(v, int | float) or str(v).isdigit() else (v or "—"),
)
env.globals.update(reasons=views.REASONS, statuses=STATUSES, link_for=views.link_for, summary_labels=SUMMARY_LABELS)


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with a fresh CSP nonce for its inline style and script."""
    nonce = secrets.token_urlsafe(16)
    response = HTMLResponse(env.get_template(name).render(nonce=nonce, **context), status_code=status)
    response.headers["content-security-policy"] = PAGE_CSP.format(nonce=nonce)
    return response


def _next(target: str | None) -> str:
    """Only this site's /staff pages are valid places to go after signing in."""
    target = target or "/staff"
    ok = target.startswith("/staff") and not target.startswith("//") and "\\" not in target
    return target if ok else "/staff"


@router.get("/login")
async def login_page(request: Request, next: str = "/staff", desk: StaffDesk = Depends(get_desk)) -> Response:  # noqa: B008
    """The sign-in form (already signed in: the inbox)."""
    try:
        await current_staff(request, desk)
        return RedirectResponse(_next(next), status_code=303)
    except NotSignedIn:
        pass
    return _login_form(request, desk, next)


def _login_form(request: Request, desk: StaffDesk, next_url: str, error: str = "", status: int = 200) -> Response:
    secret = new_login_secret()
    response = render("login.html", status, csrf=csrf_token(secret), next=_next(next_url), error=error)
    response.set_cookie(
        LOGIN_COOKIE, secret, httponly=True, samesite="strict", secure=cookie_secure(request, desk), path="/staff"
    )
    return response


@router.post("/login")
async def login(request: Request, desk: StaffDesk = Depends(get_desk)) -> Response:  # noqa: B008
    """Check the password (rate-limited per address and per account) and open a session."""
    if not same_origin(request, desk):
        raise Forbidden("cross-site request refused")
    form = dict(await request.form())
    secret = request.cookies.get(LOGIN_COOKIE) or ""
    if not secret or str(form.get("csrf", "")) != csrf_token(secret):
        raise Forbidden("missing or invalid CSRF token; reload the sign-in page")
    email, password = str(form.get("email", "")).strip().lower(), str(form.get("password", ""))
    client = request.client.host if request.client else "unknown"
    keys = (f"ip:{client}", f"email:{email}")
    wait = await desk.limiter.retry_after(*keys)
    if wait is not None:
        response = _login_form(request, desk, str(form.get("next")), "Demasiados intentos. Espera un momento.", 429)
        response.headers["retry-after"] = str(int(wait))
        return response
    verified = await run_in_threadpool(desk.accounts.verify, email, password)
    if verified is None:
        await desk.limiter.failed(*keys)
        return _login_form(request, desk, str(form.get("next")), "Correo o contraseña incorrectos.", 401)
    lifetime = desk.settings.staff_session_hours
    token = await run_in_threadpool(desk.accounts.open_session, verified, timedelta(hours=lifetime))
    response = RedirectResponse(_next(str(form.get("next"))), status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime * 3600),
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, desk),
        path="/staff",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/staff")
    return response


@router.post("/logout")
async def logout(
    request: Request,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """End the session."""
    await run_in_threadpool(desk.accounts.close_session, request.cookies.get(COOKIE))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(COOKIE, path="/staff")
    return response


@router.get("")
@router.get("/")
async def inbox_page(
    notice: str = "",
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Handed-off conversations first, then failed notifications, active leads and the week's visits."""
    view = await run_in_threadpool(views.inbox, desk)
    return render("inbox.html", staff=staff, inbox=view, notice=NOTICES.get(notice, ""))


@router.get("/c/{ref}")
async def conversation_page(
    ref: str,
    notice: str = "",
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """The whole transcript (customer, agent, staff, tool calls), the lead card and the reply form."""
    return await _conversation(desk, staff, ref, notice=NOTICES.get(notice, ""))


async def _conversation(desk: StaffDesk, staff: Staff, ref: str, status: int = 200, **extra: Any) -> Response:
    thread_id = await run_in_threadpool(views.resolve, desk, ref)
    if thread_id is None:
        return render("missing.html", 404, staff=staff, ref=ref)
    view = await run_in_threadpool(views.conversation, desk, ref, thread_id)
    context = {
        "staff": staff,
        "c": view,
        "message_id": secrets.token_urlsafe(18),
        "now": desk.clock(),
        "template_ready": desk.settings.staff_reply_content_sid is not None,
        "twilio_ready": desk.sender is not None,
        **extra,
    }
    return render("conversation.html", status, **context)


@router.post("/c/{ref}/reply")
async def reply(
    ref: str,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Send free text (inside the 24-hour window) or the approved template (`kind=template`)."""
    thread_id = await run_in_threadpool(views.resolve, desk, ref)
    if thread_id is None:
        return render("missing.html", 404, staff=staff, ref=ref)
    kind: ReplyKind = "template" if form.get("kind") == "template" else "text"
    text = str(form.get("text", ""))
    try:
        record = await run_in_threadpool(
            send_reply, desk, thread_id, staff.email, str(form.get("message_id", "")), kind, text
        )
    except ReplyRefused as exc:
        return await _conversation(desk, staff, ref, exc.status, error=str(exc), draft=text)
    return _back(ref, record.status)


@router.post("/c/{ref}/release")
async def release(
    ref: str,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Return the conversation to the agent."""
    from server.staff.thread import return_to_agent

    thread_id = await run_in_threadpool(views.resolve, desk, ref)
    if thread_id is None:
        return render("missing.html", 404, staff=staff, ref=ref)
    released = await run_in_threadpool(return_to_agent, desk.services.graph, desk.handoffs, thread_id, staff.email)
    return _back(ref, "released" if released else "not_held")


@router.post("/leads/{lead_id}/status")
async def lead_status(
    lead_id: str,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Set a lead's status."""
    try:
        status = cast(LeadStatus, str(form.get("status", "")))  # checked by set_status
        lead = await run_in_threadpool(desk.leads.set_status, lead_id, status, staff.email)
    except LeadError as exc:
        return await _conversation(desk, staff, lead_id, 422, error=str(exc))
    return _back(lead.lead_id, "status")


@router.post("/leads/{lead_id}/notes")
async def lead_note(
    lead_id: str,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Add a note to a lead."""
    try:
        note = await run_in_threadpool(desk.leads.add_note, lead_id, str(form.get("text", "")), staff.email)
    except LeadError as exc:
        return await _conversation(desk, staff, lead_id, 422, error=str(exc))
    return _back(note.lead_id, "note")


@router.post("/notifications/{notification_id}/retry")
async def retry_notification(
    notification_id: int,
    form: dict[str, Any] = Depends(checked_form),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Try a failed notification again."""
    await run_in_threadpool(desk.outbox.retry, notification_id)
    return RedirectResponse("/staff?notice=retry", status_code=303)


@router.get("/leads.csv")
async def leads_csv(
    status: str = "",
    since: str = "",
    staff: Staff = Depends(current_staff),  # noqa: B008
    desk: StaffDesk = Depends(get_desk),  # noqa: B008
) -> Response:
    """Every lead (of one status; active since a date) as CSV."""
    try:
        start = parse_since(since)
        rows = await run_in_threadpool(desk.leads.list, status or None, start)  # type: ignore[arg-type]
    except (LeadError, ValueError) as exc:
        return Response(f"{exc}\n", status_code=422, media_type="text/plain")
    out = io.StringIO()
    write_csv(rows, out)
    stamp = desk.clock().astimezone(DEALER_TZ).strftime("%Y%m%d-%H%M")
    headers = {"content-disposition": f'attachment; filename="leads-{stamp}.csv"'}
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)


def _back(ref: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/c/{quote(ref)}?notice={notice}", status_code=303)
