"""The consult node: understand the turn, update what we know, decide which car is meant and plan the turn's work.

No tool is called here. The plan (`agenda`) lists the tool nodes this turn needs, in order; routing follows it,
and the consultative guardrail (`graph.routing`) keeps vague turns away from every inventory tool.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import SystemMessage
from langgraph.runtime import Runtime

from graph.context import Context
from graph.messages import last_customer_text, recent_history
from graph.planning import plan_turn
from graph.preferences import merge_preferences
from graph.resources import get_chat_model
from graph.state import TURN_DEFAULTS, State
from graph.topics import detect_topics
from graph.understanding import Understanding, understand_offline
from graph.understanding.language import language_markers
from tools.text import fold
from tools.toolkit import Toolkit

log = logging.getLogger(__name__)
LANGUAGE_MIN_WORDS = 3
"""Shorter messages ("ok", "sí", "48") keep the conversation's language."""


def consult(state: State, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Decide what the customer wants this turn, which car they mean, and what work the turn needs."""
    context = runtime.context or Context()
    update: dict[str, Any] = dict(TURN_DEFAULTS)
    text = last_customer_text(state.get("messages", []))
    if not text.strip():
        update["notice"] = "empty"
        update["understanding"] = Understanding(language=state.get("language", "es")).model_dump()
        return update
    text = text[: context.max_message_chars]
    understanding = understand(text, state, context, toolkit)
    update["understanding"] = understanding.model_dump()
    update["language"] = _language(understanding, text, state)
    update["formal"] = bool(state.get("formal")) or understanding.formal
    if understanding.injection:
        update["notice"] = "injection"
        return update
    preferences = merge_preferences(state.get("preferences") or {}, understanding, text, state)
    update.update(plan_turn(understanding, text, state, context, toolkit.terms, dict(preferences)))
    update.setdefault("preferences", preferences)
    return update


def understand(text: str, state: State, context: Context, toolkit: Toolkit) -> Understanding:
    """Intent and slots from the model when one is configured; the offline parser otherwise or when it fails."""
    discussed = [*(state.get("shown") or []), *([state["selected"]] if state.get("selected") else [])]
    names = dict.fromkeys(str(c.get(k, "")) for c in discussed if c for k in ("model", "make"))  # "de la honda cuál..."
    rules = understand_offline(text, toolkit.catalog, tuple(n for n in names if n))
    rules = rules.model_copy(update={"topics": detect_topics(text, rules, state, toolkit.knowledge)})
    model = get_chat_model(context)
    if model is None:
        return rules
    try:
        structured = model.with_structured_output(Understanding)
        history = recent_history(state.get("messages", []), context.history_messages)
        result = structured.invoke([SystemMessage(context.understanding_prompt), *history])
        if not isinstance(result, Understanding):
            result = Understanding.model_validate(result)
    except Exception as exc:  # timeouts, HTTP errors, malformed output: the rules answer instead
        log.warning("model understanding failed, using rules: %s", type(exc).__name__)
        return rules
    # Manipulation detection is never weaker than the rules', and the rules' exact numbers are kept when the
    # model missed them (a model may drop "400" meaning $400,000).
    known = set(toolkit.knowledge.ids) | {"unknown"}
    return result.model_copy(
        update={
            "injection": result.injection or rules.injection,
            "topics": [t for t in result.topics if t in known] or rules.topics,
        }
    )


def _language(understanding: Understanding, text: str, state: State) -> str:
    """The customer's language; very short messages keep the conversation's."""
    if len(re.findall(r"\w+", text)) < LANGUAGE_MIN_WORDS and state.get("language"):
        return state["language"]
    if state.get("language") and not language_markers(fold(text)):
        return state["language"]  # "Dana Whitfield-Osei", "Hyundai Creta 2021": no word of either language
    return understanding.language
