"""The fields of a lead as they arrive from a conversation or from staff: checked and normalized, or LeadError.

Customers type names, numbers and budgets their own way ("$300,000", "55 1234 5678"); a lead stores one form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Channel = Literal["whatsapp", "web", "other"]
MAX_NAME = 120
MAX_KEY = 200


class LeadError(ValueError):
    """A lead change that cannot be made, with a message staff (or the agent) can read."""


def channel_of(thread_id: str) -> Channel:
    """Where a thread comes from, by its id's prefix (`whatsapp:+52…`, `web:…`)."""
    if thread_id.startswith("whatsapp:"):
        return "whatsapp"
    if thread_id.startswith("web:"):
        return "web"
    return "other"


def phone_of(thread_id: str) -> str | None:
    """The customer's number of a WhatsApp thread (`whatsapp:+5255…` → `+5255…`), else None."""
    return clean_phone(thread_id.removeprefix("whatsapp:")) if thread_id.startswith("whatsapp:") else None


def thread_key(thread_id: str) -> str:
    """A conversation id, trimmed; LeadError when blank or too long."""
    thread_id = (thread_id or "").strip() if isinstance(thread_id, str) else ""
    if not thread_id or len(thread_id) > MAX_KEY:
        raise LeadError(f"thread_id must be 1 to {MAX_KEY} characters")
    return thread_id


def clean_name(name: str | None) -> str | None:
    """A customer's name with spaces collapsed, cut to the column; None when blank."""
    return " ".join((name or "").split())[:MAX_NAME] or None


def staff_name(name: str) -> str:
    """Who made a change (required)."""
    cleaned = " ".join((name or "").split())[:MAX_NAME]
    if not cleaned:
        raise LeadError("say who makes the change")
    return cleaned


def clean_phone(phone: str | None) -> str | None:
    """E.164-style `+<digits>` (8 to 15 digits); None when blank."""
    digits = "".join(c for c in (phone or "") if c.isdigit())
    if not digits:
        return None
    if not 8 <= len(digits) <= 15:
        raise LeadError(f"{phone!r} is not a phone number")
    return f"+{digits}"


def clean_budget(budget: int | Decimal | str | None) -> int | None:
    """Whole pesos from 300000, "300,000" or "$300000"; None when blank."""
    if budget is None or budget == "":
        return None
    try:
        amount = Decimal(str(budget).replace(",", "").replace("$", "").strip())
    except InvalidOperation as exc:
        raise LeadError(f"budget must be an amount in pesos; got {budget!r}") from exc
    if amount < 0 or amount >= 10**12:
        raise LeadError(f"budget out of range: {budget!r}")
    return int(amount)


def json_object(value: Mapping[str, Any] | None, name: str) -> dict[str, Any] | None:
    """A JSON-storable copy of an object (Decimals become strings); None stays None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise LeadError(f"{name} must be an object")
    try:
        return dict(json.loads(json.dumps(dict(value), ensure_ascii=False, default=str)))
    except (TypeError, ValueError) as exc:
        raise LeadError(f"the {name} cannot be stored: {exc}") from exc
