"""The offline understanding: one customer message → `Understanding`, by deterministic rules over data files.

It generalises over patterns of the language (number words, currencies, separators, units, slang, typos, word
order), not over known sentences. Matching runs on a folded copy (lowercase, no accents) that keeps every index of
the original, so spans returned "as written" (car names, the visit time, the name) are cut from the original text;
numeric slots are read from a canonical copy in which every number phrase is plain digits.
"""

from __future__ import annotations

import logging
import re

from graph.understanding import brands, dates, intents, slots
from graph.understanding.language import detect_language, fix_typos
from graph.understanding.numbers import canonical_numbers
from graph.understanding.numeric_slots import numeric_slots
from graph.understanding.schema import Understanding
from graph.understanding.vocab import cue, patterns_rx, phrases_rx
from tools.normalize import BrandCatalog
from tools.text import fold

log = logging.getLogger(__name__)

MAX_CHARS = 4000
BARE_THOUSANDS = (50, 9_999)
"""A message that is only a number in this range ("300", "2 50") is a budget in thousands of pesos."""


def parse(text: str, catalog: BrandCatalog | None = None, context_models: tuple[str, ...] = ()) -> Understanding:
    """Parse one message (may raise on a parser bug; `understand_offline` logs and re-raises nothing silently)."""
    raw = text[:MAX_CHARS]
    folded = fold(raw)
    lang = detect_language(folded)
    mentions = brands.brand_mentions(raw, catalog, lang, context_models)
    name = slots.customer_name(raw)
    name_words = set(re.findall(r"\w+", fold(name or "")))
    in_name = [m for m in mentions if name_words and set(re.findall(r"\w+", fold(m.text))) <= name_words]
    disliked = [m for m in mentions if _disliked(folded, m.start, m.end)]  # "nah the compass is kinda meh"
    wanted = [m.text for m in mentions if not m.owned and m not in in_name and m not in disliked]
    owned = None
    for mention in mentions:  # numbers inside names ("CX-5", "Serie 3") are no budget; nor is the owned car's year
        end = mention.end
        if mention.owned:
            year = re.match(
                r"[\s,]*(?:(?:es|is|it's|its)\s+)?(?:(?:modelo|del|de|model)\s+)?(?:19|20)\d\d\b", folded[mention.end :]
            )
            end = mention.end + (year.end() if year else 0)
            owned = owned or raw[mention.start : end].strip()
        masked = (
            re.sub(r"[0-9]", " ", folded[mention.start : end]) if not mention.owned else " " * (end - mention.start)
        )
        folded = folded[: mention.start] + masked + folded[end:]
    fixed = phrases_rx(cue("percent.words"), prefix=r"\s*\b").sub("%", fix_typos(folded))
    canonical, nums = canonical_numbers(fixed, lang)
    found = numeric_slots(canonical, nums, lang)
    _bare_budget(canonical, nums, found)
    visit = dates.visit_span(raw, folded)
    found.update(
        body_type=slots.body_type(canonical),
        body_types=slots.body_types(canonical),
        min_down_payment=slots.minimum_down(canonical),
        transmission=slots.transmission(canonical),
        all_wheel_drive=slots.all_wheel_drive(canonical),
        features=slots.features(canonical),
        unsupported=slots.unsupported(canonical),
        min_seats=slots.min_seats(canonical),
        sort=slots.sort_order(canonical),
        sort_plural=slots.sort_plural(canonical),
        visit_action=intents.visit_action(canonical),
        **intents.flags(canonical),
    )
    asked = slots.equipment_asked(raw, canonical)
    if slots.transmission_asked(raw, canonical) and "transmission" not in asked:
        asked.append("transmission")  # "¿es automático o estándar?"
    if asked:  # "¿el Spark trae Bluetooth?": asked about, not a filter
        found["asks_features"] = asked
        found["features"] = [f for f in found["features"] if f not in asked]
        if "awd" in asked:
            found["all_wheel_drive"] = False
    car_seats = re.search(r"\d\s*(?:pasajeros|asientos|lugares|plazas|seats|passengers|seater)", canonical)
    if (
        wanted
        and car_seats
        and found["body_type"] == "minivan"
        and not phrases_rx(cue("body.minivan")).search(canonical)
    ):
        found.update(body_type=None, body_types=[])  # "la Captiva de 7 pasajeros": the seats describe that car
    injection = bool(found.pop("injection", False)) or bool(patterns_rx(cue("injection_patterns")).search(canonical))
    intent = intents.main_intent(canonical, found, visit is not None, bool(wanted))
    pays = found.get("term_months") or found.get("monthly_payment") or found.get("down_payment")
    if intent == "finance" and found.get("cash") and not pays:
        intent = "search"  # "traigo 280k de contado, no quiero crédito": a cash buyer searching
    if found["sort"] and intent == "other":
        intent = "search"
    return Understanding(
        **found,
        injection=injection,
        intent=intent,  # type: ignore[arg-type]
        language=lang,
        formal=slots.formal(canonical),
        brand_texts=wanted,
        owned_car=owned,
        ordinal=slots.ordinal(canonical.replace(fold(visit), " ") if visit else canonical),  # "around 2": an hour
        step=slots.step(canonical),
        refers_back=slots.refers_back(raw, canonical),
        customer_name=name,
        visit_when=visit,
    )


