"""Pure routing functions: the graph's control flow, including the consultative guardrail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from graph.state import State

CONCRETE_CONSTRAINTS = ("max_price", "min_price", "body_type", "make", "model")
"""Preferences that make a request concrete enough to search (budget, body type, make or model)."""
SEARCH_SLOTS = ("brand_text", "body_type", "min_price", "max_price", "min_year", "max_year", "max_km")
"""Slots that, said in a turn, ask for a (new) search."""


def has_concrete_constraint(preferences: Mapping[str, Any], understanding: Mapping[str, Any]) -> bool:
    """True when we know a budget, a body type, or a make/model (known or mentioned this turn)."""
    if any(preferences.get(key) is not None for key in CONCRETE_CONSTRAINTS):
        return True
    return bool(understanding.get("brand_text"))


def route_after_consult(state: State) -> Literal["respond", "normalize", "finance", "schedule"]:
    """The consultative guardrail: only a concrete request reaches a tool node.

    Vague requests ("I need a car"), greetings, thanks, empty messages and manipulation attempts go straight
    to respond, which asks for budget and body type. Financing and visits need a car: the one already
    selected, or one named now (looked up through normalize → search first).
    """
    understanding = state.get("understanding") or {}
    if state.get("notice"):
        return "respond"
    intent = understanding.get("intent")
    if intent in ("finance", "schedule"):
        if state.get("selected"):
            return "finance" if intent == "finance" else _schedule_when_known(state)
        return "normalize" if understanding.get("brand_text") else "respond"
    if intent != "search":
        return "respond"
    if _picks_from_list(state, understanding):
        return "respond"
    if not has_concrete_constraint(state.get("preferences") or {}, understanding):
        return "respond"
    return "normalize"


def _picks_from_list(state: State, understanding: Mapping[str, Any]) -> bool:
    """ "me interesa el tercero": a car chosen from the last list, with nothing new to search for."""
    chose = understanding.get("ordinal") is not None or understanding.get("refers_back")
    return bool(chose and state.get("selected")) and not any(understanding.get(k) for k in SEARCH_SLOTS)


def route_after_normalize(state: State) -> Literal["search", "respond"]:
    """Search only when the brand (if any was mentioned) is one we stock; never force a wrong brand."""
    brand = state.get("brand")
    if brand is not None and brand.get("make") is None:
        return "respond"
    return "search"


def route_after_search(state: State) -> Literal["finance", "schedule", "respond"]:
    """After looking a named car up for a payment or a visit, continue to that tool once the car is known."""
    intent = (state.get("understanding") or {}).get("intent")
    if state.get("selected") and intent == "finance":
        return "finance"
    if state.get("selected") and intent == "schedule":
        return _schedule_when_known(state)
    return "respond"


def _schedule_when_known(state: State) -> Literal["schedule", "respond"]:
    """A visit is booked once we know when; until then respond asks for the day and time."""
    return "schedule" if (state.get("preferences") or {}).get("visit_when") else "respond"
