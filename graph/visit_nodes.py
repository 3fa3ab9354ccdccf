"""Visit nodes: book a visit, and manage the one booked (move it, cancel it, say when it is, put a name on it).

Bookings are idempotent per turn: the turn's id (the inbound message) is the booking's request key, so a turn run
again after a crash returns the first booking instead of a second one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.context import Context
from graph.messages import last_customer_text
from graph.routing import after
from graph.state import State
from graph.tool_calls import call_tool
from graph.understanding.dates import resolve as resolve_time
from graph.understanding.dates import shift
from graph.visit_planning import nearest_slot, open_at
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
    update: dict[str, Any] = {
        "messages": messages,
        "visit": {"action": "book", **output},
        "agenda": after("schedule", state),
    }
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
    action = understanding.get("visit_action") or (state.get("plan") or {}).get("visit_action")
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
        by_name = name and (action == "status" or not state.get("booking"))  # "ya tengo cita a nombre de X"
        output, messages = call_tool(toolkit.tools["find_visit"], {"customer_name": name} if by_name else {}, thread)
        if by_name and not output.get("visits") and state.get("booking"):  # the name written another way
            output, more = call_tool(toolkit.tools["find_visit"], {}, thread)
            messages = [*messages, *more]
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


SAME_DAY = re.compile(
    r"\b(?:mismo\s+dia|same\s+day|ese\s+(?:mismo\s+)?dia|that\s+day|mas\s+tarde|later|mas\s+temprano|earlier)\b"
)
"""Moving a booked visit within its day: "a las 2, el mismo día", "más tarde", "a bit earlier"."""


def _reschedule(state: State, context: Context, toolkit: Toolkit, thread: dict[str, Any]) -> dict[str, Any]:
    """Move the booking: the day and/or hour the customer says; the other keeps the booked one ("misma hora")."""
    words = (state.get("understanding") or {}).get("visit_when") or ""
    said = last_customer_text(state.get("messages", []))
    now = context.clock()
    moment = resolve_time(fold(words), now)
    if (
        moment.hour is not None
        and moment.day is not None
        and not open_at(datetime.combine(moment.day, moment.hour, tzinfo=now.tzinfo))
    ):
        closed = datetime.combine(moment.day, moment.hour, tzinfo=now.tzinfo)
        refused = {"action": "reschedule", "error": "closed", "when_iso": nearest_slot(closed).isoformat()}
        return {"visit": refused, "pending": "visit_hour"}
    hidden = {**thread, "now": now}
    if moment.day is not None and not SAME_DAY.search(fold(said)):  # "a las 2, el mismo día": the booked day
        hidden["day"] = moment.day.isoformat()
    if moment.hour is not None:
        hidden["hour"] = moment.hour.strftime("%H:%M")
    booked = (state.get("booking") or {}).get("when_iso")
    moved = shift(fold(said))
    if moved is not None and booked:  # "una horita más tarde", "al día siguiente a la misma hora"
        at = datetime.fromisoformat(booked) + moved
        hidden.setdefault("day", at.date().isoformat())
        if moved % timedelta(days=1):
            hidden["hour"] = at.strftime("%H:%M")
        else:
            hidden["day"] = at.date().isoformat()
        if not open_at(at.replace(tzinfo=at.tzinfo or now.tzinfo)):  # "two hours later" past closing time
            refused = {"action": "reschedule", "error": "closed", "when_iso": nearest_slot(at).isoformat()}
            return {"visit": refused, "pending": "visit_hour"}
    output, messages = call_tool(toolkit.tools["reschedule_visit"], {"when": words}, hidden)
    update: dict[str, Any] = {"messages": messages, "visit": {"action": "reschedule", **output}}
    if output.get("missing"):
        update["pending"] = "visit_hour"
    elif "error" not in output:
        update["booking"] = output
    return update
