"""Run a tool and record it in the conversation as an AIMessage with tool_calls plus its ToolMessage."""

from __future__ import annotations

import json
import uuid
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, StructuredTool
from langsmith.utils import tracing_is_enabled
from pydantic import BaseModel


def call_tool(
    tool: BaseTool, args: dict[str, Any], hidden: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[AIMessage | ToolMessage]]:
    """Invoke `tool`; return its output and the two messages that show the call in traces.

    Arguments are validated by the tool's own schema on both paths (traced: `tool.invoke`; untraced: the same
    schema, then the function without ~1 ms of run bookkeeping nobody records). `hidden` arguments (the thread,
    the clock...) reach the tool but not the record.
    """
    call_id = f"call_{uuid.uuid4().hex[:16]}"
    arguments = {**args, **(hidden or {})}
    schema = tool.args_schema
    if (
        isinstance(tool, StructuredTool)
        and tool.func is not None
        and isinstance(schema, type)
        and issubclass(schema, BaseModel)
        and not tracing_is_enabled()
    ):
        validated = schema.model_validate(arguments)
        output = tool.func(**{name: getattr(validated, name) for name in arguments})
    else:
        output = tool.invoke(arguments)
    request = AIMessage(content="", tool_calls=[{"name": tool.name, "args": args, "id": call_id}])
    result = ToolMessage(
        content=json.dumps(output, ensure_ascii=False, default=str), tool_call_id=call_id, name=tool.name
    )
    return output, [request, result]
