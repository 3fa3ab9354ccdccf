"""Grounding check: every number in a model-written reply must come from a tool output, the knowledge base or the
customer; a duration, distance or share ("6 meses", "300 km", "20%") must be one of theirs with its unit, however
small, so "6 meses de garantía" where the passage says 3 is caught while "tengo 3 opciones" passes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
SMALL_NUMBERS_ALLOWED = 12
"""Plain integers up to this (list positions, "3 opciones") need no source; numbers with a unit always do."""
UNITS: dict[str, tuple[str, Decimal]] = {
    **dict.fromkeys(("dia", "dias", "day", "days"), ("day", Decimal(1))),
    **dict.fromkeys(("semana", "semanas", "week", "weeks"), ("day", Decimal(7))),
    **dict.fromkeys(("mes", "meses", "month", "months"), ("month", Decimal(1))),
    **dict.fromkeys(("ano", "anos", "year", "years", "yr", "yrs"), ("month", Decimal(12))),
    **dict.fromkeys(("hora", "horas", "hour", "hours"), ("minute", Decimal(60))),
    **dict.fromkeys(("minuto", "minutos", "minute", "minutes", "min", "mins"), ("minute", Decimal(1))),
    **dict.fromkeys(("km", "kms", "kilometro", "kilometros", "kilometer", "kilometers"), ("km", Decimal(1))),
    **dict.fromkeys(("milla", "millas", "mile", "miles"), ("mile", Decimal(1))),
    **dict.fromkeys(("%", "por ciento", "porciento", "percent", "per cent", "pct"), ("%", Decimal(1))),
}
"""Units of durations, distances and shares, by folded spelling: (dimension, size in that dimension's base)."""
WORD_AMOUNTS = {"un": 1, "una": 1, "uno": 1, "one": 1, "medio": 0.5, "media": 0.5, "half a": 0.5, "half an": 0.5}
"""Amounts written as words that the number parser leaves alone ("un año", "medio año", "half a year")."""
_UNIT_RX = "|".join(re.escape(u).replace(r"\ ", r"\s+") for u in sorted(UNITS, key=len, reverse=True))
_WORD_RX = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(WORD_AMOUNTS, key=len, reverse=True))
QUANTITY = re.compile(
    rf"(?<![\w.,])(?P<amount>\d[\d,]*(?:\.\d+)?|{_WORD_RX})\s*-?\s*(?P<unit>{_UNIT_RX})(?![a-z])"
    r"(?P<half>\s+(?:y\s+medi[oa]|and\s+a\s+half))?"
)
CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
DATE_TIME = re.compile(
    r"\b\d{1,2}\s+de\s+[a-záéíóú]+|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s+\d{1,2}\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
"""Dates and times ("28 de noviembre", "November 28", "11:00"): resolved from the customer's words and the clock."""
KEY_UNITS = {"pct": "%", "percent": "%", "rate": "%", "month": "month", "months": "month", "term": "month",
             "km": "km", "mileage": "km", "days": "day", "minutes": "minute"}  # fmt: skip
"""Units of tool-output numbers, by a word of their key ("term_months": 48 is "48 meses" or "4 años")."""
PLAIN_KEYS = frozenset({"id", "year", "price", "payment", "amount", "total", "count", "limit", "score", "paid", "cost"})
"""Keys whose numbers are no duration, distance or share (a stock id of 6 grounds no "6 meses")."""

Quantity = tuple[Decimal, str]
"""A duration, distance or share in its dimension's base unit: (12, "month") is "1 año" and "12 meses"."""


@dataclass
class Sources:
    """What a reply may state: plain numbers, quantities with their unit, and numbers of unknown unit (`loose`)."""

    plain: set[Decimal] = field(default_factory=set)
    quantities: set[Quantity] = field(default_factory=set)
    loose: set[Decimal] = field(default_factory=set)

    def add(self, value: Any, key: str | None = None) -> None:
        """Take the numbers of any JSON-like value; a number's key says its unit ("term_months", "km", "rate")."""
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float | Decimal):
            self._number(Decimal(str(value)), key)
        elif isinstance(value, str):
            try:
                self._number(Decimal(value.strip()), key)
            except InvalidOperation:
                self._text(value)
        elif isinstance(value, dict):
            for name, item in value.items():
                self.add(item, str(name))
        elif isinstance(value, Iterable):
            for item in value:
                self.add(item, key)

    def _number(self, number: Decimal, key: str | None) -> None:
        if not number.is_finite():
            return
        forms = {number.normalize(), number.quantize(Decimal(1)).normalize()}
        if Decimal(0) < number < 1:  # rates: 0.1 → 10 (%)
            forms.add((number * 100).normalize())
        if number == number.to_integral_value() and number % 12 == 0:  # months → years
            forms.add((number / 12).normalize())
        self.plain |= forms
        words = set(re.split(r"[^a-z]+", (key or "").lower()))
        unit = next((KEY_UNITS[w] for w in words if w in KEY_UNITS), None)
        if unit is not None:
            shares = {number * 100} if unit == "%" and Decimal(0) < number < 1 else set()
            self.quantities |= {(form.normalize(), unit) for form in {number, *shares}}
        elif not words & PLAIN_KEYS:
            self.loose |= forms

    def _text(self, text: str) -> None:
        canonical = _canonical(text)
        self.plain |= _plain_numbers(canonical)
        self.quantities |= {quantity for quantity, _, _ in _quantities(canonical)}
        for hours, minutes in CLOCK.findall(canonical):  # "18:00" grounds "18 horas"
            self.quantities.add((Decimal(int(hours) * 60 + int(minutes)), "minute"))


