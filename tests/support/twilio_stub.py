"""A local stand-in for Twilio: the Messages REST endpoint (records what the agent sends) and signed webhooks.

`TwilioStub` answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio does (201 + a JSON message
resource with a `sid`) and `GET` on the same URL with Twilio's list filters (To, From, DateSent, DateSent<,
DateSent>) and paging (PageSize, Page, next_page_uri), newest first; it checks HTTP basic auth, and can be
told to fail the next N sends with 500 or to accept the next N and then hold the answer (a sender killed
while waiting for Twilio). The real `twilio` client reaches it through TWILIO_API_URL. `signed_webhook`
builds an inbound request the way Twilio signs it (`RequestValidator(token).compute_signature(url, params)`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
WHATSAPP_FROM = "whatsapp:+14155238886"


def message_sid() -> str:
    """A fresh Twilio-shaped message sid (SM + 32 hex)."""
    return "SM" + uuid.uuid4().hex


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature of a POST to `url` with `params`, computed with Twilio's own algorithm."""
    return str(RequestValidator(token).compute_signature(url, params))


def inbound_params(sender: str, body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    """The form Twilio posts for an inbound WhatsApp message."""
    params = {
        "SmsMessageSid": sid or message_sid(),
        "NumMedia": "0",
        "ProfileName": "Cliente",
        "MessageType": "text",
        "SmsSid": "",
        "WaId": sender.removeprefix("whatsapp:+"),
        "SmsStatus": "received",
        "Body": body,
        "To": WHATSAPP_FROM,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": "",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
    params["MessageSid"] = params["SmsSid"] = params["SmsMessageSid"]
    params.update(extra)
    return params


def signed_webhook(
    client: httpx.Client,
    url: str,
    params: dict[str, str],
    token: str = AUTH_TOKEN,
    signed_url: str | None = None,
) -> httpx.Response:
    """POST `params` to `url` signed like Twilio (for `signed_url` when a proxy sits in between)."""
    headers = {"X-Twilio-Signature": sign(signed_url or url, params, token)}
    return client.post(url, data=params, headers=headers)


class _Handler(BaseHTTPRequestHandler):
    server: _StubServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _account(self) -> str | None:
        """The account of a Messages.json URL with valid basic auth; None after answering 404/401."""
        stub = self.server.stub
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 4 or parts[0] != "2010-04-01" or parts[1] != "Accounts" or parts[3] != "Messages.json":
            self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            return None
        expected = "Basic " + base64.b64encode(f"{stub.account_sid}:{stub.auth_token}".encode()).decode()
        if parts[2] != stub.account_sid or self.headers.get("Authorization") != expected:
            self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return None
        return parts[2]

    def do_GET(self) -> None:
        """Messages.json: the account's messages, filtered and paged like Twilio's list, newest first."""
        stub = self.server.stub
        account = self._account()
        if account is None:
            return
        query = dict(parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
        try:
            page = int(query.get("Page", "0"))
            size = max(1, min(1000, int(query.get("PageSize", "50"))))
            on, before, after = (_parse_date(query.get(k)) for k in ("DateSent", "DateSent<", "DateSent>"))
        except ValueError as exc:
            return self._json(400, {"code": 20001, "message": f"Invalid parameter: {exc}", "status": 400})
        with stub.lock:
            stub.list_calls += 1
            found = [
                m
                for m in reversed(stub.messages)
                if query.get("To", m["To"]) == m["To"]
                and query.get("From", m.get("From")) == m.get("From")
                and _date_matches(m["received_at"], on, before, after)
            ]
        base = f"/2010-04-01/Accounts/{account}/Messages.json"
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(number: int) -> str:
            return base + "?" + urlencode({**filters, "PageSize": size, "Page": number, "PageToken": f"PT{number}"})

        chunk = found[page * size : (page + 1) * size]
        payload = {
            "messages": [_resource(account, m) for m in chunk],
            "page": page,
            "page_size": size,
            "start": page * size,
            "end": page * size + max(0, len(chunk) - 1),
            "uri": uri(page),
            "first_page_uri": uri(0),
            "previous_page_uri": uri(page - 1) if page else None,
            "next_page_uri": uri(page + 1) if (page + 1) * size < len(found) else None,
        }
        self._json(200, payload)

    def do_POST(self) -> None:
        """Messages.json: record the message, or fail with 500 when told to."""
        stub = self.server.stub
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
        account = self._account()
        if account is None:
            return
        with stub.lock:
            stub.attempts += 1
            if stub.failures_left > 0:
                stub.failures_left -= 1
                failing = True
            else:
                failing = False
        if failing:
            return self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
        if not form.get("To") or not (form.get("Body") or form.get("ContentSid")):
            return self._json(400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400})
        message = {**form, "sid": message_sid(), "received_at": time.time()}
        with stub.lock:
            stub.messages.append(message)
            stall = stub.stalls_left > 0
            stub.stalls_left -= stall
        if stall:  # accepted, but the sender never hears back (until released)
            stub.stalled.set()
            stub.release.wait(stub.stall_s)
        self._json(201, {**_resource(account, message), "status": "queued", "date_sent": None})

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the sender died waiting (stalled)
            self.wfile.write(data)


def _rfc2822(unix_time: float) -> str:
    return format_datetime(datetime.fromtimestamp(unix_time, UTC))


def _resource(account: str, message: dict[str, Any]) -> dict[str, Any]:
    """Twilio's JSON message resource; the stub sends at once, so DateSent is the creation time."""
    sid, when = message["sid"], _rfc2822(message["received_at"])
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": message.get("Body", ""),
        "date_created": when,
        "date_sent": when,
        "date_updated": when,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": message.get("From"),
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "sent",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": message["To"],
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


def _parse_date(value: str | None) -> datetime | None:
    """A DateSent filter: YYYY-MM-DD (a whole UTC day) or an ISO 8601 time as the twilio client sends."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_matches(unix_time: float, on: datetime | None, before: datetime | None, after: datetime | None) -> bool:
    """Twilio's day-granular DateSent filters: DateSent=day, DateSent<=day, DateSent>=day (inclusive)."""
    day = datetime.fromtimestamp(unix_time, UTC).date()
    return (
        (on is None or day == on.date())
        and (before is None or day <= before.date())
        and (after is None or day >= after.date())
    )


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stub: TwilioStub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stub = stub


class TwilioStub:
    """Twilio's Messages API on a free loopback port; point TWILIO_API_URL at `.url`."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        """Nothing listens until `start()`."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.lock = threading.Lock()
        self.messages: list[dict[str, Any]] = []
        self.attempts = 0
        self.failures_left = 0
        self.list_calls = 0
        self.stalls_left = 0
        self.stall_s = 0.0
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._server: _StubServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL replacing https://api.twilio.com."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Environment variables that point the agent at this stub."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_API_URL": self.url,
        }

    def fail_next(self, count: int) -> None:
        """Answer the next `count` sends with 500."""
        with self.lock:
            self.failures_left = count

    def stall_next(self, count: int = 1, seconds: float = 60.0) -> None:
        """Accept the next `count` sends but answer each only after `seconds` (or `release_stalled()`)."""
        with self.lock:
            self.stalls_left, self.stall_s = count, seconds
            self.stalled.clear()
            self.release.clear()

    def release_stalled(self) -> None:
        """Answer the held sends now."""
        self.release.set()

    def sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """Messages accepted so far (to one recipient when given), in order."""
        with self.lock:
            return [m for m in self.messages if to is None or m["To"] == to]

    def wait_for(self, count: int, to: str | None = None, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll until `count` messages (to `to`) arrived; AssertionError with what arrived on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.sent(to)
            if len(messages) >= count:
                return messages
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages to {to or 'anyone'}, got {self.sent(to)}")

    def start(self) -> TwilioStub:
        """Listen in a background thread."""
        self._server = _StubServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="twilio-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TwilioStub:
        """Start."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()
