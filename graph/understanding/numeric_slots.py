"""Read every number of a message into its slot: price bounds, down payment, monthly payment, km, years, term.

The words around each number decide (cues.yml, through `amounts`). A value that cannot be what it says is put in
`rejected` ("term_months:9999", "down_payment_pct:150", "max_price:-300000", "year:99999") and not used.
"""

from __future__ import annotations

import re
from typing import Any

from graph.understanding.amounts import (
    FIRST_YEAR,
    INCOME_BEFORE,
    LAST_YEAR,
    MAX_MONEY,
    MILES_TO_KM,
    MIN_BARE_MONEY,
    MIN_MONEY,
    PRICE_CONTEXT_MAX,
    _after,
    _before,
    cues,
    has_money_mark,
    is_km,
    is_money,
    is_monthly,
    is_price_claim,
    is_year,
    term_months,
)
from graph.understanding.numbers import Num
from graph.understanding.vocab import cue, phrases_rx

MIN_MONTHLY = 500
DOWN_WORD_AFTER = re.compile(
    r"^\s*(?:mil\s+)?(?:pesos\s+|mxn\s+)?(?:de\s+|pa\s+|pal\s+|para\s+(?:el\s+)?|as\s+(?:a\s+)?)?"
    r"(?:enganche|entrada|anticipo|inicial|down|deposit)"
)
"""An amount followed by the word for a down payment ("70 mil de enganche", "50k down")."""
YEAR_WORD_BEFORE = re.compile(r"\b(?:ano|anio|modelo|model|year|del)\s*:?\s*$")


def numeric_slots(c: str, nums: list[Num], lang: str) -> dict[str, Any]:
    """All numeric slots of the canonical text `c`."""
    slots: dict[str, Any] = {"rejected": []}
    i = 0
    while i < len(nums):
        i += _classify(c, nums, i, lang, slots)
    if "term_months" not in slots:
        _one_year_term(c, slots)
    savings = re.search(r"\b(?:ahorrad[oa]s?|juntad[oa]s?|de ahorros?|saved( up)?|in savings)\b", c)
    if savings and slots.get("monthly_payment") and slots.get("max_price") and "down_payment" not in slots:
        slots["down_payment"] = slots.pop("max_price")  # "tengo 30 mil ahorrados y puedo pagar 3 mil al mes"
    k = cues()
    if "down_payment_pct" not in slots and "down_payment" not in slots and k.no_down.search(c):
        slots["down_payment_pct"] = 0.0
    cash = k.cash.search(c)
    negation = phrases_rx(cue("features.negated_before"), suffix=r"\s+(?:\w+\s+){0,3}$")
    if cash and not negation.search(c[max(0, cash.start() - 30) : cash.start()]):
        slots["cash"] = True  # "de contado", but not "si no la pago de contado"
    for low_key, high_key in (("min_price", "max_price"), ("min_year", "max_year")):
        low, high = slots.get(low_key), slots.get(high_key)
        if low is not None and high is not None and low > high:
            slots[low_key], slots[high_key] = high, low
    return slots


def _reject(slots: dict[str, Any], name: str, value: float) -> None:
    slots["rejected"].append(f"{name}:{round(value) if value == int(value) else value}")


DIFFERENCE_AFTER = re.compile(
    r"^\s*(?:pesos\s+|varos\s+|bucks\s+|dollars\s+)?(?:mas\s+barat[oa]s?|mas\s+car[oa]s?|menos\s+que|de\s+diferencia|"
    r"cheaper|less\s+than\s+(?:here|yours|you)|more\s+expensive|off\b)"
)
"""A number that measures a difference between prices ("20 mil más barata", "10k cheaper"), not a budget."""


