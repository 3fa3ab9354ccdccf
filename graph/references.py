"""Which car a message is about: a position in the last list, "ese", a model name, a year or mileage, a superlative.

Pure functions over the conversation state: they never search. When the car named is not among the cars shown
("la Captur 2019" before any list), they return a lookup for the search node, which finds exactly that car or
asks which one when several match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.understanding.language import stopwords
from tools.inventory import all_wheel_drive_of
from tools.text import compact, fold

ATTRIBUTE_KEYS = ("min_year", "max_year", "max_km", "body_type", "transmission")
KM_TOLERANCE = 0.15
"""'la de 60 mil km' matches a car within 15% of that mileage."""


@dataclass
class Resolution:
    """The car of this turn, cars to look up, and whether a reference pointed at nothing."""

    car: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """Several shown cars fit the description: ask which."""
    missing: bool = False
    """ "el sexto" when five were shown."""
    from_list: bool = False
    """The car was picked from the list shown (or is the one being discussed), not looked up."""


def pick_by_position(shown: Sequence[dict[str, Any]], ordinal: int) -> dict[str, Any] | None:
    """ "el segundo" (2), "el último" (-1)."""
    index = ordinal - 1 if ordinal > 0 else len(shown) + ordinal
    return shown[index] if 0 <= index < len(shown) else None


def mentions_model(mention: str, car: Mapping[str, Any]) -> bool:
    """Whether a mention as written names this car ("el onix" → Onix, "cr-v" → CR-V, "el kia" → a Kia)."""
    model = compact(str(car.get("model", "")))
    make = compact(str(car.get("make", "")))
    written = compact(re.sub(r"^\W*(?:el|la|los|las|the|un|una|a)\s+", "", fold(mention)))
    if not model or not written:
        return False
    if model in written or (written in model and len(written) >= 3 and written != make):
        return True
    return written == make or (len(written) >= 3 and make.startswith(written))


def names_exactly(mention: str, car: Mapping[str, Any]) -> bool:
    """Whether the mention is the car's model or one of its words whole ("CLA" → "Clase CLA", not "Clase A")."""
    written = compact(re.sub(r"^\W*(?:el|la|los|las|the|un|una|a)\s+", "", fold(mention)))
    model = str(car.get("model", ""))
    words = {compact(w) for w in re.split(r"[\s-]+", fold(model)) if w}
    return bool(written) and (written == compact(model) or written in words or written.endswith(compact(model)))


