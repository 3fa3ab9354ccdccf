"""Leads as CSV for spreadsheets and CRMs (the inbox download and `kavak-agent leads --csv`).

Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with a quote:
customers write their own names, and a name must never become a formula on a salesperson's computer.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from tools.leads import Lead

COLUMNS = (
    "lead_id",
    "status",
    "customer_name",
    "phone",
    "channel",
    "cars",
    "budget",
    "quote_price",
    "quote_down_payment",
    "quote_term_months",
    "quote_monthly_payment",
    "visit_id",
    "visit_when",
    "visit_branch",
    "last_event",
    "created_at",
    "updated_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def lead_row(lead: Lead) -> dict[str, Any]:
    """One CSV row (flat; times in ISO-8601 UTC)."""
    quote = lead.quote or {}
    visit = lead.visit or {}
    return {
        "lead_id": lead.lead_id,
        "status": lead.status,
        "customer_name": lead.customer_name or "",
        "phone": lead.phone or "",
        "channel": lead.channel,
        "cars": "; ".join(lead.cars),
        "budget": lead.budget if lead.budget is not None else "",
        "quote_price": quote.get("price", ""),
        "quote_down_payment": quote.get("down_payment", ""),
        "quote_term_months": quote.get("term_months", ""),
        "quote_monthly_payment": quote.get("monthly_payment", ""),
        "visit_id": visit.get("visit_id", ""),
        "visit_when": visit.get("when_iso") or visit.get("when") or visit.get("when_text") or "",
        "visit_branch": visit.get("branch") or "",
        "last_event": lead.last_event or "",
        "created_at": lead.created_at.isoformat(),
        "updated_at": lead.updated_at.isoformat(),
    }


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet shows as text (phone numbers such as +52... included)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(leads: Iterable[Lead], out: TextIO) -> int:
    """Write a header and one row per lead; how many rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for lead in leads:
        writer.writerow({k: safe_cell(v) for k, v in lead_row(lead).items()})
        count += 1
    return count


def parse_since(text: str | None) -> datetime | None:
    """A date (YYYY-MM-DD: midnight in Mexico City) or an ISO-8601 time; None when blank; ValueError otherwise."""
    if not (text or "").strip():
        return None
    try:
        moment = datetime.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO-8601 time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("America/Mexico_City"))
