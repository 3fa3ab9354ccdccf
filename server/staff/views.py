"""What the inbox and a conversation show, gathered from the records and the thread (pages and API share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.staff.desk import StaffDesk
from server.staff.replies import Window, window
from server.staff.thread import Entry, transcript
from tools.handoffs import Handoff
from tools.leads import CLOSED, Lead, Note
from tools.notifications import Notification
from tools.public_ids import parse_public_id
from tools.staff_replies import StaffReply
from tools.visits import Visit

DEALER_TZ = ZoneInfo("America/Mexico_City")
ACTIVE_LEADS = 200
REASONS = {
    "customer_request": "Pidió hablar con una persona",
    "complaint": "Queja o molestia",
    "not_understood": "El agente no le entendió",
    "unknown_question": "Pregunta sin respuesta",
    "credit_decision": "Decisión de crédito",
}


@dataclass
class Inbox:
    """The inbox's sections, in the order staff need them."""

    handoffs: list[tuple[Handoff, Lead | None]]
    failed: list[Notification]
    leads: list[Lead]
    visits_today: list[tuple[Visit, Lead | None]]
    visits_week: list[tuple[Visit, Lead | None]]
    now: datetime


@dataclass
class Conversation:
    """One thread with everything staff act on."""

    ref: str
    thread_id: str
    lead: Lead | None
    handoff: Handoff | None
    entries: list[Entry]
    window: Window
    notes: list[Note] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    replies: list[StaffReply] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    @property
    def whatsapp(self) -> bool:
        """Replies can be sent (a WhatsApp thread)."""
        return self.thread_id.startswith("whatsapp:")


def inbox(desk: StaffDesk) -> Inbox:
    """Handed-off conversations (longest waiting first), failed notifications, active leads, visits today and the
    next seven days."""
    now = desk.clock()
    waiting = desk.handoffs.list("open") + desk.handoffs.list("taken")
    waiting.sort(key=lambda h: (h.status != "open", h.created_at))
    active = [lead for lead in desk.leads.list(limit=ACTIVE_LEADS) if lead.status not in CLOSED]
    local = now.astimezone(DEALER_TZ)
    today = datetime.combine(local.date(), time(0), DEALER_TZ)
    tomorrow = today + timedelta(days=1)

    def with_lead(visits: list[Visit]) -> list[tuple[Visit, Lead | None]]:
        return [(visit, desk.leads.for_thread(visit.thread_id)) for visit in visits]

    return Inbox(
        handoffs=[(h, desk.leads.for_thread(h.thread_id)) for h in waiting],
        failed=desk.outbox.failed(),
        leads=active,
        visits_today=with_lead(desk.visits.between(today, tomorrow)),
        visits_week=with_lead(desk.visits.between(tomorrow, tomorrow + timedelta(days=7))),
        now=now,
    )


def resolve(desk: StaffDesk, ref: str) -> str | None:
    """The thread behind a lead (LD-), handoff (HO-) or visit (KV-) id, or None."""
    ref = (ref or "").strip()
    if parse_public_id(ref, "LD") and ref.upper().startswith("LD"):
        lead = desk.leads.get(ref)
        return lead.thread_id if lead else None
    if parse_public_id(ref, "HO") and ref.upper().startswith("HO"):
        handoff = desk.handoffs.get(ref)
        return handoff.thread_id if handoff else None
    if parse_public_id(ref, "KV") and ref.upper().startswith("KV"):
        visit = desk.visits.get(ref)
        return visit.thread_id if visit else None
    return None


def conversation(desk: StaffDesk, ref: str, thread_id: str) -> Conversation:
    """The thread's transcript with its lead card, handoff, notifications and staff replies."""
    lead = desk.leads.for_thread(thread_id)
    view = Conversation(
        ref=ref,
        thread_id=thread_id,
        lead=lead,
        handoff=desk.handoffs.current(thread_id),
        entries=transcript(desk.services.graph, thread_id),
        window=window(desk, thread_id),
        replies=desk.replies.for_thread(thread_id),
    )
    if lead is not None:
        view.notes = desk.leads.notes(lead.lead_id)
        view.notifications = desk.outbox.for_lead(lead.lead_id)
        view.events = desk.outbox.events(lead.lead_id)
    return view


def link_for(lead: Lead | None, fallback: str) -> str:
    """A conversation's address: its lead id when it has one (ids in URLs, never phone numbers)."""
    return f"/staff/c/{lead.lead_id if lead else fallback}"
