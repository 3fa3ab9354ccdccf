"""Visit nodes: book a visit, and manage the one booked (move it, cancel it, say when it is, put a name on it).

Bookings are idempotent per turn: the turn's id (the inbound message) is the booking's request key, so a turn run
again after a crash returns the first booking instead of a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.context import Context
from graph.visit_planning import open_at
from graph.routing import after
from graph.state import State
from graph.tool_calls import call_tool
from graph.understanding.dates import resolve as resolve_time
from tools.text import fold
from tools.toolkit import Toolkit


def _thread(config: RunnableConfig) -> str:
    return str((config.get("configurable") or {}).get("thread_id") or "")


def schedule(state: State, config: RunnableConfig, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Book a visit to see the selected car at the resolved time (schedule_visit)."""
    context = runtime.context or Context()
    car = state.get("selected") or {}
    preferences = dict(state.get("preferences") or {})
    args = {
        "stock_id": car["stock_id"],
        "customer_name": preferences.get("customer_name"),
        "when": preferences.get("visit_when"),
    }
    hidden = {
        "thread_id": _thread(config),
        "request_key": (config.get("configurable") or {}).get("turn_id"),
        "when_iso": preferences.get("visit_at"),
        "branch": preferences.get("branch"),
        "now": context.clock(),
    }
    output, messages = call_tool(toolkit.tools["schedule_visit"], args, hidden)
    update: dict[str, Any] = {"messages": messages, "visit": {"action": "book", **output}, "agenda": after("schedule", state)}
    if "error" not in output:
        update["booking"] = output
        preferences.pop("visit_when", None)
        preferences.pop("visit_at", None)
        update["preferences"] = preferences
    return update


def visits(state: State, config: RunnableConfig, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Manage the conversation's booking: reschedule, cancel, report it, or put the customer's name on it."""
    context = runtime.context or Context()
    understanding = state.get("understanding") or {}
    action = understanding.get("visit_action")
    thread = {"thread_id": _thread(config)}
    update: dict[str, Any] = {"agenda": after("visits", state)}
    if action == "cancel":
        output, messages = call_tool(toolkit.tools["cancel_visit"], {}, thread)
        update.update(messages=messages, visit={"action": "cancel", **output})
        if "error" not in output:
            update["booking"] = None
        return update
    if action == "reschedule":
        return {**update, **_reschedule(state, context, toolkit, thread)}
    name = understanding.get("customer_name")
    if action == "status" or not name:
        args = {"customer_name": name} if name and not state.get("booking") else {}
        output, messages = call_tool(toolkit.tools["find_visit"], args, thread)
        update.update(messages=messages, visit={"action": "status", **output})
        found = output.get("visits") or []
        if found:
            update["booking"] = found[0]
        return update
    output, messages = call_tool(toolkit.tools["set_visit_name"], {"customer_name": name}, thread)
    update.update(messages=messages, visit={"action": "name", **output})
    if output.get("visits"):
        update["booking"] = output["visits"][0]
    return update


def _reschedule(state: State, context: Context, toolkit: Toolkit, thread: dict[str, Any]) -> dict[str, Any]:
    """Move the booking: a new day keeps the hour when the customer says "misma hora"; without an hour, ask."""
    understanding = state.get("understanding") or {}
    words = understanding.get("visit_when") or ""
    booking = state.get("booking") or {}
    messages: list[Any] = []
    if not booking.get("when_iso"):  # the booking this conversation made, from the records
        found, messages = call_tool(toolkit.tools["find_visit"], {}, thread)
        booking = (found.get("visits") or [{}])[0]
    now = context.clock()
    moment = resolve_time(fold(words), now)
    old = datetime.fromisoformat(booking["when_iso"]) if booking.get("when_iso") else None
    day = moment.day or (old.date() if old else None)
    hour = moment.hour or (old.time() if old and (moment.same_time or not moment.part) else None)
    if not booking:
        return {"messages": messages, "visit": {"action": "reschedule", "error": "no booking"}}
    if day is None or hour is None:
        missing = "hour" if day else "day"
        return {"messages": messages, "visit": {"action": "reschedule", "missing": missing}, "pending": "visit_hour"}
    at = datetime.combine(day, hour, tzinfo=now.tzinfo)
    if not open_at(at) or at <= now:
        refused = {"action": "reschedule", "error": "closed", "when_iso": at.isoformat()}
        return {"messages": messages, "visit": refused, "pending": "visit_hour"}
    output, recorded = call_tool(
        toolkit.tools["reschedule_visit"], {"when": words}, {**thread, "when_iso": at.isoformat(), "now": now}
    )
    messages += recorded
    update: dict[str, Any] = {"messages": messages, "visit": {"action": "reschedule", **output}}
    if "error" not in output:
        update["booking"] = output
    return update
