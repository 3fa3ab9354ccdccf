"""The knowledge node: answer questions about the dealer from the knowledge base (search_knowledge), never
invent; say when a question is not covered and offer an advisor."""

from __future__ import annotations

from typing import Any

from graph.messages import last_customer_text
from graph.routing import after
from graph.state import State
from graph.tool_calls import call_tool
from tools.toolkit import Toolkit


def knowledge(state: State, toolkit: Toolkit) -> dict[str, Any]:
    """Retrieve the sections this turn asks about and keep their answers for the reply."""
    text = last_customer_text(state.get("messages", []))
    language = state.get("language", "es")
    topics = list((state.get("plan") or {}).get("topics") or [])
    messages: list[Any] = []
    answers = []
    for topic in topics or [None]:
        args = {"query": text[:500], "language": language, **({"topic": topic} if topic else {})}
        output, recorded = call_tool(toolkit.tools["search_knowledge"], args)
        messages += recorded
        passages = output.get("passages") or []
        if topic and passages:
            answers.append(passages[0])
    branches, place = toolkit.knowledge.branches_in(text)
    found: dict[str, Any] = {"answers": answers}
    if place is not None:
        found["place"] = place
        found["branches"] = [{"name": b.name, "city": b.city, "opens": b.opens, "closes": b.closes,
                              "hours_source": b.hours_source} for b in branches]  # fmt: skip
    return {"messages": messages, "knowledge": found, "agenda": after("knowledge", state)}
