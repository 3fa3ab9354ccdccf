"""How one notification is delivered: a WhatsApp template through Twilio, or a signed JSON webhook.

Each `deliver` makes one attempt and returns a reference (Twilio SID, HTTP status) or raises DeliveryError saying
whether trying again may help; the pump owns retries, so a slow channel never holds a customer's reply.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import requests
from standardwebhooks.webhooks import Webhook
from twilio.base.exceptions import TwilioRestException

from server.outbound import TwilioSender
from tools.notifications import Notification

DEALER_TZ = ZoneInfo("America/Mexico_City")
EVENT_LABELS = {"visit_booked": "Visita agendada", "handed_off": "Pide hablar con un asesor"}
USER_AGENT = "kavak-agent-notifications/1"


class DeliveryError(Exception):
    """An attempt that did not deliver; `retryable` is False when trying again cannot help (4xx)."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        """Keep whether a retry may succeed."""
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    """Delivers one notification, one attempt."""

    def deliver(self, notification: Notification) -> str: ...


def inbox_url(base_url: str | None, lead_id: str) -> str:
    """Where staff open the lead (a path when the public URL is unknown)."""
    return f"{base_url or ''}/staff/c/{lead_id}"


def send_template(sender: TwilioSender, to: str, content_sid: str, variables: dict[str, str]) -> str:
    """Send an approved WhatsApp template (one attempt); its SID, or DeliveryError."""
    kwargs: dict[str, Any] = {
        "to": to,
        "from_": sender.from_,
        "content_sid": content_sid,
        "content_variables": json.dumps(variables, ensure_ascii=False),
    }
    if sender.status_callback:
        kwargs["status_callback"] = sender.status_callback
    try:
        return str(sender.client.messages.create(**kwargs).sid)
    except TwilioRestException as exc:
        raise DeliveryError(
            f"Twilio {exc.status}: {exc.msg}", retryable=exc.status == 429 or exc.status >= 500
        ) from exc
    except (requests.RequestException, OSError) as exc:
        raise DeliveryError(f"Twilio unreachable: {type(exc).__name__}") from exc


def template_variables(notification: Notification, base_url: str | None) -> dict[str, str]:
    """{{1}} what happened, {{2}} the customer's name, {{3}} the cars, {{4}} the visit, {{5}} the inbox link.

    The customer's number is left out on purpose: it is shown to signed-in staff only.
    """
    lead = notification.lead
    visit = lead.get("visit") or {}
    when = ""
    if visit.get("when_iso"):
        when = datetime.fromisoformat(visit["when_iso"]).astimezone(DEALER_TZ).strftime("%d/%m %H:%M")
    detail = " · ".join(x for x in (when or visit.get("when_text") or "", visit.get("branch") or "") if x)
    return {
        "1": EVENT_LABELS.get(notification.event, notification.event),
        "2": lead.get("customer_name") or "Cliente",
        "3": ", ".join(lead.get("cars") or []) or "—",
        "4": detail or "—",
        "5": inbox_url(base_url, notification.lead_id),
    }


class WhatsAppChannel:
    """The salesperson's WhatsApp: an approved template (business-initiated messages need one)."""

    def __init__(self, sender: TwilioSender, to: str, content_sid: str, base_url: str | None) -> None:
        """`base_url` builds the inbox link."""
        self.sender = sender
        self.to = to
        self.content_sid = content_sid
        self.base_url = base_url

    def deliver(self, notification: Notification) -> str:
        """Send the template; the message SID."""
        return send_template(self.sender, self.to, self.content_sid, template_variables(notification, self.base_url))


def webhook_body(notification: Notification, base_url: str | None) -> dict[str, Any]:
    """The JSON a CRM receives (Standard Webhooks' shape: type, timestamp, data)."""
    return {
        "type": f"lead.{notification.event}",
        "timestamp": notification.occurred_at.astimezone(UTC).isoformat(),
        "data": {
            "event_id": notification.event_id,
            "lead": notification.lead,
            "inbox_url": inbox_url(base_url, notification.lead_id),
        },
    }


class WebhookChannel:
    """A CRM's endpoint: JSON signed with HMAC-SHA256 (Standard Webhooks: webhook-id, -timestamp, -signature)."""

    def __init__(self, url: str, secret: str, timeout_s: float, base_url: str | None) -> None:
        """`secret` is whsec_<base64>; the receiver verifies with the same."""
        self.url = url
        self.signer = Webhook(secret)
        self.base_url = base_url
        self.client = httpx.Client(timeout=timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT})

    def deliver(self, notification: Notification) -> str:
        """POST the signed body; "HTTP <status>" on 2xx, else DeliveryError (4xx other than 408/429: final)."""
        body = json.dumps(webhook_body(notification, self.base_url), ensure_ascii=False, separators=(",", ":"))
        now = datetime.now(UTC)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": notification.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.signer.sign(notification.event_id, now, body),
        }
        try:
            response = self.client.post(self.url, content=body.encode("utf-8"), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if 200 <= response.status_code < 300:
            return f"HTTP {response.status_code}"
        final = 400 <= response.status_code < 500 and response.status_code not in (408, 409, 425, 429)
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}", retryable=not final)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()
