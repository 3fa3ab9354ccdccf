"""How the Twilio endpoints look in the OpenAPI document: form bodies in, TwiML (XML) out, JSON errors."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
FORM = "application/x-www-form-urlencoded"


class TwiMLResponse(Response):
    """An XML (TwiML) response."""

    media_type = "application/xml"


def _form(required: list[str], properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties, "additionalProperties": True}
    return {"requestBody": {"required": True, "content": {FORM: {"schema": schema}}}}


def _error(description: str) -> dict[str, Any]:
    schema = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_SIGNATURE = {
    "name": "X-Twilio-Signature",
    "in": "header",
    "required": True,
    "description": "Twilio's HMAC-SHA1 of the public URL and the form parameters (RequestValidator).",
    "schema": {"type": "string"},
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Accepted (or a duplicate MessageSid, acknowledged again): an empty TwiML response.",
        "content": {"application/xml": {"schema": {"type": "string"}, "example": EMPTY_TWIML.decode()}},
    },
    400: _error("The body is not valid UTF-8 form data."),
    403: _error("X-Twilio-Signature is missing or does not match."),
    413: _error("The request body or the message is too long."),
    415: _error("The body is not application/x-www-form-urlencoded."),
    422: _error("A required field is missing, or From is not whatsapp:+<E.164 number>."),
    503: _error("Twilio is not configured on this server."),
}

INBOUND_DOC: dict[str, Any] = {
    "response_class": TwiMLResponse,
    "responses": _RESPONSES,
    "summary": "Inbound WhatsApp message (Twilio webhook)",
    "openapi_extra": {
        "parameters": [_SIGNATURE],
        **_form(
            ["MessageSid", "From"],
            {
                "MessageSid": {"type": "string", "description": "Twilio's id of the inbound message (dedupe key)."},
                "From": {"type": "string", "example": "whatsapp:+5215512345678"},
                "To": {"type": "string", "example": "whatsapp:+14155238886"},
                "Body": {"type": "string", "description": "The text; may be empty when NumMedia > 0."},
                "NumMedia": {"type": "string", "example": "0"},
                "AccountSid": {"type": "string"},
                "ProfileName": {"type": "string"},
            },
        ),
    },
}
STATUS_DOC: dict[str, Any] = {
    "response_class": TwiMLResponse,
    "responses": _RESPONSES,
    "summary": "Outbound message status (Twilio status callback)",
    "openapi_extra": {
        "parameters": [_SIGNATURE],
        **_form(
            ["MessageSid", "MessageStatus"],
            {
                "MessageSid": {"type": "string"},
                "MessageStatus": {
                    "type": "string",
                    "example": "delivered",
                    "description": "queued, sent, delivered, read, failed, undelivered...",
                },
                "ErrorCode": {"type": "string"},
                "To": {"type": "string"},
            },
        ),
    },
}
