"""The consult node: understand the turn (model or rules), update preferences, resolve which car is meant."""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.messages import SystemMessage
from langgraph.runtime import Runtime

from graph.context import Context
from graph.messages import last_customer_text, recent_history
from graph.resources import get_chat_model, get_toolkit
from graph.state import TURN_KEYS, Preferences, State
from graph.understanding import Understanding, understand_offline
from tools.text import fold

log = logging.getLogger(__name__)

SLOT_KEYS = (
    "body_type",
    "min_price",
    "max_price",
    "min_year",
    "max_year",
    "max_km",
    "customer_name",
    "visit_when",
)


def consult(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Decide what the customer wants this turn and which car they mean; no tools are called here."""
    context = runtime.context or Context()
    update: dict[str, Any] = dict.fromkeys(TURN_KEYS)
    text = last_customer_text(state.get("messages", []))
    if not text.strip():
        update["notice"] = "empty"
        update["understanding"] = Understanding(language=state.get("language", "es")).model_dump()
        return update
    text = text[: context.max_message_chars]
    understanding = understand(text, state, context)
    if understanding.injection:
        update["notice"] = "injection"
    understanding = _continue_pending(understanding, state)
    preferences = merge_preferences(state.get("preferences") or {}, understanding, is_refinement(text))
    selected, missing = resolve_car(understanding, state)
    if missing:
        update["notice"] = "reference_missing"
    update.update(
        understanding=understanding.model_dump(),
        language=_language(understanding, text, state),
        preferences=preferences,
        selected=selected,
    )
    return update


def understand(text: str, state: State, context: Context) -> Understanding:
    """Intent and slots from the model when one is configured; the rules otherwise or when it fails."""
    rules = understand_offline(text, get_toolkit().catalog)
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
    # Manipulation detection is never weaker than the rules'.
    return result.model_copy(update={"injection": result.injection or rules.injection})


def _continue_pending(understanding: Understanding, state: State) -> Understanding:
    """A short answer to our own question ("el sábado a las 10", "el segundo") continues that request."""
    pending = state.get("pending")
    if pending is None or understanding.intent in ("finance", "schedule"):
        return understanding
    answers_when = pending == "schedule" and bool(understanding.visit_when or understanding.customer_name)
    names_car = bool(understanding.ordinal or understanding.refers_back or understanding.brand_text)
    new_search = any(getattr(understanding, key) is not None for key in ("body_type", "min_price", "max_price"))
    if answers_when or (names_car and not new_search):
        return understanding.model_copy(update={"intent": pending})
    return understanding


REFINEMENT = re.compile(r"^\W*(?:y|e|o|and|or|also|tambien|what about|how about|que tal|and in|y en)\b", re.I)


def is_refinement(text: str) -> bool:
    """ "¿y en SUV?", "and under 200k?": a follow-up that narrows the last search instead of starting over."""
    return bool(REFINEMENT.match(fold(text))) or len(text.split()) <= 2


def merge_preferences(
    known: Preferences | dict[str, Any], understanding: Understanding, refines: bool = False
) -> Preferences:
    """Known preferences refined by this turn's slots (make/model are set by the normalize node)."""
    merged: dict[str, Any] = dict(known)
    if understanding.body_type is not None and not understanding.brand_text and not refines:
        # A body type asked for afresh ("busco una camioneta") searches every make; "¿y en SUV?" refines.
        merged.pop("make", None)
        merged.pop("model", None)
    for key in SLOT_KEYS:
        value = getattr(understanding, key)
        if value is not None:
            merged[key] = value
    if understanding.max_price is not None and understanding.min_price is None:
        merged.pop("min_price", None)
    if understanding.min_price is not None and understanding.max_price is None:
        merged.pop("max_price", None)
    if understanding.down_payment is not None:
        merged["down_payment"] = understanding.down_payment
        merged.pop("down_payment_pct", None)
    elif understanding.down_payment_pct is not None:
        merged["down_payment_pct"] = understanding.down_payment_pct
        merged.pop("down_payment", None)
    return Preferences(**merged)  # type: ignore[typeddict-item]


def resolve_car(understanding: Understanding, state: State) -> tuple[dict[str, Any] | None, bool]:
    """The car this turn is about and whether a reference could not be resolved.

    An ordinal points into the last list; a model name picks that car from the list or the selected car;
    "ese"/"that one" keeps the selected car (or the only car shown). A model not shown yet returns None so
    the graph looks it up.
    """
    shown = state.get("shown") or []
    selected = state.get("selected")
    if understanding.ordinal is not None:
        index = understanding.ordinal - 1 if understanding.ordinal > 0 else len(shown) + understanding.ordinal
        if 0 <= index < len(shown):
            return shown[index], False
        return selected, True
    if understanding.brand_text:
        mention = fold(understanding.brand_text)
        candidates = ([selected] if selected else []) + list(shown)
        for car in candidates:
            if _mentions_model(mention, car):
                return car, False
        return None, False
    if understanding.refers_back or understanding.intent in ("finance", "schedule"):
        if selected:
            return selected, False
        if len(shown) == 1:
            return shown[0], False
    return selected, False


def _mentions_model(mention: str, car: dict[str, Any]) -> bool:
    model = fold(str(car.get("model", "")))
    compact_mention = mention.replace("-", "").replace(" ", "")
    return bool(model) and (model in mention or model.replace("-", "").replace(" ", "") in compact_mention)


def _language(understanding: Understanding, text: str, state: State) -> str:
    """The customer's language; very short messages ("ok", "sí", "48") keep the conversation's."""
    if len(text.split()) < 3 and state.get("language"):
        return state["language"]
    return understanding.language
