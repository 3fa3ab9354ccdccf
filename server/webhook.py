"""Twilio's webhooks: inbound WhatsApp messages and delivery status callbacks, both signed.

The inbound path only validates, stores and enqueues (one Redis call) and answers an empty TwiML at once;
turns run in the worker and replies go out through the REST API.
"""

from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from twilio.request_validator import RequestValidator, get_signature_algorithm

from server.addresses import is_whatsapp_address
from server.openapi import EMPTY_TWIML, INBOUND_DOC, STATUS_DOC, TwiMLResponse
from server.privacy import thread_hash
from server.services import Services
from server.settings import ServerSettings
from server.store import InboundMessage

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])


class WebhookError(Exception):
    """A request to reject with `status` and a message saying what is wrong."""

    def __init__(self, status: int, detail: str) -> None:
        """Keep the HTTP status and the message."""
        super().__init__(detail)
        self.status = status
        self.detail = detail


def public_url(request: Request, settings: ServerSettings) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL + path, else from X-Forwarded-Proto/Host, else the URL."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if settings.public_base_url:
        return settings.public_base_url + path
    headers = request.headers
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip() or request.url.scheme
    host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host") or request.url.netloc
    return f"{proto}://{host}{path}"


async def read_form(request: Request, limit: int) -> dict[str, str]:
    """The urlencoded body as a dict; WebhookError 413/415/400 for oversized, non-form, undecodable bodies."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise WebhookError(415, "expected Content-Type: application/x-www-form-urlencoded")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise WebhookError(413, f"request body too large (limit {limit} bytes)")
    if declared is not None:
        body = await request.body()  # bounded by the declared length checked above
    else:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise WebhookError(413, f"request body too large (limit {limit} bytes)")
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookError(400, f"malformed form body: {exc}") from exc


async def signed_form(request: Request, services: Services) -> dict[str, str]:
    """The form of a request whose X-Twilio-Signature is valid for the public URL; WebhookError otherwise."""
    if services.validator is None:
        raise WebhookError(
            503, "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WHATSAPP_FROM"
        )
    params = await read_form(request, services.settings.webhook_max_bytes)
    signature = request.headers.get("x-twilio-signature")
    if not signature:
        raise WebhookError(403, "missing X-Twilio-Signature")
    algorithm = get_signature_algorithm(request.headers.get("x-twilio-webhooks-signature-settings"))
    if not _valid(services.validator, public_url(request, services.settings), params, signature, algorithm):
        raise WebhookError(403, "invalid X-Twilio-Signature")
    return params


def _valid(validator: RequestValidator, url: str, params: dict[str, str], signature: str, algorithm: str) -> bool:
    """Twilio's check: the exact URL first (fast), then `validate` (port variants, slower)."""
    try:
        if hmac.compare_digest(validator.compute_signature(url, params, algorithm), signature):
            return True
    except ValueError:  # unsupported algorithm: `validate` logs and refuses it
        pass
    return bool(validator.validate(url, params, signature, algorithm))


def _error(exc: WebhookError) -> JSONResponse:
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


@router.post("/whatsapp", **INBOUND_DOC)
async def inbound_message(request: Request) -> Response:
    """Validate, dedupe on MessageSid, store in the sender's inbox, enqueue; answer an empty TwiML."""
    services: Services = request.app.state.services
    settings = services.settings
    try:
        params = await signed_form(request, services)
        sid, sender = params.get("MessageSid", ""), params.get("From", "")
        body = params.get("Body", "")
        has_media = (params.get("NumMedia") or "0") not in ("", "0")
        missing = [name for name, value in (("MessageSid", sid), ("From", sender)) if not value]
        if not body.strip() and not has_media:
            missing.append("Body")
        if missing:
            raise WebhookError(422, f"missing required field(s): {', '.join(missing)}")
        if not is_whatsapp_address(sender):
            raise WebhookError(422, "From must be a WhatsApp address: whatsapp:+<country code><number>")
        if len(body) > settings.webhook_max_body_chars:
            raise WebhookError(413, f"message too long (limit {settings.webhook_max_body_chars} characters)")
    except WebhookError as exc:
        log.info("webhook rejected (%d): %s", exc.status, exc.detail)
        return _error(exc)
    message = InboundMessage(sid=sid, thread_id=sender, text=body, received_at=time.time())
    if await services.store.inbox.accept(message, settings.dedupe_ttl_s):
        if log.isEnabledFor(logging.DEBUG):  # hashing the number costs more than the rest of this branch
            log.debug("queued %s thread=%s", sid, thread_hash(sender))
    else:
        log.info("duplicate MessageSid %s ignored", sid)
    return TwiMLResponse(EMPTY_TWIML)


@router.post("/status", **STATUS_DOC)
async def status_callback(request: Request) -> Response:
    """Record an outbound message's delivery status (queued, sent, delivered, read, failed, undelivered)."""
    services: Services = request.app.state.services
    try:
        params = await signed_form(request, services)
        sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
        missing = [name for name, value in (("MessageSid", sid), ("MessageStatus", status)) if not value]
        if missing:
            raise WebhookError(422, f"missing required field(s): {', '.join(missing)}")
    except WebhookError as exc:
        return _error(exc)
    error_code = params.get("ErrorCode") or None
    await services.store.statuses.record(sid, status, error_code, services.settings.dedupe_ttl_s)
    if status in ("failed", "undelivered"):
        log.warning(
            "outbound %s %s (error %s) to thread=%s",
            sid,
            status,
            error_code,
            thread_hash(params.get("To", "")),
        )
    return TwiMLResponse(EMPTY_TWIML)
