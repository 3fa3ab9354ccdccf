"""Run a tool and record it in the conversation as an AIMessage with tool_calls plus its ToolMessage."""

from __future__ import annotations

import json
import uuid
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool
from langsmith.utils import tracing_is_enabled


def call_tool(
    tool: BaseTool, args: dict[str, Any], hidden: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[AIMessage | ToolMessage]]:
    """Invoke `tool`; return its output and the two messages that show the call in traces.

    `hidden` arguments (e.g. the thread id, which may be a phone number) reach the tool but not the record.
    """
    call_id = f"call_{uuid.uuid4().hex[:16]}"
    arguments = {**args, **(hidden or {})}
    if isinstance(tool, StructuredTool) and tool.func is not None and not tracing_is_enabled():
        output = tool.func(**arguments)  # same function, without ~1 ms of run bookkeeping nobody records
    else:
        output = tool.invoke(arguments)  # traced: the tool shows up as its own run in LangSmith
    request = AIMessage(content="", tool_calls=[{"name": tool.name, "args": args, "id": call_id}])
    result = ToolMessage(
        content=json.dumps(output, ensure_ascii=False, default=str), tool_call_id=call_id, name=tool.name
    )
    return output, [request, result]
