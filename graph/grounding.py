"""Grounding check: every number in a model-written reply must come from a tool output or the customer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
SMALL_NUMBERS_ALLOWED = 12  # list positions, "3 a 6 años", "1 question"...


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in `text`, thousands separators removed ("$4,605.82" → 4605.82)."""
    found: set[Decimal] = set()
    for token in NUMBER.findall(text or ""):
        cleaned = token.replace(",", "").rstrip(".")
        try:
            found.add(Decimal(cleaned).normalize())
        except InvalidOperation:
            continue
    return found


def numbers_of(value: Any) -> set[Decimal]:
    """Numbers inside any JSON-like value (tool outputs, facts), plus the forms a reply may derive."""
    found: set[Decimal] = set()
    if isinstance(value, bool) or value is None:
        return found
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        found.update({number, number.quantize(Decimal(1)).normalize()})
        if Decimal(0) < number < 1:  # rates: 0.1 → 10 (%)
            found.add((number * 100).normalize())
        if number == number.to_integral_value() and number % 12 == 0:  # months → years
            found.add((number / 12).normalize())
        return found
    if isinstance(value, str):
        try:
            return numbers_of(Decimal(value))
        except InvalidOperation:
            return numbers_in(value)
    if isinstance(value, dict):
        value = value.values()
    if isinstance(value, Iterable):
        for item in value:
            found |= numbers_of(item)
    return found


def ungrounded_numbers(reply: str, sources: Iterable[Any]) -> set[Decimal]:
    """Numbers in the reply that no source produced (empty set = grounded)."""
    allowed: set[Decimal] = set()
    for source in sources:
        allowed |= numbers_of(source)
    reply = DATE_TIME.sub(" ", reply)
    return {n for n in numbers_in(reply) if n not in allowed and not (n <= SMALL_NUMBERS_ALLOWED and n == int(n))}


def customer_numbers(text: str) -> list[float]:
    """The numbers a customer wrote, as the parser reads them ("150 mil" → 150000, "4 años" → 4)."""
    from graph.understanding.language import detect_language
    from graph.understanding.numbers import canonical_numbers
    from tools.text import fold

    folded = fold(text or "")
    _, numbers = canonical_numbers(folded, detect_language(folded))
    return [n.value for n in numbers] + [n.value * 1000 for n in numbers if 50 <= n.value < 10_000]


DATE_TIME = re.compile(
    r"\b\d{1,2}\s+de\s+[a-záéíóú]+|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+\d{1,2}\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
"""Dates and times ("28 de noviembre", "November 28", "11:00"): resolved from the customer's words and the clock."""