def _classify(c: str, nums: list[Num], i: int, lang: str, slots: dict[str, Any]) -> int:
    """Read number i into the slots; returns how many numbers were consumed (2 for a range)."""
    n = nums[i]
    if re.match(r"^\s*%", _after(c, n)):
        _set_percent(c, n, slots)
        return 1
    if i + 1 < len(nums) and _range_pair(c, n, nums[i + 1], lang, slots):
        return 2
    if is_km(c, n, lang):
        _set_km(c, n, lang, slots)
        return 1
    term = term_months(c, n)
    if term is not None:
        slots["term_months"] = term
        return 1
    if is_year(c, n):
        _set_year(c, n, slots)
        return 1
    year_word = YEAR_WORD_BEFORE.search(_before(c, n)) and not has_money_mark(c, n) and n.value == int(n.value)
    if year_word and (n.value > LAST_YEAR or 1000 <= n.value < FIRST_YEAR):
        _reject(slots, "year", n.value)
        return 1
    if DIFFERENCE_AFTER.match(_after(c, n)):
        return 1  # "20 mil más barata en otra agencia": a difference, no budget
    if cues().down_pct_before.search(_before(c, n)) and 0 < n.value < 100 and n.mult == 1:
        slots["down_payment_pct"] = float(n.value)
    elif MIN_MONTHLY <= n.value < MIN_BARE_MONEY and is_monthly(c, n) and not has_money_mark(c, n):
        slots["monthly_payment"] = round(n.value) * _per_month(c, n)  # "4500 al mes", "pagar 5000 mensuales"
    elif is_money(c, n) or _is_thousands(c, n):
        _set_money(c, n, slots)
    elif is_price_claim(_before(c, n)) or _is_token_price(c, n):
        slots["injection"] = True
    return 1


def _is_thousands(c: str, n: Num) -> bool:
    """ "hasta 400", "presupuesto 250", "y si estiro a 450": a small bare number after a budget cue is thousands."""
    k = cues()
    before, after = _before(c, n), _after(c, n)
    down = bool(k.down_after.match(after))  # "tengo 40 de enganche": forty thousand down
    low = 10 if down else 50
    if n.mult > 1 or n.grouped or not low <= n.value <= PRICE_CONTEXT_MAX or n.value != int(n.value):
        return False
    if re.match(r"^\s*(?:varos|baros|lucas|bolas|de\s+lana)\b", after):
        return True  # "traigo como 200 varos": two hundred thousand, in slang
    if k.money_after.match(after) or k.km_after.match(after):
        return False
    if k.offer_after.match(after) or k.down_after.match(after) or k.around_after.match(after):
        return True  # "300 más o menos"
    if re.search(
        r"\b(?:suvs?|sedan(?:es)?|hatch\w*|pick\s?ups?|trocas?|camionetas?|carros?|autos?|coches?|minivans?|"
        r"algo|uno|una)\s+de\s*$",
        before,
    ) and not re.match(r"^\s*(?:anos|años|meses|puertas|pasajeros|km)", after):
        return True  # "una suv de 300": three hundred thousand
    if k.min_after.match(after) and re.search(r"(?:^|\bde)\s*$", before):
        return True  # "de 300 pa arriba", "300 para arriba": a price floor
    contexts = (k.max_before, k.min_before, k.around_before, k.offer_before, k.down_before)
    return any(rx.search(before) for rx in contexts) and not is_monthly(c, n)


def _set_km(c: str, n: Num, lang: str, slots: dict[str, Any]) -> None:
    """Record a mileage as max_km unless it is a lower bound."""
    before = _before(c, n)
    if cues().km_min_before.search(before) and not cues().km_not_min_before.search(before):
        return
    if n.value < 0:
        _reject(slots, "max_km", n.value)
        return
    value = n.value * MILES_TO_KM if lang == "en" and cues().miles_after.match(_after(c, n)) else n.value
    slots["max_km"] = round(value)


def _set_year(c: str, n: Num, slots: dict[str, Any]) -> None:
    """Record a model year as a lower bound, upper bound or exact year, from the words around it."""
    k = cues()
    year, before, after = int(n.value), _before(c, n), _after(c, n)
    if k.year_min_after.match(after):
        slots["min_year"] = year
        return
    if k.year_max_after.match(after):
        slots["max_year"] = year
        return
    for rx, kind in k.year_before:
        if rx.search(before):
            slots[f"{kind}_year"] = year
            return
    slots["min_year"] = slots["max_year"] = year  # "un 2018", "Jetta 2018", "la del 2019": that year