DISLIKE_AFTER = re.compile(
    r"^\W*(?:is|es|esta|está|se\s+ve|looks|seems)?\s*(?:kinda|kind\s+of|medio|muy|bien|super|too|so|really)?\s*"
    r"(?:meh|ugly|fe[oa]|no\s+me\s+(?:gusta|late|convence|agrada)|not\s+(?:for\s+me|my\s+style|great)|boring|aburrid[oa])\b"
)
DISLIKE_BEFORE = re.compile(
    r"\b(?:no\s+me\s+(?:gusta|late|convence|agrada)|not\s+a\s+fan\s+of|(?:i\s+)?(?:don'?t|do\s+not)\s+like|"
    r"nada\s+de|forget)\s+(?:el|la|los|las|the|that)?\s*$"
)


def _disliked(folded: str, start: int, end: int) -> bool:
    """ "la compass no me late", "nah the compass is kinda meh": a car the customer turns down, not one wanted."""
    return bool(
        DISLIKE_AFTER.match(folded[end : end + 40]) or DISLIKE_BEFORE.search(folded[max(0, start - 30) : start])
    )


def _bare_budget(canonical: str, nums: list, found: dict) -> None:
    """ "300" or "2 50" alone answers "¿qué presupuesto tienes?": a budget in thousands."""
    split = re.fullmatch(r"\s*\$?\s*([1-9])\s+(\d{2})\s*", canonical)
    if split and found.get("max_price") is None:
        found["max_price"] = int(split.group(1) + split.group(2)) * 1000  # "2 50": 250 mil
        return
    if len(nums) != 1 or re.sub(r"[\d\s$.,k]", "", canonical.strip()):
        return
    value = nums[0].value
    if found.get("min_year") is not None and found.get("min_year") == value:
        return  # "2021" alone is a model year
    if found.get("max_price") is None and BARE_THOUSANDS[0] <= value <= BARE_THOUSANDS[1] and value == int(value):
        found["max_price"] = int(value * 1000)


def understand_offline(
    text: str, catalog: BrandCatalog | None = None, context_models: tuple[str, ...] = ()
) -> Understanding:
    """Intent and slots of one customer message by deterministic rules.

    `context_models` are the models under discussion (the cars just listed): an everyday word that names one of
    them ("el versa a 4 años") is that car. Empty input gives the default `Understanding`. A parser bug is logged
    with the message length and raised: it must fail a test, not silently produce an empty understanding.
    """
    if not isinstance(text, str) or not text.strip():
        return Understanding()
    try:
        return parse(text, catalog, context_models)
    except Exception:
        log.exception("offline understanding failed on a message of %d characters", len(text))
        raise
