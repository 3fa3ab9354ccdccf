"""Run one customer turn through a compiled graph, atomically and at most once, and report it (`ask --json`).

Atomic: LangGraph saves the state reached so far when a node raises, even with `durability="exit"` (so that a
run can be resumed from the failed node). A customer turn is not resumed but retried from the message, so a
failed turn is undone: the thread's newest checkpoint becomes a copy of the one before the turn (LangGraph's own
`update_state(..., as_node="__copy__")`, the fork behind its time travel), or the thread is deleted if the
turn was its first. At most once: the customer's message is stored with an id derived from `turn_id` (e.g. the
inbound MessageSid), so a redelivered turn that was already committed returns its reply without running again.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import StateSnapshot

from graph.context import Context

log = logging.getLogger(__name__)
BOOKKEEPING_NODES = frozenset({"lead"})
"""Nodes that talk to no one and decide nothing: left out of a turn's route."""

MAX_INPUT_CHARS = 8000
"""Longer messages are cut before they reach the graph (WhatsApp itself caps bodies at 1,600)."""
TurnStatus = Literal["answered", "handed_off", "waiting_for_human"]
MESSAGE_ID_PREFIX = "turn-"
"""The customer's message of turn `t` is stored with id `turn-<t>`: the mark that turn `t` was committed."""


@dataclass
class TurnResult:
    """What one turn did: the reply, the nodes visited in order, and this turn's tool calls with outputs."""

    thread_id: str
    reply: str
    route: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: TurnStatus = "answered"
    """answered; handed_off (this turn passed the thread to a person); waiting_for_human (a person holds the
    thread: the agent stored the message and said nothing, or one waiting note)."""
    replayed: bool = False
    """True when the turn had been committed before: nothing ran (empty route), the stored reply is returned."""

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape of `kavak-agent ask --json`."""
        out = asdict(self)
        out.pop("replayed")
        return out


def run_turn(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    thread_id: str,
    text: str,
    context: Context | None = None,
    *,
    turn_id: str | None = None,
) -> TurnResult:
    """Send one customer message on `thread_id` and collect the route, tool calls and reply.

    `turn_id` names the turn (a fresh one when None); tool nodes read it from `config["configurable"]` to make
    their side effects idempotent. If the graph raises, the thread is left as it was and the error propagates.
    """
    turn_id = turn_id or uuid.uuid4().hex
    config: RunnableConfig = {"configurable": {"thread_id": thread_id, "turn_id": turn_id}}
    message_id = f"{MESSAGE_ID_PREFIX}{turn_id}"
    before = graph.get_state(config) if graph.checkpointer else None
    if before is not None:
        committed = _committed(thread_id, before.values.get("messages", []), message_id)
        if committed is not None:
            log.info("turn %s was already committed; returning its reply", turn_id)
            return committed
    message = HumanMessage(content=(text or "")[:MAX_INPUT_CHARS], id=message_id)
    result = TurnResult(thread_id=thread_id, reply="")
    calls: dict[str, dict[str, Any]] = {}
    # durability="exit": one checkpoint per turn, written when the turn ends (on success, or on error: undone below).
    stream = graph.stream(
        {"messages": [message]},
        config,
        context=context or Context(),
        stream_mode="updates",
        durability="exit",
    )
    try:
        for chunk in stream:
            for node, update in chunk.items():
                if node not in BOOKKEEPING_NODES:
                    result.route.append(node)
                for msg in (update or {}).get("messages", []):
                    _collect(msg, calls, result)
    except BaseException:
        if before is not None:
            _undo(graph, config, before)
        raise
    result.tool_calls = list(calls.values())
    if "hold" in result.route and "consult" not in result.route:
        result.status = "waiting_for_human"
    elif "handoff" in result.route and any(
        c["name"] == "request_human" and "error" not in (c["output"] or {}) for c in result.tool_calls
    ):
        result.status = "handed_off"
    return result


def _undo(graph: CompiledStateGraph[Any, Any, Any, Any], config: RunnableConfig, before: StateSnapshot) -> None:
    """Make the thread's state what it was before the failed turn (best effort: log, never mask the error)."""
    try:
        after = graph.get_state(config)
        head = _checkpoint_id(after.config)
        if head is None or head == _checkpoint_id(before.config):
            return  # nothing was saved
        if _checkpoint_id(after.parent_config) != _checkpoint_id(before.config):
            log.error("thread changed by another writer during a failed turn; not undone (head %s)", head)
            return
        if _checkpoint_id(before.config) is None:
            graph.checkpointer.delete_thread(config["configurable"]["thread_id"])  # type: ignore[union-attr]
        else:
            graph.update_state(before.config, None, as_node="__copy__")
    except Exception:
        log.exception("could not undo a failed turn; the thread keeps its partial state")


def _checkpoint_id(config: RunnableConfig | None) -> str | None:
    return ((config or {}).get("configurable") or {}).get("checkpoint_id")


def _committed(thread_id: str, messages: list[AnyMessage], message_id: str) -> TurnResult | None:
    """The stored result of the turn whose customer message has `message_id`, if it completed."""
    start = next((i for i, m in enumerate(messages) if m.id == message_id), None)
    if start is None:
        return None
    result = TurnResult(thread_id=thread_id, reply="", replayed=True)
    calls: dict[str, dict[str, Any]] = {}
    for msg in messages[start + 1 :]:
        if isinstance(msg, HumanMessage):
            break
        _collect(msg, calls, result)
    result.tool_calls = list(calls.values())
    return result


def _collect(msg: Any, calls: dict[str, dict[str, Any]], result: TurnResult) -> None:
    if isinstance(msg, AIMessage) and msg.tool_calls:
        for call in msg.tool_calls:
            calls[call["id"] or str(len(calls))] = {
                "name": call["name"],
                "args": call["args"],
                "output": None,
            }
    elif isinstance(msg, ToolMessage) and msg.tool_call_id in calls:
        try:
            calls[msg.tool_call_id]["output"] = json.loads(msg.content)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            calls[msg.tool_call_id]["output"] = msg.content
    elif isinstance(msg, AIMessage) and isinstance(msg.content, str):
        result.reply = msg.content
