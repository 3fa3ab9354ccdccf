"""Numeric slots: which number of a message is a budget, a down payment, a monthly payment, km, a year or a term.

Reads the canonical text of `numbers.canonical_numbers`; the words around each number (cues.yml) decide its slot.
Numbers that cannot be what they say ("a 9999 meses", "enganche de 150%", "año 99999", "$-100000") are kept in
`rejected` so the reply can say what was not accepted, instead of being silently replaced.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from graph.understanding.numbers import Num
from graph.understanding.vocab import alternation, cue, patterns_rx

MIN_MONEY = 1000
MIN_BARE_MONEY = 10_000
TERM_MONTHS = (12, 18, 24, 36, 48, 60, 72, 84, 96)
"""Month counts that, after "a", are a term even without the word "meses"."""
MAX_MONTHLY = 100_000
"""No one pays this much a month for a used car: "pagar 380 mil" is a price unless "al mes" says otherwise."""
MAX_MONEY = 100_000_000
FIRST_YEAR, LAST_YEAR = 1990, 2035
MILES_TO_KM = 1.609
PRICE_CONTEXT_MAX = 999
"""A bare number this small after a budget or down-payment cue ("hasta 400", "damos 50") is in thousands of pesos."""


@dataclass(frozen=True)
class _Cues:
    """The compiled cue patterns of cues.yml used by the numeric slots."""

    money_after: re.Pattern[str]
    max_before: re.Pattern[str]
    offer_before: re.Pattern[str]
    offer_after: re.Pattern[str]
    km_not_min_before: re.Pattern[str]
    monthly_bound_before: re.Pattern[str]
    min_before: re.Pattern[str]
    min_strict_before: re.Pattern[str]
    around_before: re.Pattern[str]
    max_after: re.Pattern[str]
    min_after: re.Pattern[str]
    around_after: re.Pattern[str]
    range_sep: re.Pattern[str]
    range_open: re.Pattern[str]
    monthly_after: re.Pattern[str]
    monthly_before: re.Pattern[str]
    cash_after: re.Pattern[str]
    down_before: re.Pattern[str]
    down_after: re.Pattern[str]
    no_down: re.Pattern[str]
    cash: re.Pattern[str]
    financed_before: re.Pattern[str]
    price_claim: re.Pattern[str]
    relative_before: re.Pattern[str]
    discount_before: re.Pattern[str]
    discount_after: re.Pattern[str]
    rate_before: re.Pattern[str]
    rate_after: re.Pattern[str]
    down_pct_before: re.Pattern[str]
    km_after: re.Pattern[str]
    miles_after: re.Pattern[str]
    km_before: re.Pattern[str]
    km_min_before: re.Pattern[str]
    years_after: re.Pattern[str]
    months_after: re.Pattern[str]
    payments_after: re.Pattern[str]
    age_after: re.Pattern[str]
    age_before: re.Pattern[str]
    plazo_before: re.Pattern[str]
    one_year: re.Pattern[str]
    year_min_after: re.Pattern[str]
    year_max_after: re.Pattern[str]
    year_before: tuple[tuple[re.Pattern[str], str], ...]
    year_exact_before: re.Pattern[str]


def _fill(words: Any) -> str:
    return r"(?:\s+" + alternation(words) + r")*"


@functools.lru_cache(maxsize=1)
def cues() -> _Cues:
    """Compile the numeric cues once."""
    fill = _fill(cue("filler")) + r"\s*[:=]?\s*\$?\s*$"
    year_fill = _fill(cue("year.fill")) + r"\s*$"
    after = r"^\s*(?:pesos|mxn)?\s*"
    down_fill = _fill(cue("money.down_fill")) + r"\s*[:=]?\s*\$?\s*$"
    km_fill = _fill(cue("km.before_fill")) + r"\s*[:=]?\s*$"

    def before(path: str, tail: str = fill) -> re.Pattern[str]:
        return re.compile(r"\b" + alternation(cue(path)) + tail)

    def starts(path: str, head: str = after) -> re.Pattern[str]:
        return re.compile(head + alternation(cue(path)) + r"(?![a-z])")

    return _Cues(
        money_after=starts("money.words_after", r"^\s*"),
        max_before=before("money.max_before"),
        offer_before=before("money.offer_before"),
        offer_after=starts("money.offer_after", r"^\s*(?:mil|k|pesos)?\s*"),
        km_not_min_before=re.compile(r"\b" + alternation(cue("km.not_min_before")) + r"\s*$"),
        monthly_bound_before=re.compile(
            r"\b(?:mensualidad(?:es)?|pagos?\s+mensual(?:es)?|al\s+mes|monthly(?:\s+payment)?|per\s+month|a\s+month)"
            r"\b[^.?!;]{0,40}" + alternation(cue("money.max_before")) + fill
        ),
        min_before=before("money.min_before"),
        min_strict_before=before("money.min_strict_before"),
        around_before=re.compile(
            r"\b" + alternation(cue("money.around_before")) + r"(?:\s+(?:de|del|los|las))?\s*\$?\s*$|~\s*\$?\s*$"
        ),
        max_after=starts("money.max_after"),
        min_after=re.compile(after + alternation(cue("money.min_after")) + r"(?![a-z])|^\s*\+"),
        around_after=starts("money.around_after"),
        range_sep=re.compile(r"^\s*" + alternation(cue("money.range_separators")) + r"\s*\$?\s*$"),
        range_open=re.compile(r"\b" + alternation(cue("money.range_openers")) + r"\s*(?:el|los|la|las|\$)?\s*$"),
        monthly_after=re.compile(r"^\s*(?:pesos\s+|mxn\s+)?" + alternation(cue("money.monthly_after")) + r"(?![a-z])"),
        monthly_before=before("money.monthly_before"),
        cash_after=re.compile(r"\W*(?:mil\W+|k\W+|pesos\W+|mxn\W+)?" + alternation(cue("money.cash")) + r"\b"),
        down_before=before("money.down_before", down_fill),
        down_after=re.compile(
            r"^\s*(?:pesos\s+|mxn\s+)?(?:(?:de|del|para|como|of|as|for|in|el|la|the|a|mi|my)\s+)*"
            + alternation(cue("money.down_after"))
        ),
        no_down=re.compile(r"\b" + alternation(cue("money.no_down")) + r"\b"),
        cash=re.compile(r"\b" + alternation(cue("money.cash")) + r"\b"),
        financed_before=re.compile(r"\b" + alternation(cue("money.financed_before")) + r"\s+(?:el\s+|the\s+)?$"),
        price_claim=re.compile(
            r"(?:" + patterns_rx(cue("price_claim_patterns")).pattern + r")"
            r"(?:\s+(?:solo|solamente|only|just|nomas|unicamente|apenas|de|en|a))*\s*[:=]?\s*\$?\s*$"
        ),
        relative_before=patterns_rx(cue("relative_before")),
        discount_before=re.compile(
            r"\b" + alternation(cue("percent.discount_before")) + r"\s*(?:de|del|of)?\s*(?:el\s+)?$"
        ),
        discount_after=re.compile(r"^\s*%\s*(?:de\s+)?" + alternation(cue("percent.discount_after"))),
        rate_before=re.compile(
            r"\b" + alternation(cue("percent.rate_words")) + r"\s*(?:de|del|of|is|es|:)?\s*(?:el\s+)?$"
        ),
        rate_after=re.compile(r"^\s*%\s*(?:de\s+)?(?:de\s+)?" + alternation(cue("percent.rate_words"))),
        down_pct_before=re.compile(r"\b" + alternation(cue("percent.down_pct_before")) + r"\s*$"),
        km_after=re.compile(r"^\s*(?:de\s+)?" + alternation(cue("km.after")) + r"\b"),
        miles_after=re.compile(r"^\s*" + alternation(cue("km.miles_after")) + r"\b"),
        km_before=re.compile(r"(?:\b(?:km|kms)\s*[:=]\s*$)|\b" + alternation(cue("km.before")) + km_fill),
        km_min_before=re.compile(r"\b" + alternation(cue("km.min_before")) + r"\s*$"),
        years_after=re.compile(
            r"^\s*" + alternation(cue("term.years_after")) + r"\b(\s+" + alternation(cue("term.half_after")) + r")?"
        ),
        months_after=re.compile(r"^\s*" + alternation(cue("term.months_after")) + r"\b"),
        payments_after=re.compile(r"^\s*" + alternation(cue("term.payments_after")) + r"\b"),
        age_after=re.compile(
            r"^\s*(?:anos?|anios?|years?|yrs?|meses|months?)\s+" + alternation(cue("term.age_after")) + r"\b"
        ),
        age_before=re.compile(r"\b" + alternation(cue("term.age_before")) + r"\s*$"),
        plazo_before=re.compile(r"\b" + alternation(cue("term.plazo_before")) + r"\s*(?:de|del|of|:|a)?\s*$"),
        one_year=re.compile(r"\b" + alternation(cue("term.one_year")) + r"(\s+(?:y\s+medio|and\s+a\s+half))?\b"),
        year_min_after=re.compile(r"^\s*" + alternation(cue("year.min_after")) + r"(?!\s+(?:viejo|antiguo))(?![a-z])"),
        year_max_after=re.compile(r"^\s*" + alternation(cue("year.max_after")) + r"\b"),
        year_before=(
            (before("year.min_strict_before", year_fill), "min"),
            (before("year.max_strict_before", year_fill), "max"),
            (before("year.max_before", year_fill), "max"),
            (before("year.min_before", year_fill), "min"),
        ),
        year_exact_before=re.compile(r"\b" + alternation(cue("year.exact_before")) + r"\s*$"),
    )


def _before(c: str, n: Num, width: int = 80) -> str:
    return c[max(0, n.start - width) : n.start]


def _after(c: str, n: Num, width: int = 60) -> str:
    return c[n.end : n.end + width]


def has_money_mark(c: str, n: Num) -> bool:
    """Whether a number is written as money: units, a currency sign or word, or thousands separators."""
    k = cues()
    return n.mult > 1 or n.grouped or bool(re.search(r"\$\s*$", _before(c, n)) or k.money_after.match(_after(c, n)))


def is_money(c: str, n: Num) -> bool:
    """A plausible price: written as money, or a bare number of at least five digits (not a zip code)."""
    if not MIN_MONEY <= abs(n.value) <= MAX_MONEY:
        return False
    literal = c[n.start : n.end].lstrip("-")
    return has_money_mark(c, n) or (abs(n.value) >= MIN_BARE_MONEY and not literal.startswith("0"))


def is_year(c: str, n: Num) -> bool:
    """A bare four-digit number in the model-year range."""
    return (
        n.value == int(n.value)
        and FIRST_YEAR <= n.value <= LAST_YEAR
        and not has_money_mark(c, n)
        and c[n.start : n.end].isdigit()
    )


def is_km(c: str, n: Num, lang: str) -> bool:
    """A mileage: followed by km (or miles in English) or introduced by 'kilometraje'/'mileage'."""
    k = cues()
    after = _after(c, n)
    if k.km_after.match(after) or k.km_before.search(_before(c, n)):
        return True
    return lang == "en" and bool(k.miles_after.match(after))


def term_months(c: str, n: Num) -> int | None:
    """Financing term in months when the number is one ('4 años', '48 meses', 'plazo de 36'), else None."""
    k = cues()
    if n.mult > 1 or n.grouped or n.value <= 0:
        return None
    before, after = _before(c, n), _after(c, n)
    if k.age_after.match(after) or k.age_before.search(before):
        return None
    if re.match(r"^\s*(?:meses|months?)\s+(?:al|a|per|por|each|every|cada|de\s+cada)\s+(?:ano|year)\b", after):
        return None  # "6 meses al año", "6 months a year": how often, not a term
    years = k.years_after.match(after)
    if years:
        return round((n.value + (0.5 if years.group(1) else 0)) * 12)
    if k.months_after.match(after):
        return round(n.value)
    if k.payments_after.match(after):
        return round(n.value) if n.value >= 6 and n.value == int(n.value) else None
    if k.plazo_before.search(before) and n.value == int(n.value):
        return round(n.value * 12) if n.value <= 10 else round(n.value)
    if re.search(r"\ba\s*$", before) and n.value in TERM_MONTHS and not has_money_mark(c, n):
        return round(n.value)  # "¿y a 72?", "cuánto al mes a 48": a term in months
    if re.search(r"^\W*(?:y\s+)?a\s*$", before) and 1 <= n.value <= 10 and re.match(r"^\s*\??\s*$", after):
        return round(n.value * 12)  # "¿y a 6?" alone: years
    return None


INCOME_BEFORE = re.compile(
    r"\b(?:i\s+make|i\s+earn|gano|ganamos|mi\s+sueldo\s+es\s+de|sueldo\s+de|ingresos?\s+de|salary\s+of)\s*$"
)


def is_monthly(c: str, n: Num) -> bool:
    """An amount per month ('5 mil al mes', 'mensualidades de 6 mil', 'la mensualidad no puede pasar de 5 mil')."""
    k = cues()
    before = _before(c, n)
    if INCOME_BEFORE.search(before):
        return False  # "I make 15k a month": income, not a payment
    if k.monthly_after.match(_after(c, n)):
        return True
    if abs(n.value) >= MAX_MONTHLY or k.cash_after.match(_after(c, n)):
        return False  # "I can pay 380k cash": a price, whatever verb comes before it
    return bool(k.monthly_before.search(before) or k.monthly_bound_before.search(before))


def is_price_claim(before: str) -> bool:
    """'el Onix cuesta', 'véndemelo en', 'the price is now' right before an amount (not 'que cuesta')."""
    k = cues()
    match = k.price_claim.search(before)
    return match is not None and not k.relative_before.search(before[: match.start()])