def ungrounded_numbers(reply: str, sources: Iterable[Any]) -> set[Decimal]:
    """Numbers in the reply that no source produced (empty set = grounded), as the reply wrote them."""
    known = Sources()
    for source in sources:
        known.add(source)
    canonical = _canonical(DATE_TIME.sub(" ", reply or ""))
    invented: set[Decimal] = set()
    spans: list[tuple[int, int]] = []
    for quantity, amount, span in _quantities(canonical):
        spans.append(span)
        if quantity not in known.quantities and amount not in known.loose:
            invented.add(amount)
    for match in NUMBER.finditer(canonical):
        number = _decimal(match.group())
        if number is None or number in known.plain or any(start <= match.start() < end for start, end in spans):
            continue
        if not (number <= SMALL_NUMBERS_ALLOWED and number == number.to_integral_value()):
            invented.add(number)
    return invented


def fact_stated(text: str, fact: str) -> bool:
    """Whether `text` states a knowledge key fact: its words ("INE", "en línea"), or its quantities in any wording
    ("1 año" as "un año" or "12 meses", "3-month" as "3 months")."""
    reply, wanted = _canonical(text.replace("*", "")), _canonical(fact.replace("*", ""))
    if re.search(rf"(?<![a-z0-9]){re.escape(wanted.strip())}(?![a-z0-9])", reply):
        return True
    quantities = {quantity for quantity, _, _ in _quantities(wanted)}
    return bool(quantities) and quantities <= {quantity for quantity, _, _ in _quantities(reply)}


def numbers_in(text: str) -> set[Decimal]:
    """Every number written in `text`, thousands separators removed ("$4,605.82" → 4605.82)."""
    return _plain_numbers(text or "")


def customer_numbers(text: str) -> list[float]:
    """The numbers a customer wrote, as the parser reads them ("150 mil" → 150000, "4 años" → 4)."""
    from graph.understanding.language import detect_language
    from graph.understanding.numbers import canonical_numbers
    from tools.text import fold

    folded = fold(text or "")
    _, numbers = canonical_numbers(folded, detect_language(folded))
    return [n.value for n in numbers] + [n.value * 1000 for n in numbers if 50 <= n.value < 10_000]


def _canonical(text: str) -> str:
    """Folded text with number words and multipliers written as digits ("seis meses" → "6 meses", "60 mil" → 60000)."""
    from graph.understanding.language import detect_language
    from graph.understanding.numbers import canonical_numbers
    from tools.text import fold

    folded = fold(text)
    return canonical_numbers(folded, detect_language(folded))[0]


def _decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace(",", "").rstrip(".")).normalize()
    except InvalidOperation:
        return None


def _plain_numbers(text: str) -> set[Decimal]:
    return {n for n in (_decimal(t) for t in NUMBER.findall(text)) if n is not None}


def _quantities(canonical: str) -> list[tuple[Quantity, Decimal, tuple[int, int]]]:
    """Each duration, distance or share in folded text: its base-unit quantity, the amount as written, its span."""
    found: list[tuple[Quantity, Decimal, tuple[int, int]]] = []
    for match in QUANTITY.finditer(canonical):
        word = re.sub(r"\s+", " ", match["amount"])
        amount = Decimal(str(WORD_AMOUNTS[word])) if word in WORD_AMOUNTS else _decimal(word)
        if amount is None:
            continue
        amount += Decimal("0.5") if match["half"] else 0
        dimension, size = UNITS[re.sub(r"\s+", " ", match["unit"])]
        found.append((((amount * size).normalize(), dimension), amount.normalize(), match.span()))
    return found
