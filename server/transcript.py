"""A thread's conversation as the web chat shows it: customer and agent messages, each reply with its tool calls."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage


def transcript(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """`[{"role": "user"|"agent", "text", "tool_calls"}]` in order; tool calls go with the reply that follows them."""
    out: list[dict[str, Any]] = []
    calls: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, HumanMessage):
            out.append({"role": "user", "text": _text(message), "tool_calls": []})
        elif isinstance(message, AIMessage) and message.tool_calls:
            for call in message.tool_calls:
                calls[call["id"] or str(len(calls))] = {"name": call["name"], "args": call["args"], "output": None}
        elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
            calls[message.tool_call_id]["output"] = _output(message)
        elif isinstance(message, AIMessage) and _text(message):
            out.append({"role": "agent", "text": _text(message), "tool_calls": list(calls.values())})
            calls = {}
    return out


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.text)


def _output(message: ToolMessage) -> Any:
    try:
        return json.loads(message.content)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return message.content
