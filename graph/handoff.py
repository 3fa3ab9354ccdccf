"""Handing a conversation to a person, and back.

The `handoff` node records the request (request_human) and sets the thread's `handoff` state; from then on every
customer message goes to `hold`, which stores it (it is in the thread for staff to read) and answers nothing, except
one polite note when nobody has taken the conversation for a while. `release(graph, thread_id)` — the staff action —
closes the record and clears the state, so the agent answers the next message. Studio shows all of it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from graph.context import Context
from graph.messages import last_customer_text
from graph.routing import after
from graph.state import State
from graph.tool_calls import call_tool
from graph.visit_planning import CLOSE_HOUR, OPEN_HOUR
from prompts.replies import phrase
from tools.handoffs import Handoff
from tools.toolkit import Toolkit

STAFF_NAME = "staff"
"""`name` of the AI messages a person writes into the thread (the agent reads them as context)."""


def summary_of(state: State) -> dict[str, Any]:
    """What the person taking over needs: name, car, budget, last payment, booking, the customer's last words."""
    preferences = state.get("preferences") or {}
    car = state.get("selected") or {}
    financing = (state.get("financing") or [{}])[-1] or _last_quote(state.get("messages", []))
    summary: dict[str, Any] = {"text": last_customer_text(state.get("messages", []))[:300]}
    if preferences.get("customer_name"):
        summary["name"] = preferences["customer_name"]
    if car:
        summary["car"] = " ".join(str(car[k]) for k in ("make", "model", "year") if car.get(k))
    if preferences.get("max_price"):
        summary["budget"] = preferences["max_price"]
    if financing.get("monthly_payment"):
        summary["payment"] = f"{financing['monthly_payment']} x {financing.get('term_months')}"
    if state.get("booking"):
        summary["visit"] = (state.get("booking") or {}).get("visit_id")
    return summary


def _last_quote(messages: list[Any]) -> dict[str, Any]:
    """The last payment quoted in the conversation (a turn before this one), from its calculate_financing result."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.name == "calculate_financing":
            try:
                output = json.loads(str(message.content))
            except ValueError:
                continue
            if isinstance(output, dict) and "error" not in output:
                return output
    return {}


def handoff(state: State, config: RunnableConfig, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Ask for a person (request_human) and hold the thread for them."""
    context = runtime.context or Context()
    reason = (state.get("plan") or {}).get("handoff_reason") or "customer_request"
    summary = summary_of(state)
    hidden = {"thread_id": str((config.get("configurable") or {}).get("thread_id") or ""), "details": summary}
    output, messages = call_tool(toolkit.tools["request_human"], {"reason": reason, "summary": summary["text"]}, hidden)
    update: dict[str, Any] = {"messages": messages, "agenda": after("handoff", state)}
    if "error" not in output:
        update["handoff"] = {"id": output["handoff_id"], "reason": reason, "since": context.clock().isoformat()}
    return update


def outside_hours(moment: datetime) -> bool:
    """Whether advisors are off now (general opening hours)."""
    return not OPEN_HOUR <= moment.time() < CLOSE_HOUR


def hold(
    state: State, config: RunnableConfig, runtime: Runtime[Context], toolkit: Toolkit
) -> Command[Literal["consult", "__end__"]]:
    """A handed-off thread: keep the message for staff and stay silent; back to the agent once released."""
    context = runtime.context or Context()
    thread_id = str((config.get("configurable") or {}).get("thread_id") or "")
    record = toolkit.handoffs.current(thread_id) if toolkit.handoffs else None
    if record is None:  # released by staff (through the records) while the state still held it
        return Command(goto="consult", update={"handoff": None})
    if _note_due(record, state, context):
        assert toolkit.handoffs is not None
        toolkit.handoffs.mark_waiting_note_sent(record.handoff_id, context.clock())
        note = phrase("handoff_waiting", state.get("language", "es"), bool(state.get("formal")))
        return Command(goto="__end__", update={"messages": [AIMessage(content=note)]})
    return Command(goto="__end__")


def _note_due(record: Handoff, state: State, context: Context) -> bool:
    """One note, only while nobody has taken the conversation and after the configured wait."""
    if record.status != "open" or record.waiting_note_sent_at is not None:
        return False
    since = (state.get("handoff") or {}).get("since")
    start = datetime.fromisoformat(since) if since else record.created_at
    return context.clock() - start >= timedelta(minutes=context.handoff_note_after_minutes)


def release(
    graph: CompiledStateGraph[Any, Any, Any, Any], toolkit: Toolkit, thread_id: str, by: str | None = None
) -> bool:
    """Give the thread back to the agent (the staff's "return to the agent"); False when it was not handed off."""
    record = toolkit.handoffs.release(thread_id, by) if toolkit.handoffs else None
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    held = bool(graph.get_state(config).values.get("handoff"))
    if held:
        graph.update_state(config, {"handoff": None}, as_node="respond")
    return bool(record) or held


def handoffs(toolkit: Toolkit, status: str | None = None) -> list[Handoff]:
    """The handoff records (oldest waiting first), for the staff side."""
    return toolkit.handoffs.list(status) if toolkit.handoffs else []  # type: ignore[arg-type]
