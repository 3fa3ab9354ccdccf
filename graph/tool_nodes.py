"""Inventory and financing nodes: each calls its tool (recorded as tool_calls + ToolMessage) and stores the outcome.

normalize maps every car name of the turn; search runs the turn's planned searches (lists, one named car, cars to
compare); afford turns a monthly budget into a price ceiling; finance prices the car (or each car compared or
listed) at its inventory price.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage
from langgraph.runtime import Runtime

from graph.context import Context
from graph.messages import last_customer_text
from graph.references import by_version, matches_attributes, pick_by_order, tied_at_top
from graph.routing import after
from graph.state import State
from graph.tool_calls import call_tool
from tools.toolkit import Toolkit

RELAXABLE = ("min_price", "max_price", "min_year", "max_year", "max_km", "bluetooth", "car_play", "transmission",
             "min_seats", "all_wheel_drive")  # fmt: skip
SEARCH_LIMIT = 12
FEW_RESULTS = 3
COMPARE_PER_MODEL = 2
"""Cars of each model put side by side when several match ("Odyssey vs Avanza": both Odysseys)."""
NEAR_ABOVE = 0.10
"""How far over an "around" budget a car still counts as near it (10%)."""
"""Rows fetched per search: enough for the list of a reply, small enough to keep each turn light."""
Messages = list[AIMessage | ToolMessage]


def normalize(state: State, toolkit: Toolkit) -> dict[str, Any]:
    """Map each make/model the customer wrote onto the inventory's canonical names (normalize_brand)."""
    mentions = (state.get("understanding") or {}).get("brand_texts") or []
    messages: Messages = []
    brands = []
    for text in mentions:
        output, recorded = call_tool(toolkit.tools["normalize_brand"], {"text": text})
        messages += recorded
        brands.append(output)
    update: dict[str, Any] = {"messages": messages, "brands": brands, "agenda": after("normalize", state)}
    lookups = [dict(spec) for spec in state.get("lookups") or []]
    if len(brands) == 1 and brands[0].get("make") and all(spec.get("purpose") == "list" for spec in lookups):
        preferences = dict(state.get("preferences") or {})  # the named car becomes the search's make and model
        preferences["make"] = brands[0]["make"]
        if brands[0].get("model"):
            preferences["model"] = brands[0]["model"]
            understanding = state.get("understanding") or {}
            for key in ("body_type", "transmission"):  # "busco un Jetta" after "una SUV": the Jetta is the body
                if understanding.get(key) is None:
                    preferences.pop(key, None)
        else:
            preferences.pop("model", None)  # "las de BMW" keeps "camionetas"
        update["preferences"] = preferences
        if brands[0].get("model"):
            for spec in lookups:  # the model named decides the body type of this search too
                spec["filters"] = {k: v for k, v in spec["filters"].items() if k not in ("body_type", "transmission")
                                   or (state.get("understanding") or {}).get(k) is not None}  # fmt: skip
            update["lookups"] = lookups
    return update


