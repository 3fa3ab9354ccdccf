"""Run one customer turn through a compiled graph and report what happened (the `ask --json` shape)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph

from graph.context import Context

MAX_INPUT_CHARS = 8000
"""Longer messages are cut before they reach the graph (WhatsApp itself caps bodies at 1,600)."""


@dataclass
class TurnResult:
    """What one turn did: the reply, the nodes visited in order, and this turn's tool calls with outputs."""

    thread_id: str
    reply: str
    route: list[str] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape of `kavak-agent ask --json`."""
        return asdict(self)


def run_turn(
    graph: CompiledStateGraph[Any, Any, Any, Any], thread_id: str, text: str, context: Context | None = None
) -> TurnResult:
    """Send one customer message on `thread_id` and collect the route, tool calls and reply."""
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    message = HumanMessage(content=(text or "")[:MAX_INPUT_CHARS])
    result = TurnResult(thread_id=thread_id, reply="")
    calls: dict[str, dict[str, Any]] = {}
    # durability="exit": one checkpoint per turn, written when the turn completes. A turn is atomic: if it
    # fails half-way nothing is saved and the same message can simply be processed again.
    stream = graph.stream(
        {"messages": [message]},
        config,
        context=context or Context(),
        stream_mode="updates",
        durability="exit",
    )
    for chunk in stream:
        for node, update in chunk.items():
            result.route.append(node)
            for msg in (update or {}).get("messages", []):
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
