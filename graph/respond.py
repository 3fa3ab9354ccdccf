"""The respond node: the only node that talks to the customer."""

from __future__ import annotations

import json
import logging
from typing import Any

from langchain_core.messages import AIMessage, SystemMessage
from langgraph.runtime import Runtime

from graph.context import Context
from graph.grounding import customer_numbers, fact_stated, ungrounded_numbers
from graph.messages import last_customer_text, recent_history
from graph.replies import Reply, compose
from graph.resources import get_chat_model
from graph.state import State

log = logging.getLogger(__name__)

TEMPLATE_ONLY = frozenset({"notice", "handoff", "unknown"})
"""Replies never delegated to the model: manipulation attempts, empty messages, handoffs, and questions the
knowledge base cannot answer (a model would be tempted to answer them anyway)."""
FACT_KEYS = (
    "searches",
    "financing",
    "affordability",
    "visit",
    "knowledge",
    "brands",
    "notes",
    "selected",
    "preferences",
)
"""The state the model may draw facts from."""
GOAL = (
    "Answer what the customer asked, in order, using only FACTS and the reference reply; keep every number, name, "
    "date, duration, distance, percentage and booking number exactly, and every key fact of a knowledge answer; "
    "end with the reference's one question."
)


def respond(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the reply: the templates offline; the model's wording online, if every number in it is grounded."""
    context = runtime.context or Context()
    reply = compose(state, context.max_cars_in_reply, context.clock())
    draft = reply.text()
    text = draft
    model = get_chat_model(context)
    if model is not None and reply.kind not in TEMPLATE_ONLY and draft:
        text = _model_reply(model, reply, draft, state, context) or draft
    return {"messages": [AIMessage(content=text)]}


def facts_of(state: State) -> dict[str, Any]:
    """What the model may state: this turn's tool outputs and what the customer told us."""
    return {k: state.get(k) for k in FACT_KEYS if state.get(k)}


def _model_reply(model: Any, reply: Reply, draft: str, state: State, context: Context) -> str | None:
    """The model's reply, or None when it fails, times out, returns nothing or invents a number."""
    facts = facts_of(state)
    instructions = context.reply_prompt.format(
        goal=GOAL, facts=json.dumps(facts, ensure_ascii=False, default=str)[:12000], draft=draft
    )
    system = context.system_prompt.format(
        language="English" if state.get("language") == "en" else "Spanish",
        register="formal (usted)" if state.get("formal") else "informal (tú)",
    )
    history = recent_history(state.get("messages", []), context.history_messages)
    try:
        answer = model.invoke([SystemMessage(system), *history, SystemMessage(instructions)])
    except Exception as exc:
        log.warning("model reply failed, using template: %s", type(exc).__name__)
        return None
    text = (answer.content if isinstance(answer.content, str) else "").strip()
    if not text:
        return None
    said = last_customer_text(state.get("messages", []))
    invented = ungrounded_numbers(text, [facts, draft, said, customer_numbers(said)])
    if invented:
        log.warning("model reply has numbers no tool produced %s, using template", sorted(invented))
        return None
    dropped = [fact for fact in key_facts(state) if fact_stated(draft, fact) and not fact_stated(text, fact)]
    if dropped:
        log.warning("model reply leaves out the key facts %s, using template", dropped)
        return None
    return text


def key_facts(state: State) -> list[str]:
    """The key facts of this turn's knowledge answers ("3 meses", "1 año"): a reply that answers must state them."""
    answers = (state.get("knowledge") or {}).get("answers") or []
    return [str(fact) for answer in answers for fact in answer.get("facts") or []]