def search(state: State, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Run the turn's searches: lists of cars, the exact car named, or the cars to compare."""
    context = runtime.context or Context()
    brands = state.get("brands") or []
    messages: Messages = []
    outcomes: list[dict[str, Any]] = []
    specs = list(state.get("lookups") or [])
    found_makes = {
        b.get("make") for s in specs if s.get("mention") is not None and s["mention"] < len(brands)
        for b in [brands[s["mention"]]] if b.get("model")
    }  # fmt: skip
    for spec in specs:
        filters = _filters(spec, brands, state)
        brand = brands[spec["mention"]] if spec.get("mention") is not None and spec["mention"] < len(brands) else {}
        if filters is None or (brand.get("requested_model") and brand.get("make") in found_makes and len(specs) > 1):
            outcomes.append({**spec, "skipped": True})  # "¿tiguan o taos?": the Taos is named as missing, no list
            continue
        same = [
            o
            for o in outcomes
            if not o.get("skipped") and o.get("filters") == filters and o.get("purpose") == spec.get("purpose")
        ]
        if same:
            outcomes.append({**spec, "skipped": True})  # "any Jeeps? a Wrangler would be the dream": one Jeep list
            continue
        seen = {c["stock_id"] for c in state.get("shown") or []}
        asked = [f for f in (state.get("understanding") or {}).get("asks_features") or [] if f in EQUIPMENT]
        outcome, recorded = _run(spec, filters, toolkit, context, seen, asked)
        if _near_above_wanted(outcome, state):
            recorded += _near_above(outcome, toolkit, context)
        messages += recorded
        outcomes.append(outcome)
    update: dict[str, Any] = {"messages": messages, "searches": outcomes, "agenda": after("search", state)}
    update.update(_selection(outcomes, state, context))
    return update


def _filters(spec: dict[str, Any], brands: list[dict[str, Any]], state: State) -> dict[str, Any] | None:
    """The spec's filters with the mention's make and model; None when the mention is not a make we stock."""
    filters = dict(spec.get("filters") or {})
    index = spec.get("mention")
    if index is None:
        return filters
    brand = brands[index] if index < len(brands) else {}
    if spec.get("or_similar") and (brand.get("requested_model") or not brand.get("make")):
        return {k: v for k, v in filters.items() if k not in ("make", "model")}  # not in stock: "or something" else
    if not brand.get("make"):
        return None
    filters["make"] = brand["make"]
    if brand.get("model"):
        filters["model"] = brand["model"]
    else:
        filters.pop("model", None)
    return filters


def _run(
    spec: dict[str, Any],
    filters: dict[str, Any],
    toolkit: Toolkit,
    context: Context,
    seen: set[int],
    asked: Sequence[str] = (),
) -> tuple[dict[str, Any], Messages]:
    """One planned search, relaxed once when nothing matches (the closest cars instead of nothing); with equipment
    asked about ("¿traen CarPlay?"), the cars further down that have it when none of those shown does."""
    tool = toolkit.tools["search_inventory"]
    exclude = set(spec.get("exclude") or [])
    limit = min(20, SEARCH_LIMIT + len(exclude))
    output, messages = call_tool(tool, {**filters, "sort": spec.get("sort", "price_asc"), "limit": limit})
    results = [c for c in output.get("results", []) if c["stock_id"] not in exclude]
    outcome: dict[str, Any] = {
        **spec,
        "filters": filters,
        "total": max(0, output.get("total", 0) - len(exclude)),
        "found": bool(results),
        "error": output.get("error"),
        "cars": results[: context.max_cars_in_reply],
    }
    if asked and spec.get("purpose") == "list":
        outcome["equipped"] = _equipped(outcome["cars"], results, list(asked))
    if spec.get("purpose") in ("lookup", "compare") and results:
        wanted = spec.get("filters") or {}
        exact = [c for c in results if matches_attributes(c, wanted)]
        outcome["cars"] = exact or results
    if not results and not output.get("error"):
        relaxed = _relaxed(filters, fresh=spec.get("fresh") or ())
        alternatives: list[dict[str, Any]] = []
        if relaxed != filters:
            more, recorded = call_tool(tool, {**relaxed, "sort": spec.get("sort", "price_asc"), "limit": SEARCH_LIMIT})
            messages += recorded
            alternatives = [c for c in more.get("results", []) if c["stock_id"] not in exclude]
        again = {c["stock_id"] for c in alternatives[: context.max_cars_in_reply]} <= seen
        if seen and alternatives and again and not spec.get("body_named"):  # "¿qué otra troca?": still pickups
            relaxed = _relaxed(filters, budget_first=True)  # the same cars again: keep the budget instead
            more, recorded = call_tool(tool, {**relaxed, "sort": spec.get("sort", "price_asc"), "limit": SEARCH_LIMIT})
            messages += recorded
            alternatives = [c for c in more.get("results", []) if c["stock_id"] not in exclude]
        if relaxed != filters:
            outcome.update(relaxed_filters=relaxed, alternatives=alternatives[: context.max_cars_in_reply])
            outcome["other_models"] = set(filters) - set(relaxed) <= {"make", "model"}
    return outcome, messages


EQUIPMENT = ("car_play", "bluetooth")
"""Equipment the records say; asked about a list ("¿traen CarPlay?"), the cars further down that have it are named."""


def _equipped(shown: list[dict[str, Any]], results: list[dict[str, Any]], asked: list[str]) -> list[dict[str, Any]]:
    """Up to two cars past the ones shown with the equipment asked, when none of those shown has it."""
    if any(c.get(f) for c in shown for f in asked):
        return []
    ids = {c["stock_id"] for c in shown}
    return [c for c in results if c["stock_id"] not in ids and all(c.get(f) for f in asked)][:2]


def single_superlative(lists: list[dict[str, Any]], state: State) -> bool:
    """ "the cheapest car you have", "el más nuevo": one search asked in an order, answered with the car on top."""
    u = state.get("understanding") or {}
    if len(lists) != 1 or not lists[0].get("cars") or lists[0].get("affordable") or u.get("sort_plural"):
        return False
    return lists[0].get("sort", "price_asc") != "price_asc" or bool(u.get("sort"))


def _near_above_wanted(outcome: dict[str, Any], state: State) -> bool:
    """An "around" budget ("alrededor de 250 mil") that finds only one or two cars also shows what is just above."""
    around = (state.get("preferences") or {}).get("around_price")
    filters = outcome.get("filters") or {}
    return bool(
        around and outcome.get("purpose") == "list" and outcome.get("found") and filters.get("max_price") == around
        and len(outcome.get("cars") or []) < FEW_RESULTS and not (outcome.get("stretch") or outcome.get("haggle"))
    )  # fmt: skip


def _near_above(outcome: dict[str, Any], toolkit: Toolkit, context: Context) -> Messages:
    """Cars priced up to NEAR_ABOVE over an "around" budget, listed apart as just above it."""
    filters = dict(outcome["filters"])
    ceiling = int(filters["max_price"])
    filters.update(min_price=ceiling + 1, max_price=int(ceiling * (1 + NEAR_ABOVE)))
    room = context.max_cars_in_reply - len(outcome["cars"])
    output, messages = call_tool(toolkit.tools["search_inventory"], {**filters, "sort": "price_asc", "limit": room})
    outcome["above"] = list(output.get("results") or [])[:room]
    return messages


def _relaxed(filters: dict[str, Any], budget_first: bool = False, fresh: Sequence[str] = ()) -> dict[str, Any]:
    """The closest search when nothing matches: the same make, model and body type at any price, year or mileage
    (the customer sees what that car costs); after a car was just found too expensive, the budget is kept instead
    and everything else gives way ("muy cara… ¿qué hay de 400?" shows what 400 buys, not the same car again); a
    requirement just added to a model the customer asked about earlier keeps the requirement and drops the model
    ("¿es estándar? lo quiero automático": automatics)."""
    if fresh and "make" in filters:
        relaxed = {k: v for k, v in filters.items() if k not in ("make", "model")}
        if relaxed.get("min_year") is not None and relaxed.get("min_year") == relaxed.get("max_year"):
            relaxed.pop("min_year")  # the year described that model
            relaxed.pop("max_year")
        return relaxed
    budget = {k: v for k, v in filters.items() if k in ("min_price", "max_price")}
    if budget_first and budget and budget != filters:
        return budget
    relaxed = {k: v for k, v in filters.items() if k not in RELAXABLE}
    if relaxed == filters and "model" in relaxed:
        relaxed.pop("model")
    return relaxed


def _selection(outcomes: list[dict[str, Any]], state: State, context: Context) -> dict[str, Any]:
    """What the customer can point at next ("el segundo"), and the car this turn is about."""
    update: dict[str, Any] = {}
    lists = [o for o in outcomes if o.get("purpose") == "list" and not o.get("skipped")]
    if lists:
        shown: list[dict[str, Any]] = []
        for outcome in lists:
            listed = outcome["cars"] + list(outcome.get("above") or []) + list(outcome.get("equipped") or [])
            shown += listed or outcome.get("alternatives") or []
            if outcome.get("stretch"):  # "¿y si estiro a 260?": what they saw is still on the table
                shown += [c for c in state.get("shown") or [] if c["stock_id"] not in {s["stock_id"] for s in shown}]
        update["shown"] = shown
        if len(lists) == 1:
            keep = ("filters", "sort", "total", "cars", "affordable")
            update["last_list"] = {k: lists[0][k] for k in keep if k in lists[0]}
        if single_superlative(lists, state):
            tied = tied_at_top(lists[0]["cars"], lists[0].get("sort", "price_asc"))
            update["shown"] = tied if len(tied) > 1 else shown  # "the newest": every car of the newest year
            update["selected"] = tied[0] if len(tied) == 1 else None
        else:
            update["selected"] = shown[0] if len(shown) == 1 else None
    lookups = [o for o in outcomes if o.get("purpose") == "lookup" and not o.get("skipped")]
    if lookups:
        cars = lookups[0]["cars"] if lookups[0]["found"] else []
        cars = by_version(cars, last_customer_text(state.get("messages") or []))  # "the Forte GT Line"
        sort = lookups[0].get("sort")
        if len(cars) == 1 or (cars and sort and sort != "price_asc"):
            update["selected"] = cars[0] if len(cars) == 1 else pick_by_order(cars, str(sort))
        else:
            update["selected"] = None
            choices = cars or lookups[0].get("alternatives") or []
            update["shown"] = choices[: context.max_cars_in_reply]
            update["pending"] = "which_car" if choices else state.get("pending")
    compared = [c for o in outcomes if o.get("purpose") == "compare" for c in (o.get("cars") or [])[:COMPARE_PER_MODEL]]
    if compared:
        update["shown"] = compared
        update["selected"] = None
    return update


def afford(state: State, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """The highest price a monthly budget reaches (max_price_for_payment); the search then looks under it."""
    context = runtime.context or Context()
    preferences = state.get("preferences") or {}
    args: dict[str, Any] = {
        "monthly_payment": preferences.get("monthly_payment"),
        "term_months": int(preferences.get("term_months") or context.default_term_months),
    }
    if preferences.get("down_payment") is not None:
        args["down_payment"] = preferences["down_payment"]
    elif preferences.get("down_payment_pct") is not None:
        args["down_payment_pct"] = preferences["down_payment_pct"]
    output, messages = call_tool(toolkit.tools["max_price_for_payment"], args)
    update: dict[str, Any] = {"messages": messages, "affordability": output, "agenda": after("afford", state)}
    if "error" not in output:
        ceiling = int(float(output["max_price"]))
        lookups = [dict(spec) for spec in state.get("lookups") or []]
        for spec in lookups:
            filters = dict(spec.get("filters") or {})
            filters["max_price"] = min(ceiling, int(filters.get("max_price") or ceiling))
            spec.update(filters=filters, purpose="list", affordable=True)
        update["lookups"] = lookups
    else:
        update["agenda"] = [s for s in update["agenda"] if s not in ("search", "finance")]
    return update


def finance(state: State, runtime: Runtime[Context], toolkit: Toolkit) -> dict[str, Any]:
    """Price a loan at each car's inventory price: the selected car, each car compared, or each car listed
    under a monthly budget (calculate_financing)."""
    context = runtime.context or Context()
    preferences: dict[str, Any] = dict(state.get("preferences") or {})
    understanding = state.get("understanding") or {}
    term = understanding.get("term_months") or preferences.get("term_months") or context.default_term_months
    cars = _cars_to_price(state)
    messages: Messages = []
    plans = []
    for car in cars:
        args: dict[str, Any] = {"price": car["price"], "term_months": int(term)}
        if understanding.get("min_down_payment") or (state.get("plan") or {}).get("minimum_down"):
            args["down_payment_pct"] = float(toolkit.terms.min_down_payment_pct)
        elif preferences.get("down_payment") is not None:
            args["down_payment"] = preferences["down_payment"]
        else:
            pct = preferences.get("down_payment_pct", toolkit.terms.down_payment_pct)
            args["down_payment_pct"] = int(pct) if float(pct).is_integer() else float(pct)
        if isinstance(args.get("down_payment_pct"), float) and args["down_payment_pct"].is_integer():
            args["down_payment_pct"] = int(args["down_payment_pct"])
        output, recorded = call_tool(toolkit.tools["calculate_financing"], args)
        messages += recorded
        plans.append({**output, "car": car})
    update: dict[str, Any] = {"messages": messages, "financing": plans, "preferences": preferences}
    if plans and all("error" not in p for p in plans):
        preferences["term_months"] = int(term)
    elif plans:
        preferences.pop("term_months", None)
        if any("down payment" in str(p.get("error")) for p in plans):
            update["pending"] = "finance"  # the reply asks "¿con cuánto de enganche?": "80 mil" answers it
    return {**update, "agenda": after("finance", state)}


def _cars_to_price(state: State) -> list[dict[str, Any]]:
    searches = state.get("searches") or []
    if any(s.get("purpose") == "compare" for s in searches) or any(s.get("affordable") for s in searches):
        return list(state.get("shown") or [])
    selected = state.get("selected")
    return [selected] if selected else []
