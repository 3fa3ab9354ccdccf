"""Tool nodes: each calls one tool (recorded as tool_calls + ToolMessage) and stores what it learned."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.context import Context
from graph.resources import get_toolkit
from graph.state import State
from graph.tool_calls import call_tool

SEARCH_KEYS = ("make", "model", "body_type", "min_price", "max_price", "min_year", "max_year", "max_km")
RELAXABLE = ("min_price", "max_price", "min_year", "max_year", "max_km")
SEARCH_LIMIT = 12
"""Rows fetched per search: enough for five distinct models in the reply, small enough to keep each turn light."""


def normalize(state: State) -> dict[str, Any]:
    """Map the make/model the customer wrote onto the inventory's canonical names (normalize_brand)."""
    text = (state.get("understanding") or {}).get("brand_text")
    if not text:
        return {}
    output, messages = call_tool(get_toolkit().tools["normalize_brand"], {"text": text})
    preferences = dict(state.get("preferences") or {})
    if output.get("make"):
        if output["make"] != preferences.get("make") or output.get("model"):
            preferences.pop("model", None)
        preferences["make"] = output["make"]
        if output.get("model"):
            preferences["model"] = output["model"]
    return {"messages": messages, "brand": output, "preferences": preferences}


def search(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Search the inventory with the known preferences; if nothing matches, show the closest cars instead.

    When the customer named a car to finance or visit, only its make/model are searched and the cheapest
    match becomes the selected car.
    """
    preferences = state.get("preferences") or {}
    intent = (state.get("understanding") or {}).get("intent")
    looking_up = intent in ("finance", "schedule") and bool(preferences.get("model"))
    keys = ("make", "model") if looking_up else SEARCH_KEYS
    filters = {k: preferences[k] for k in keys if preferences.get(k) is not None}  # type: ignore[literal-required]
    tool = get_toolkit().tools["search_inventory"]
    output, messages = call_tool(tool, {**filters, "limit": SEARCH_LIMIT})
    results = output.get("results", [])
    # The reply needs counts, not the rows again: the rows live in the ToolMessage and in `shown`.
    outcome: dict[str, Any] = {"filters": filters, "total": output.get("total", 0), "found": bool(results)}
    alternatives: list[dict[str, Any]] = []
    if not results and not output.get("error"):
        relaxed = {k: v for k, v in filters.items() if k not in RELAXABLE}
        if relaxed == filters and "model" in relaxed:
            relaxed.pop("model")
        if relaxed != filters:
            relaxed_output, more = call_tool(tool, {**relaxed, "limit": SEARCH_LIMIT})
            messages += more
            alternatives = relaxed_output.get("results", [])
            outcome["relaxed_filters"] = relaxed
    update: dict[str, Any] = {"messages": messages, "search": outcome}
    context = runtime.context or Context()
    # Only what the reply will show can be referred to later ("the last one" = the last line the customer read).
    listed = distinct_models(results or alternatives)[: context.max_cars_in_reply]
    if looking_up:
        update["selected"] = results[0] if results else None
    else:
        update["shown"] = listed
        update["selected"] = listed[0] if len(listed) == 1 else None
    return update


def distinct_models(cars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cheapest car of each model, in the order given (cars arrive cheapest first)."""
    if len({(c["make"], c["model"]) for c in cars}) == 1:
        return list(cars)  # one model only: its units are the choice
    seen: set[tuple[str, str]] = set()
    out = []
    for car in cars:
        key = (car["make"], car["model"])
        if key in seen:
            continue
        seen.add(key)
        out.append(car)
    return out


def finance(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Price a loan for the selected car at its inventory price (calculate_financing)."""
    context = runtime.context or Context()
    car = state.get("selected") or {}
    understanding = state.get("understanding") or {}
    preferences: dict[str, Any] = dict(state.get("preferences") or {})
    term = understanding.get("term_months") or preferences.get("term_months") or context.default_term_months
    args: dict[str, Any] = {"price": car["price"], "term_months": int(term)}
    toolkit = get_toolkit()
    if preferences.get("down_payment") is not None:
        args["down_payment"] = preferences["down_payment"]
    else:
        pct = preferences.get("down_payment_pct", toolkit.default_down_payment_pct)
        args["down_payment_pct"] = int(pct) if float(pct).is_integer() else float(pct)
    output, messages = call_tool(toolkit.tools["calculate_financing"], args)
    if "error" in output:
        preferences.pop("term_months", None)
    else:
        preferences["term_months"] = int(term)
    return {"messages": messages, "financing": {**output, "car": car}, "preferences": preferences}


def schedule(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Book a visit to see the selected car (schedule_visit), stored with the conversation's thread."""
    car = state.get("selected") or {}
    preferences = state.get("preferences") or {}
    args = {
        "stock_id": car["stock_id"],
        "customer_name": preferences.get("customer_name"),
        "when": preferences.get("visit_when"),
    }
    thread_id = (config.get("configurable") or {}).get("thread_id")
    hidden = {"thread_id": thread_id, "request_key": (config.get("configurable") or {}).get("turn_id")}
    output, messages = call_tool(get_toolkit().tools["schedule_visit"], args, hidden)
    return {"messages": messages, "visit": output}