def by_version(cars: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Of several cars, those whose version has the most words the customer wrote ("el Forte GT Line" → the
    "2.0 GT LINE IVT"); every car when no version word is named, or when the words fit them all alike."""
    if len(cars) < 2:
        return cars
    es, en = stopwords()
    said = {w for w in re.findall(r"[a-z0-9-]+", fold(text)) if len(w) >= 2 and not w.isdigit()} - es - en
    versions = [
        {w for w in re.findall(r"[a-z0-9-]+", fold(str(c.get("version", "")))) if not w.isdigit()} for c in cars
    ]
    model_words = {
        w for c in cars for w in re.findall(r"[a-z0-9-]+", fold(f"{c.get('make', '')} {c.get('model', '')}"))
    }
    scores = [len((said - model_words) & v) for v in versions]
    best = max(scores)
    if best == 0 or scores.count(best) == len(cars):
        return cars
    return [c for c, score in zip(cars, scores, strict=True) if score == best]


def matches_attributes(car: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether a car has every attribute the customer gave (year bounds, mileage, body, transmission)."""
    if wanted.get("min_year") is not None and car.get("year", 0) < wanted["min_year"]:
        return False
    if wanted.get("max_year") is not None and car.get("year", 0) > wanted["max_year"]:
        return False
    if wanted.get("max_km") is not None:
        km, target = car.get("km", 0), wanted["max_km"]
        if km > target * (1 + KM_TOLERANCE):
            return False
    if wanted.get("body_type") and car.get("body_type") != wanted["body_type"]:
        return False
    if wanted.get("all_wheel_drive") and not has_all_wheel_drive(car):
        return False
    return not (wanted.get("transmission") and car.get("transmission") != wanted["transmission"])


def has_all_wheel_drive(car: Mapping[str, Any]) -> bool:
    """Whether the car's record (its version codes: AWD, 4X4, 4MOTION...) says all-wheel drive."""
    return bool(car.get("all_wheel_drive")) or all_wheel_drive_of(str(car.get("version", "")))


SORT_KEYS = {"price_asc": "price", "price_desc": "price", "year_desc": "year", "km_asc": "km"}


def tied_at_top(cars: Sequence[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The cars sharing the top value of an ordered list ("the newest": every 2023 car)."""
    if not cars:
        return []
    key = SORT_KEYS.get(sort, "price")
    return [c for c in cars if c.get(key) == cars[0].get(key)]


def pick_by_order(cars: Sequence[dict[str, Any]], sort: str) -> dict[str, Any] | None:
    """The cheapest, most expensive, newest or lowest-mileage car of a list."""
    if not cars:
        return None
    keys = {
        "price_asc": lambda c: (c["price"], c["stock_id"]),
        "price_desc": lambda c: (-c["price"], c["stock_id"]),
        "year_desc": lambda c: (-c["year"], c["price"]),
        "km_asc": lambda c: (c["km"], c["price"]),
    }
    return min(cars, key=keys.get(sort, keys["price_asc"]))


def attributes_of(understanding: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes that describe one car ("la 2019 con 60 mil km", "el Rio hatchback")."""
    return {k: understanding[k] for k in ATTRIBUTE_KEYS if understanding.get(k) is not None}


def resolve(
    understanding: Mapping[str, Any],
    shown: Sequence[dict[str, Any]],
    selected: dict[str, Any] | None,
    wants_a_car: bool,
) -> Resolution:
    """The car this turn is about, from the list shown and the car being discussed.

    `wants_a_car`: the turn needs one car (a payment, a visit, a question about a car, a pick from the list).
    A model name or attributes that no shown car has return no car: the graph looks it up.
    """
    pool = list(shown) + (
        [selected] if selected and all(c.get("stock_id") != selected.get("stock_id") for c in shown) else []
    )
    ordinal = understanding.get("ordinal")
    if ordinal is not None:
        car = pick_by_position(shown, ordinal)
        return Resolution(car=car or selected, missing=car is None, from_list=car is not None)
    mentions = understanding.get("brand_texts") or []
    attributes = attributes_of(understanding)
    if mentions:
        named = [c for c in pool if any(mentions_model(m, c) for m in mentions[:1])]
        exact = [c for c in named if names_exactly(mentions[0], c)]
        named = exact if exact and len(exact) < len(named) else named  # "the CLA" of a Clase A and a Clase CLA
        discussed = selected is not None and any(same_car(c, selected) for c in named)
        if len(named) > 1 and not attributes and not understanding.get("sort") and discussed:
            return Resolution(car=selected, from_list=True)  # "me quedo con el Aveo": the Aveo just discussed
        return _narrow(named, attributes, understanding.get("sort"))
    if not wants_a_car:
        return Resolution(car=selected)
    if attributes:
        return _narrow([c for c in pool if matches_attributes(c, attributes)], {}, understanding.get("sort"))
    if understanding.get("sort") and shown:
        return Resolution(car=pick_by_order(shown, understanding["sort"]), from_list=True)
    if selected:
        return Resolution(car=selected, from_list=True)
    if len(shown) == 1:
        return Resolution(car=shown[0], from_list=True)
    return Resolution(candidates=list(shown))


def _narrow(cars: list[dict[str, Any]], attributes: Mapping[str, Any], sort: str | None) -> Resolution:
    """One car when the description fits one; the candidates when it fits several; nothing when none."""
    fitting = [c for c in cars if matches_attributes(c, attributes)] if attributes else cars
    if len(fitting) == 1:
        return Resolution(car=fitting[0], from_list=True)
    if len(fitting) > 1 and sort:
        return Resolution(car=pick_by_order(fitting, sort), from_list=True)
    if len(fitting) > 1:
        return Resolution(candidates=fitting)
    return Resolution()


def same_car(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Whether two records are the same car."""
    return bool(a and b and a.get("stock_id") == b.get("stock_id"))


def describe(car: Mapping[str, Any]) -> str:
    """ "Chevrolet Onix 2021" (folded comparisons elsewhere use `fold`)."""
    return " ".join(str(car[k]) for k in ("make", "model", "year") if car.get(k))
