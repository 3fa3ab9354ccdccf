"""Pure routing functions: the graph's control flow, including the consultative guardrail.

A turn's work is its `agenda` (planned by consult); routers follow it, but only to the steps the conversation has
earned: an inventory tool needs a concrete request (a budget, a body type, a make or model, years or mileage,
equipment, an order, or a monthly budget), a payment or a visit needs a car. Everything else goes to `respond`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from graph.state import State, Step
from tools.inventory import FILTER_FIELDS

Node = Literal["respond", "handoff", "knowledge", "normalize", "afford", "search", "finance", "schedule", "visits"]
CONCRETE_CONSTRAINTS: tuple[str, ...] = FILTER_FIELDS
"""Preferences that make a request concrete enough to search (derived from the search filters)."""
SEARCH_STEPS = frozenset({"normalize", "afford", "search"})
CAR_STEPS = frozenset({"finance", "schedule"})


def has_concrete_constraint(preferences: Mapping[str, Any], understanding: Mapping[str, Any]) -> bool:
    """True when we know something to search by, or the turn names a car, an order or a monthly budget."""
    if any(preferences.get(key) not in (None, False) for key in (*CONCRETE_CONSTRAINTS, "monthly_payment")):
        return True
    return bool(understanding.get("brand_texts") or understanding.get("sort") or understanding.get("monthly_payment"))


def allowed(step: Step, state: State) -> bool:
    """Whether the conversation has earned this step (the guardrail)."""
    if state.get("notice"):
        return False
    if step in SEARCH_STEPS:
        return has_concrete_constraint(state.get("preferences") or {}, state.get("understanding") or {})
    if step in CAR_STEPS:
        return _has_car(step, state)
    return True


def _has_car(step: Step, state: State) -> bool:
    """A payment or a visit needs a car: the one selected, one a pending lookup may find, or (payments only) the
    cars compared or listed under a monthly budget."""
    if state.get("selected"):
        return True
    searches = state.get("searches") or []
    if not searches:
        return bool(state.get("lookups"))
    return step == "finance" and any(
        (o.get("purpose") == "compare" or o.get("affordable")) and o.get("cars") for o in searches
    )


def next_step(state: State) -> Node:
    """The first step of the agenda the guardrail allows, or respond."""
    for step in state.get("agenda") or []:
        if allowed(step, state):
            return step
    return "respond"


def route_start(state: State) -> Literal["hold", "consult"]:
    """A conversation handed to a person is held (the agent stays silent); any other goes to consult."""
    return "hold" if state.get("handoff") else "consult"


def route_after_consult(state: State) -> Node:
    """The consultative guardrail: only a concrete request reaches an inventory tool.

    Vague requests ("I need a car"), greetings, thanks, empty messages and manipulation attempts go straight to
    respond, which asks for budget and body type; questions about the dealer go to knowledge.
    """
    return next_step(state)


def route_after_tool(state: State) -> Node:
    """After a tool node, the next step of the agenda (each node removes its own step first)."""
    return next_step(state)


def after(step: Step, state: State) -> list[Step]:
    """The agenda once `step` is done (every step before it was skipped or done)."""
    agenda = list(state.get("agenda") or [])
    return agenda[agenda.index(step) + 1 :] if step in agenda else agenda
