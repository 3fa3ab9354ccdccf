"""A staff member's reply to a customer: recorded, sent once through Twilio, written into the thread.

Order: claim the reply's message id (a second submit finds the first record and sends nothing) → send (free
text inside WhatsApp's 24-hour window, else only the approved template) → record the SID → write the message
into the thread under the turn lock → take the handoff and mark the lead contacted.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from server.notifications.channels import DeliveryError, send_template
from server.outbound import MAX_PART_CHARS, SendError
from server.privacy import thread_hash
from server.staff.desk import StaffDesk
from server.staff.thread import append_staff_message, last_customer_at, turn_lock, window_closes_at
from tools.handoffs import HandoffError
from tools.staff_replies import ReplyKind, StaffReply

log = logging.getLogger(__name__)
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TEMPLATE_NOTE = "(Plantilla aprobada de WhatsApp enviada para retomar la conversación)"
"""What the thread records for a template: its text lives at Twilio."""


class ReplyRefused(Exception):
    """The reply cannot be sent; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        """Keep the status."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Window:
    """WhatsApp's customer-service window of a thread."""

    last_customer: datetime | None
    closes_at: datetime | None
    open: bool


def window(desk: StaffDesk, thread_id: str) -> Window:
    """Whether free-form messages reach the customer now."""
    last = last_customer_at(desk.services.graph, thread_id)
    closes = window_closes_at(last)
    return Window(last, closes, closes is not None and desk.clock() < closes)


def send_reply(desk: StaffDesk, thread_id: str, staff: str, message_id: str, kind: ReplyKind, text: str) -> StaffReply:
    """Send one staff reply exactly once per `message_id`; ReplyRefused when it cannot go."""
    if not MESSAGE_ID.match(message_id or ""):
        raise ReplyRefused("the form has no valid message id; reload the page")
    if not thread_id.startswith("whatsapp:"):
        raise ReplyRefused("only WhatsApp conversations can be answered from the inbox", 409)
    sender = desk.sender
    if sender is None:
        raise ReplyRefused("Twilio is not configured (TWILIO_* settings): nothing can be sent", 503)
    text = (text or "").strip()
    content_sid = desk.settings.staff_reply_content_sid
    if kind == "text":
        if not text or len(text) > MAX_PART_CHARS:
            raise ReplyRefused(f"a reply must be 1 to {MAX_PART_CHARS} characters")
        if not window(desk, thread_id).open:
            raise ReplyRefused(
                "WhatsApp's 24-hour window is closed: the customer would not receive free text; send the template",
                409,
            )
    elif content_sid is None:
        raise ReplyRefused("no template is configured (STAFF_REPLY_CONTENT_SID)", 409)
    body = text if kind == "text" else TEMPLATE_NOTE
    record, new = desk.replies.begin(message_id, thread_id, staff, kind, body)
    if not new:
        if record.status == "sent":
            _record_in_thread(desk, record)  # finish what a stopped process may have left
        return record
    try:
        if kind == "text":
            sid = sender.send(thread_id, text)
        else:
            assert content_sid is not None
            lead = desk.leads.for_thread(thread_id)
            name = (lead.customer_name if lead else None) or "cliente"
            sid = send_template(sender, thread_id, content_sid, {"1": name.split()[0]})
    except (SendError, DeliveryError) as exc:
        desk.replies.failed(message_id, str(exc))
        log.error("staff reply not sent thread=%s: %s", thread_hash(thread_id), exc)
        failed = desk.replies.get(message_id)
        assert failed is not None
        return failed
    desk.replies.sent(message_id, sid)
    sent = desk.replies.get(message_id)
    assert sent is not None
    _record_in_thread(desk, sent)
    return sent


def _record_in_thread(desk: StaffDesk, reply: StaffReply) -> None:
    services = desk.services
    with turn_lock(services.store, reply.thread_id, services.settings.turn_lock_ttl_s):
        append_staff_message(services.graph, reply.thread_id, reply.body, reply.message_id)
    with contextlib.suppress(HandoffError):  # no handoff open, or a colleague took it: the reply stands
        desk.handoffs.take(reply.thread_id, reply.staff)
    desk.leads.mark_contacted(reply.thread_id, reply.staff)
