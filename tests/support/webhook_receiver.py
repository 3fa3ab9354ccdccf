"""A local CRM stand-in: receives lead webhooks, verifies their HMAC-SHA256 signature itself, can fail on purpose.

The check is written here from the Standard Webhooks spec (not with the sender's library), so a sender that signs
the wrong bytes, or with the wrong secret, or an old timestamp, is caught: those requests are answered 401 and
never counted as received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_S = 300


def new_secret() -> str:
    """A fresh whsec_ secret."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def signature_ok(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """True when `webhook-signature` is v1,base64(HMAC-SHA256(key, "id.timestamp.body")) and the time is recent."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, stamp, signatures = (headers.get(h, "") for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and stamp.isdigit() and signatures):
        return False
    if abs((now or time.time()) - int(stamp)) > TOLERANCE_S:
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest())
    return any(
        version == "v1" and hmac.compare_digest(expected, sig.encode())
        for version, _, sig in (part.partition(",") for part in signatures.split())
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with receiver.lock:
            receiver.attempts += 1
            if not signature_ok(receiver.secret, headers, body):
                receiver.rejected += 1
                status = 401
            elif receiver.failures_left > 0:
                receiver.failures_left -= 1
                status = 500
            else:
                receiver.received.append({"headers": headers, "body": json.loads(body), "at": time.time()})
                status = 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: WebhookReceiver) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.receiver = receiver


class WebhookReceiver:
    """Listens on a free loopback port; `received` holds the verified deliveries it accepted."""

    def __init__(self, secret: str | None = None, fail_first: int = 0) -> None:
        """Answer the first `fail_first` valid deliveries with 500."""
        self.secret = secret or new_secret()
        self.failures_left = fail_first
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.attempts = 0
        self.rejected = 0
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        """The endpoint to configure as LEADS_WEBHOOK_URL."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/leads"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Poll until `count` deliveries were accepted."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} webhook deliveries, got {len(self.received)} ({self.attempts} tries)")

    def __enter__(self) -> WebhookReceiver:
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