def _set_percent(c: str, n: Num, slots: dict[str, Any]) -> None:
    """A percentage: down payment unless it is a discount (huge ones are manipulation) or an interest rate."""
    k = cues()
    before, after = _before(c, n), _after(c, n)
    if k.discount_before.search(before) or k.discount_after.match(after):
        if n.value >= 50:
            slots["injection"] = True
        return
    if k.rate_before.search(before) or k.rate_after.match(after):
        return
    if not 0 <= n.value < 100:
        _reject(slots, "down_payment_pct", n.value)
        return
    slots["down_payment_pct"] = float(100 - n.value if k.financed_before.search(before) else n.value)


def _money_kind(c: str, n: Num) -> str:
    """What a money amount is: monthly, down, injection, around, max, min, or seen (a price the customer saw)."""
    k = cues()
    before, after = _before(c, n), _after(c, n)
    if DOWN_WORD_AFTER.match(after) and not k.monthly_after.match(after):
        return "down"  # "puedo pagar 6 mil al mes y tengo 40 mil pal enganche": that 40 is the down payment
    if INCOME_BEFORE.search(before):
        return "income"  # "I make 15k a month": not a budget, not a payment
    if is_monthly(c, n):
        return "monthly"
    if re.match(r"^\s*(?:de\s+descuento|off|discount)\b", after) or re.search(
        r"\b(?:quitan|quitas|quita|bajan|bajas|baja|rebajan|rebajas)\s+(?:unos\s+)?$", before
    ):
        return "discount"  # "¿ni 5 mil de descuento?", "si le quitan 10 mil": no budget
    if phrases_rx(cue("money.seen_before"), suffix=r"\s*\$?\s*$").search(before):
        return "seen"  # "listed at 260k on your site": what they saw, not a budget; the record says the price
    if DOWN_WORD_AFTER.match(after):
        return "down"  # "le doy 70 mil de enganche": the down payment, whatever verb comes before
    payment_talk = re.search(r"\b(?:meses|months?|anos|years?|al mes|mensual\w*|monthly|a month|cuanto|how much)\b", c)
    if payment_talk and re.search(r"\b(?:con|dando|poniendo|with|putting)\s*\$?\s*$", before):
        return "down"  # "a 60 meses con 70 mil": the down payment of that payment
    if k.offer_before.search(before) or k.offer_after.match(after):
        return "max"  # "te doy 580", "el spark en 130 y me lo llevo": an offer; shown what that amount buys
    if k.down_before.search(before):
        return "down"
    if is_price_claim(before):
        return "injection"
    rules = (
        (k.min_strict_before, "min"),
        (k.around_before, "around"),
        (k.max_before, "max"),
        (k.offer_before, "max"),  # "¿me lo deja en 250?": show what that amount buys
        (k.min_before, "min"),
    )
    for rx, kind in rules:
        if rx.search(before):
            if kind == "around":  # "unos 350 mil max": an explicit bound after the amount wins
                bounds = ((k.max_after, "max"), (k.min_after, "min"))
                return next((b for r, b in bounds if r.match(after)), kind)
            return kind
    for rx, kind in ((k.max_after, "max"), (k.min_after, "min"), (k.around_after, "around")):
        if rx.match(after):
            return kind
    return "max"


def _per_month(c: str, n: Num) -> int:
    """2 for an amount paid every fortnight ("4 mil quincenales": 8 mil al mes), else 1."""
    return (
        2
        if re.match(r"^\s*(?:quincenales|quincenal|a\s+la\s+quincena|por\s+quincena|cada\s+quincena)\b", _after(c, n))
        else 1
    )


