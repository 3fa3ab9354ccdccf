"""Outbound WhatsApp messages: split at Twilio's 1,600-character limit, sent by the real client, retried."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from server.settings import ServerSettings

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 50
LIST_LIMIT = 200
"""Messages read when checking whether an interrupted send went out (one customer, one or two days)."""
MAX_PART_CHARS = 1600
"""Twilio rejects message bodies longer than this."""
TWILIO_API = "https://api.twilio.com"
_BOUNDARY = re.compile(r"[.!?…](?=\s)|\n")
_LIST_MARKER = re.compile(r"(?:^|\n)\s*\d{1,3}[.)]$")


def split_message(text: str, limit: int = MAX_PART_CHARS) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, at sentence ends, else spaces, else anywhere."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        ends = (m.end() for m in _BOUNDARY.finditer(window) if m.end() <= limit)
        cut = max((end for end in ends if not _LIST_MARKER.search(window, 0, end)), default=0)
        if cut == 0:
            cut = window.rfind(" ", 1, limit + 1)
        if cut <= 0:
            cut = limit
        part = text[:cut].rstrip()
        if part:
            parts.append(part)
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


class ApiUrlHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with `https://api.twilio.com` rewritten to TWILIO_API_URL (stubs)."""

    def __init__(self, api_url: str | None, timeout: float) -> None:
        """`api_url=None` leaves URLs untouched."""
        super().__init__(timeout=timeout)
        self.api_url = api_url.rstrip("/") if api_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Send the request, to the configured base URL when one is set."""
        if self.api_url and url.startswith(TWILIO_API):
            url = self.api_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class SendError(RuntimeError):
    """Twilio did not accept a message after every attempt (or refused it for good)."""


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, TwilioRestException):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, requests.RequestException | OSError)


class TwilioSender:
    """Sends one WhatsApp message part through `messages.create`, with exponential backoff on failures."""

    def __init__(
        self,
        settings: ServerSettings,
        client: Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Build the REST client from settings (TWILIO_API_URL honoured) unless one is given."""
        if client is None:
            token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
            client = Client(
                settings.twilio_account_sid,
                token,
                http_client=ApiUrlHttpClient(settings.twilio_api_url, settings.twilio_timeout_s),
            )
        self.client = client
        self.from_ = settings.twilio_whatsapp_from
        self.attempts = settings.twilio_send_attempts
        self.backoff_s = settings.twilio_retry_backoff_s
        self.status_callback = f"{settings.public_base_url}/twilio/status" if settings.public_base_url else None
        self.sleep = sleep

    def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; the outbound MessageSid, or SendError once retries are exhausted."""
        kwargs: dict[str, Any] = {"to": to, "from_": self.from_, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        return str(self._with_retries("send", lambda: self.client.messages.create(**kwargs)).sid)

    def find_sent(self, to: str, body: str, since: float) -> str | None:
        """The sid of a message with `body` sent to `to` from our number at or after `since`, if Twilio has one.

        Lists Messages by To, From and DateSent (from `since`'s UTC day on; Twilio filters by day), newest
        first, and compares bodies and times here. A message Twilio accepted but has not sent yet has no
        DateSent and is not found: that is the remaining window for a duplicate.
        """
        day = datetime.fromtimestamp(since, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        found = self._with_retries(
            "list",
            lambda: self.client.messages.list(
                to=to, from_=self.from_, date_sent_after=day, page_size=LIST_PAGE_SIZE, limit=LIST_LIMIT
            ),
        )
        for message in found:
            when = message.date_sent or message.date_created
            if message.body == body and (when is None or when.timestamp() >= since):
                return str(message.sid)
        return None

    def _with_retries(self, what: str, call: Callable[[], Any]) -> Any:
        """`call()` with exponential backoff on 429/5xx/network errors; SendError once they are exhausted."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except Exception as exc:
                if not _retryable(exc):
                    raise SendError(f"Twilio refused the {what}: {exc}") from exc
                if attempt == self.attempts:
                    raise SendError(f"Twilio failed {attempt} times: {exc}") from exc
                delay = self.backoff_s * 2 ** (attempt - 1)
                log.warning(
                    "Twilio %s failed (attempt %d/%d), retrying in %.2fs: %s",
                    what,
                    attempt,
                    self.attempts,
                    delay,
                    type(exc).__name__,
                )
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
