"""The main intent of a message and the flags it carries (a person asked for, a complaint, haggling, a booking).

Cue phrases and their priority are data (data/understanding/intents.yml); slots can decide the intent too: a
visit time makes a visit request, a term or a down payment a financing question, a budget or a car a search.
"""

from __future__ import annotations

import re
from typing import Any

from graph.understanding.slots import matches_any
from graph.understanding.vocab import cue, intents, patterns_rx, phrases_rx

SEARCH_SLOTS = ("min_price", "max_price", "min_year", "max_year", "max_km", "body_type", "transmission", "sort")
FINANCE_SLOTS = ("term_months", "down_payment", "down_payment_pct", "monthly_payment")


def _intent_cues(name: str) -> list[Any]:
    block = intents()["intents"][name]
    return list(block.get("cues", []))


def visit_action(c: str) -> str | None:
    """cancel, reschedule or status of a booking already made."""
    block = intents()["intents"]["visit_change"]
    for action in ("cancel", "reschedule", "status"):
        if matches_any(c, block[action]):
            return action
    return None


def main_intent(c: str, slots: dict[str, Any], has_visit_time: bool, has_brand: bool) -> str:
    """Intent by the priority of intents.yml; slots decide when no cue does."""
    if slots.get("visit_action"):
        return "visit_change"
    schedule = intents()["intents"]["schedule"]
    if matches_any(c, _intent_cues("schedule")) and not matches_any(c, schedule.get("not_cues", [])):
        return "schedule"
    if has_visit_time and phrases_rx(
        [
            "ver(lo|la|los)?",
            "conocer(lo|la)?",
            "pasar",
            "paso",
            "ir",
            "voy",
            "vamos",
            "see",
            "view",
            "look at",
            "test drive",
            "visit",
            "visitar(los|las)?",
            "swing by",
            "drop by",
            "probar(lo|la)?",
            "check (it )?out",
            "go",
            "come",
            "stop",
            "llegar",
            "llego",
        ]
    ).search(c):
        return "schedule"
    if matches_any(c, _intent_cues("finance")) or any(slots.get(k) is not None for k in FINANCE_SLOTS):
        return "finance"
    if matches_any(c, _intent_cues("search")) or has_brand or any(slots.get(k) for k in SEARCH_SLOTS):
        return "search"
    if has_visit_time:
        return "schedule"
    for name in ("thanks", "greeting"):
        if matches_any(c, _intent_cues(name)):
            return name
    return "other"


ADDRESSED = re.compile(
    r"\b(?:estimad[oa]s?|querid[oa]s?|hola|buen[oa]s?\s+(?:dias|tardes|noches)|dear|hi|hello)\s+"
    r"(?:senor(?:ita|a)?\s+)?(?:asesor(?:a|es)?|vendedor(?:a)?|advisor|agent)\b"
)
""" "Estimado asesor:", "Hola asesor": the customer greets whoever reads; it asks for no person."""


def flags(c: str) -> dict[str, Any]:
    """The flags of intents.yml plus haggling (cues.yml): human, complaint, compare, course, haggle."""
    blocks = intents()["flags"]
    course = next((name for name in ("stretch", "cheaper", "more") if matches_any(c, blocks["course"][name])), None)
    addressed = ADDRESSED.sub(" ", c)
    return {
        "wants_human": matches_any(addressed, blocks["human"]["cues"]),  # "Estimado asesor:" only greets
        "complaint": matches_any(c, blocks["complaint"]["cues"]),
        "compare": matches_any(c, blocks["compare"]["cues"]),
        "course": course,
        "haggle": bool(patterns_rx(cue("haggle_patterns")).search(c)),
    }
