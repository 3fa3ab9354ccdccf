"""The lead node: after a turn that booked a visit, handed the customer to a person or quoted a payment, the
thread's sales lead is created or moved forward (tools/leads.py), and the sales team is notified.

Runs after `respond`, once per committed turn: the turn id is the lead event's key, so a turn replayed after a
crash records nothing twice. A lead that cannot be written is logged, never shown to the customer.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.runnables import RunnableConfig

from graph.reply_parts import title
from graph.state import State
from tools.lead_fields import channel_of, phone_of
from tools.leads import LeadEvent, Leads

log = logging.getLogger(__name__)


def lead(state: State, config: RunnableConfig, leads: Leads | None = None) -> dict[str, Any]:
    """Record this turn's lead events (visit_booked, handed_off, quoted); changes no conversation state."""
    events = lead_events_of(state)
    if not events:
        return {}
    configurable = config.get("configurable") or {}
    thread_id = str(configurable.get("thread_id") or "")
    turn_id = str(configurable.get("turn_id") or "") or None
    if leads is None:
        from graph.resources import get_leads

        leads = get_leads()
    details = lead_details(state)
    for event in events:
        try:
            leads.record(
                thread_id, event=event, channel=channel_of(thread_id), phone=phone_of(thread_id),
                key=f"{turn_id}:{event}" if turn_id else None, **details,
            )  # fmt: skip
        except Exception:  # a lead that cannot be stored must not cost the customer the reply
            log.exception("lead event %s of a turn could not be recorded", event)
    return {}


def lead_events_of(state: State) -> list[LeadEvent]:
    """What this turn did that the sales team cares about."""
    events: list[LeadEvent] = []
    visit = state.get("visit") or {}
    if visit.get("action") in ("book", "reschedule") and visit.get("visit_id") and "error" not in visit:
        events.append("visit_booked")
    if (state.get("plan") or {}).get("handoff_reason") and state.get("handoff"):
        events.append("handed_off")
    if any("error" not in plan for plan in state.get("financing") or []):
        events.append("quoted")
    return events


def lead_details(state: State) -> dict[str, Any]:
    """The customer's name, the cars discussed, the budget, the last quote and the visit, as the lead keeps them."""
    preferences = state.get("preferences") or {}
    plans = [p for p in state.get("financing") or [] if "error" not in p and p.get("car")]
    cars = [title(p["car"]) for p in plans]
    selected = state.get("selected")
    if selected:
        cars.append(title(selected))
    visit = state.get("visit") or {}
    if visit.get("car"):
        cars.append(str(visit["car"]))
    details: dict[str, Any] = {
        "customer_name": preferences.get("customer_name") or visit.get("customer_name"),
        "cars": list(dict.fromkeys(cars)),
        "budget": preferences.get("max_price"),
    }
    if plans:
        plan = plans[-1]
        details["quote"] = {
            "car": title(plan["car"]), "price": plan.get("price"), "monthly_payment": plan.get("monthly_payment"),
            "term_months": plan.get("term_months"), "down_payment": plan.get("down_payment"),
        }  # fmt: skip
    if visit.get("visit_id"):
        details["visit"] = {k: visit.get(k) for k in ("visit_id", "car", "when_iso", "customer_name")}
    return details
