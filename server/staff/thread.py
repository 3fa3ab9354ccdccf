"""A conversation thread as staff see and touch it: transcript, the 24-hour window, staff messages, hand-back.

Staff messages are written into the thread as `AIMessage(name="staff")` so the agent has them as context later;
the message id comes from the staff reply's id, so writing it again replaces it instead of doubling it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from tools.handoffs import Handoffs

STAFF_NAME = "staff"
"""`name` of the AI messages a person writes into the thread."""
WINDOW = timedelta(hours=24)
"""WhatsApp delivers free-form business messages only this long after the customer's last message."""
WINDOW_MARGIN = timedelta(minutes=5)
"""The window is taken to close a little early: the time we know is when the turn ran, not when Twilio got it."""
HISTORY_LIMIT = 80
"""Checkpoints read back to date the messages (older messages are shown without a time)."""
Role = Literal["customer", "agent", "staff"]


@dataclass
class Entry:
    """One message of the transcript, with the tool calls the agent made before it."""

    role: Role
    text: str
    at: datetime | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def messages_of(graph: Any, thread_id: str) -> list[BaseMessage]:
    """The thread's messages (empty for a thread the agent never saw)."""
    return list(graph.get_state(_config(thread_id)).values.get("messages", []))


def message_times(graph: Any, thread_id: str, limit: int = HISTORY_LIMIT) -> dict[str, datetime]:
    """When each message first appeared in the thread: the time of the oldest checkpoint that holds it."""
    first_seen: dict[str, datetime] = {}
    oldest_ids: set[str] = set()
    complete = True
    snapshots = list(graph.get_state_history(_config(thread_id), limit=limit + 1))
    if len(snapshots) > limit:
        snapshots, complete = snapshots[:limit], False
    for snapshot in snapshots:  # newest first: later (older) snapshots overwrite
        if not snapshot.created_at:
            continue
        at = datetime.fromisoformat(snapshot.created_at)
        oldest_ids = {i for i in map(_message_id, snapshot.values.get("messages", [])) if i}
        for message_id in oldest_ids:
            first_seen[message_id] = at
    if not complete:  # messages already in the oldest snapshot we read may be older still
        for message_id in oldest_ids:
            first_seen.pop(message_id, None)
    return first_seen


def transcript(graph: Any, thread_id: str) -> list[Entry]:
    """Customer, agent and staff messages in order; each agent reply carries the tool calls made for it."""
    times = message_times(graph, thread_id)
    out: list[Entry] = []
    calls: dict[str, dict[str, Any]] = {}
    for message in messages_of(graph, thread_id):
        at = times.get(message.id or "")
        if isinstance(message, HumanMessage):
            out.append(Entry("customer", _text(message), at))
        elif isinstance(message, AIMessage) and message.tool_calls:
            for call in message.tool_calls:
                calls[call["id"] or str(len(calls))] = {"name": call["name"], "args": call["args"], "output": None}
        elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
            calls[message.tool_call_id]["output"] = _output(message)
        elif isinstance(message, AIMessage) and _text(message):
            role: Role = "staff" if message.name == STAFF_NAME else "agent"
            out.append(Entry(role, _text(message), at, list(calls.values())))
            calls = {}
    return out


def last_customer_at(graph: Any, thread_id: str) -> datetime | None:
    """When the customer's latest message reached the thread, or None if they never wrote."""
    last = next((m for m in reversed(messages_of(graph, thread_id)) if isinstance(m, HumanMessage)), None)
    if last is None or not last.id:
        return None
    when: datetime | None = None
    for snapshot in graph.get_state_history(_config(thread_id), limit=HISTORY_LIMIT):
        if not any(_message_id(m) == last.id for m in snapshot.values.get("messages", [])):
            break
        if snapshot.created_at:
            when = datetime.fromisoformat(snapshot.created_at)
    return when


def window_closes_at(last_customer: datetime | None) -> datetime | None:
    """When free-form messages stop being delivered (None: the customer never wrote, so the window is closed)."""
    return last_customer + WINDOW - WINDOW_MARGIN if last_customer else None


def append_staff_message(graph: Any, thread_id: str, text: str, message_id: str) -> None:
    """Write a staff message into the thread, as if the reply node had said it (idempotent per `message_id`)."""
    message = AIMessage(content=text, name=STAFF_NAME, id=f"staff-{message_id}")
    graph.update_state(_config(thread_id), {"messages": [message]}, as_node="respond")


def return_to_agent(graph: Any, handoffs: Handoffs, thread_id: str, by: str) -> bool:
    """Close the thread's handoff so the agent answers the next message; False when none was active."""
    try:
        from graph.handoff import release  # the graph's own hand-back clears its state too
    except ImportError:
        return handoffs.release(thread_id, by) is not None
    from graph.resources import get_toolkit

    return bool(release(graph, get_toolkit(), thread_id, by))


@contextmanager
def turn_lock(store: Any, thread_id: str, ttl_s: float, wait_s: float = 30.0) -> Iterator[None]:
    """Hold the thread's turn lock (the worker's), so a staff write never races a customer's turn."""
    locks = getattr(store, "locks", None)
    if locks is not None:
        with locks.hold(thread_id, ttl_s, wait_s):
            yield
        return
    deadline = time.monotonic() + wait_s
    while (token := store.acquire(thread_id, ttl_s)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the conversation is busy; try again in a moment")
        time.sleep(0.05)
    try:
        yield
    finally:
        store.release(thread_id, token)


def _message_id(message: Any) -> str | None:
    """A message's id; older checkpoints of some savers (Redis) hold messages in their serialized form."""
    if isinstance(message, dict):  # {"lc": 1, "id": [class path], "kwargs": {"id": ..., ...}} or a plain dict
        found = (message.get("kwargs") or message).get("id")
        return found if isinstance(found, str) else None
    return getattr(message, "id", None)


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.text)


def _output(message: ToolMessage) -> Any:
    try:
        return json.loads(message.content)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return message.content
