"""What the customer wants, across turns: each turn's slots refine the preferences known so far.

A follow-up ("¿y en SUV?", "and under 200k?") narrows the last search; a fresh request ("busco una camioneta")
starts over on what it names. Make and model are set by the normalize node (the catalog's canonical names).
"""

from __future__ import annotations

import re
from typing import Any

from graph.state import Preferences, State
from graph.understanding import Understanding
from tools.text import fold

CARRIED_SLOTS = (
    "body_type",
    "min_price",
    "max_price",
    "min_year",
    "max_year",
    "max_km",
    "transmission",
    "term_months",
    "monthly_payment",
    "min_seats",
)
"""Slots that, once said, stay until the customer changes them."""
REFINEMENT = re.compile(
    r"^\W*(?:(?:nel|no|nah|nope|ok|va|ah|oh|pues|bueno|hmm+|mm+)\W+)?"  # "nel, mejor sedán": the same car, another body
    r"(?:y|e|o|and|or|also|tambien|what about|how about|que tal|and in|y en|mejor)\b",
    re.I,
)
ANY_MAKE = re.compile(
    r"\b(?:olvida|olvidate\s+de|forget(?:\s+about)?|cualquier\s+marca|de\s+cualquier\s+marca|any\s+(?:brand|make)|"
    r"otra\s+marca|another\s+(?:brand|make)|cualquier(?:a)?\s+(?:hatch|sedan|suv|camioneta|auto|carro|pickup|troca))\b"
)
SAME_MAKE = re.compile(r"\b(?:misma\s+marca|mismo\s+fabricante|same\s+(?:brand|make))\b")
CURRENT_YEAR_FLOOR = 1990


def is_refinement(text: str) -> bool:
    """ "¿y en SUV?", "and under 200k?": a follow-up that narrows the last search instead of starting over."""
    return bool(REFINEMENT.match(fold(text))) or len(text.split()) <= 2


def merge_preferences(
    known: Preferences | dict[str, Any], understanding: Understanding, text: str, state: State
) -> Preferences:
    """Known preferences refined by this turn's slots."""
    merged: dict[str, Any] = dict(known)
    refines = is_refinement(text)
    u = understanding
    something_else = re.search(r"\b(?:algo|something|anything|otra\s+cosa)\b", fold(text))
    new_terms = u.sort or u.max_price is not None or u.body_type
    if (ANY_MAKE.search(fold(text)) or (something_else and new_terms)) and not u.brand_texts:
        merged.pop("make", None)  # "olvida Kia, enséñame cualquier hatch": every make
        merged.pop("model", None)
    if u.body_type is not None and not u.brand_texts and not refines and not SAME_MAKE.search(fold(text)):
        merged.pop("make", None)  # a body type asked for afresh searches every make; "¿y en SUV?" refines
        merged.pop("model", None)
        if merged.get("min_year") is not None and merged.get("min_year") == merged.get("max_year"):
            merged.pop("min_year")  # "la CR-V 2017" described that car; other SUVs can be any year
            merged.pop("max_year")
    for key in CARRIED_SLOTS:
        value = getattr(u, key)
        if value is not None and not (key == "transmission" and "transmission" in u.asks_features):
            merged[key] = value  # "¿y es automático?" asks about a car; it narrows nothing
    _budget(merged, u, state)
    for flag in u.features:
        merged[flag] = True
    if u.all_wheel_drive and not u.asks_features:
        merged["all_wheel_drive"] = True  # "busco una 4x4"
    if u.cash:
        merged["cash"] = True
    if u.customer_name:
        merged["customer_name"] = u.customer_name
    if u.down_payment is not None:
        merged["down_payment"] = u.down_payment
        merged.pop("down_payment_pct", None)
    elif u.down_payment_pct is not None:
        merged["down_payment_pct"] = u.down_payment_pct
        merged.pop("down_payment", None)
    return Preferences(**merged)  # type: ignore[typeddict-item]


def _budget(merged: dict[str, Any], u: Understanding, state: State) -> None:
    """Price bounds: a new maximum drops an old minimum (and the other way round); "around" is kept as said."""
    if u.around_price is not None:
        merged["around_price"] = u.around_price
    elif u.max_price is not None or u.min_price is not None:
        merged.pop("around_price", None)
    if u.max_price is not None and u.min_price is None:
        merged.pop("min_price", None)
    if u.min_price is not None and u.max_price is None:
        merged.pop("max_price", None)
    if u.course == "cheaper" and u.max_price is None:
        cheapest = _cheapest_discussed(state)
        if cheapest is not None:  # "se sale de mi presupuesto": under the cheapest car they just saw
            known = merged.get("max_price")
            merged["max_price"] = min(cheapest - 1, int(known)) if known else cheapest - 1  # "same budget" stays
            merged.pop("min_price", None)
            merged.pop("around_price", None)


def _cheapest_discussed(state: State) -> int | None:
    cars = list(state.get("shown") or []) + ([state["selected"]] if state.get("selected") else [])
    prices = [int(c["price"]) for c in cars if c and c.get("price")]
    return min(prices) if prices else None
