"""The respond node: the only node that talks to the customer."""

from __future__ import annotations

import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, SystemMessage
from langgraph.runtime import Runtime

from graph.context import Context
from graph.grounding import ungrounded_numbers
from graph.messages import last_customer_text, recent_history
from graph.replies import GOALS, ReplyPlan, plan_reply, render
from graph.resources import get_chat_model
from graph.state import State

log = logging.getLogger(__name__)

TEMPLATE_ONLY = frozenset({"injection", "empty"})
"""Replies never delegated to the model: manipulation attempts and empty messages."""


def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the reply: a template offline; the model's wording online, if every number in it is grounded."""
    context = runtime.context or Context()
    plan = plan_reply(state)
    language = state.get("language", "es")
    draft = render(plan, language, context.max_cars_in_reply)
    reply = draft
    model = get_chat_model(context)
    if model is not None and plan.kind not in TEMPLATE_ONLY:
        reply = _model_reply(model, plan, draft, state, context) or draft
    return {"messages": [AIMessage(content=reply)], "pending": plan.pending}


def _model_reply(model: Any, plan: ReplyPlan, draft: str, state: State, context: Context) -> str | None:
    """The model's reply, or None when it fails, times out, returns nothing or invents a number."""
    facts = {**plan.facts, "preferences": state.get("preferences") or {}}
    instructions = context.reply_prompt.format(
        goal=GOALS.get(plan.kind, ""), facts=json.dumps(facts, ensure_ascii=False, default=str), draft=draft
    )
    system = context.system_prompt.format(language="English" if state.get("language") == "en" else "Spanish")
    history = recent_history(state.get("messages", []), context.history_messages)
    try:
        answer = model.invoke([SystemMessage(system), *history, SystemMessage(instructions)])
    except Exception as exc:
        log.warning("model reply failed, using template: %s", type(exc).__name__)
        return None
    text = answer.content if isinstance(answer.content, str) else ""
    text = text.strip()
    if not text:
        return None
    invented = ungrounded_numbers(text, [facts, draft, last_customer_text(state.get("messages", []))])
    if invented:
        log.warning("model reply has numbers no tool produced %s, using template", sorted(invented))
        return None
    return text
