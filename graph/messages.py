"""Reading the conversation: the customer's latest text and the chat history a model sees."""

from __future__ import annotations

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage


def last_customer_text(messages: list[AnyMessage]) -> str:
    """Text of the newest human message ("" when there is none or it has no text)."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            content = message.content
            if isinstance(content, str):
                return content
            return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def recent_history(messages: list[AnyMessage], limit: int) -> list[BaseMessage]:
    """The last `limit` customer and agent messages, without tool-call bookkeeping."""
    chat = [m for m in messages if isinstance(m, HumanMessage) or (isinstance(m, AIMessage) and not m.tool_calls)]
    return list(chat[-limit:])
