"""A local stand-in for Twilio: the Messages REST endpoint (records what the agent sends) and signed webhooks.

`TwilioStub` answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio does (201 + a JSON message
resource with a `sid`), checks HTTP basic auth, and can be told to fail the next N calls with 500. The real
`twilio` client reaches it through TWILIO_API_URL. `signed_webhook` builds an inbound request the way Twilio
signs it (`RequestValidator(token).compute_signature(url, params)`).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

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

    def do_POST(self) -> None:
        """Messages.json: record the message, or fail with 500 when told to."""
        stub = self.server.stub
        parts = self.path.split("?")[0].strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
        if len(parts) != 4 or parts[0] != "2010-04-01" or parts[1] != "Accounts" or parts[3] != "Messages.json":
            return self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        account = parts[2]
        expected = "Basic " + base64.b64encode(f"{stub.account_sid}:{stub.auth_token}".encode()).decode()
        if account != stub.account_sid or self.headers.get("Authorization") != expected:
            return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
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
        sid = message_sid()
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        resource = {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }
        with stub.lock:
            stub.messages.append({**form, "sid": sid, "received_at": time.time()})
        self._json(201, resource)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


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