def _is_token_price(c: str, n: Num) -> bool:
    """A tiny amount written as money ('1 peso', '$1'): no car costs that, so it is price manipulation."""
    return 0 <= n.value < MIN_MONEY and has_money_mark(c, n) and not is_monthly(c, n) and not _is_thousands(c, n)


def _set_money(c: str, n: Num, slots: dict[str, Any]) -> None:
    """Record a money amount in the slot its context calls for."""
    value = round(n.value * 1000) if _is_thousands(c, n) else round(n.value)
    kind = _money_kind(c, n)
    if value < 0:
        _reject(slots, "down_payment" if kind == "down" else "price", value)
        return
    if kind == "down":
        slots["down_payment"] = value
    elif kind == "monthly":
        slots["monthly_payment"] = value * _per_month(c, n)
    elif kind == "injection":
        slots["injection"] = True
    elif kind == "around":  # "alrededor de 250 mil": a budget said loosely, repeated as said, no floor invented
        slots["around_price"] = value
        slots["max_price"] = value
    elif kind in ("max", "min"):
        slots[f"{kind}_price"] = value


def _range_pair(c: str, a: Num, b: Num, lang: str, slots: dict[str, Any]) -> bool:
    """Handle 'entre X y Y', 'de X a Y', 'X-Y mil', '2016-2019'; True when the pair was a range."""
    k = cues()
    gap = c[a.end : b.start]
    if re.fullmatch(r"\s*(?:o|or|,)\s*", gap) and is_year(c, a) and is_year(c, b):
        slots["min_year"], slots["max_year"] = sorted((int(a.value), int(b.value)))
        return True
    if not k.range_sep.match(gap):
        return False
    if re.match(r"^\s*(?:y|and)\s*\$?\s*$", gap) and not k.range_open.search(_before(c, a)):
        return False
    after_b = _after(c, b)
    if re.match(r"^\s*%", after_b) or is_km(c, b, lang) or term_months(c, b) is not None:
        return False
    if is_year(c, a) and is_year(c, b):
        slots["min_year"], slots["max_year"] = sorted((int(a.value), int(b.value)))
        return True
    low, high = a.value, b.value
    if low < MIN_MONEY and b.mult > 1:
        low *= b.mult
    if high < MIN_MONEY and a.mult > 1:
        high *= a.mult
    if not (MIN_MONEY <= low <= MAX_MONEY and MIN_MONEY <= high <= MAX_MONEY):
        return False
    if k.monthly_after.match(after_b) or k.down_after.match(after_b) or k.down_before.search(_before(c, a)):
        return False
    slots["min_price"], slots["max_price"] = sorted((round(low), round(high)))
    return True


def _one_year_term(c: str, slots: dict[str, Any]) -> None:
    """'a un año', 'over one year', 'año y medio' as a term (12 or 18 months), unless it is the car's age."""
    k = cues()
    half = re.search(r"\b(?:ano|year)\s+y\s+medio\b|\ba\s+year\s+and\s+a\s+half\b", c)
    match = k.one_year.search(c) or half
    if not match:
        return
    if half and not k.age_before.search(c[: half.start()]):
        slots["term_months"] = 18  # "año y medio": a term, said the way people say it
        return
    if k.age_after.match(" ano" + c[match.end() :]) or k.age_before.search(c[: match.start()]):
        return
    if re.search(r"(?:meses|months?)\s+$", c[: match.start()]):
        return  # "6 months a year": how often, not a term
    around = c[max(0, match.start() - 40) : match.end() + 40]
    if re.search(r"\b(?:garantia|warranty)\b", around):
        return  # "garantía de un año" is a warranty, not a term
    said_as_term = re.search(r"\ba\s+$", c[: match.start()]) or re.search(
        r"\b(?:plazo|pag\w*|financ\w*|credito|mensual\w*|loan|pay\w*|term|over|monthly|meses|months)\b", around
    )
    if not said_as_term:
        return  # "been living here for a year": no payment in sight
    slots["term_months"] = 18 if ("medio" in match.group(0) or "half" in match.group(0)) else 12
