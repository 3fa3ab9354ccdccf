"""What a message signals to the turn's planner (agreement, an approval question, a name alone, "¿y el Jetta?",
"el 18", "de esos dos"...) and why a turn goes to a person. Pure functions and patterns over the folded text."""

from __future__ import annotations

import re

from graph.state import State
from graph.understanding import Understanding
from tools.text import fold

AGREEMENT = re.compile(r"^\W*(?:si|sip|simon|va|sale|ok|okay|dale|claro|por\s+favor|porfa|yes|yeah|sure|please)\W*$")
ADVISOR_YES = re.compile(
    r"^\W*(?:(?:pues|bueno|ah|oh|ok|okay|ya)\W+)?(?:si|sip|va|sale|ok|okay|dale|claro|por\s+favor|porfa|yes|yeah|sure|"
    r"please)\b(?!.*\b(?:run|calcula|busca|show|muestra|cuanto|how\s+much|gracias|thanks|thank\s+you|\d+)\b)"
)
"""Saying yes to "¿le pido a un asesor…?" (not "ok, run the Mini at 36 months", which is a new request)."""
NAME_ONLY = re.compile(r"^[^\W\d_]+(?:[\s'-][^\W\d_]+){0,4}\.?$")
APPROVAL = re.compile(
    r"\b(?:me\s+(?:aprueban|aprobaron|autorizan|autorizaron|van\s+a\s+aprobar|lo\s+aprueban|dan\s+el\s+credito|darian)|"
    r"aprobad[oa]|(?:was|am)\s+i\s+approved|approve\s+me|get\s+approved|"
    r"asegur\w+\s+(?:que\s+)?(?:me\s+)?aprueb\w*|(?:will|would|can)\s+(?:i|you)\s+(?:be\s+approved|approve)|"
    r"guarantee\w*\s+(?:approval|me)|pre-?approv\w*)\b"
)
PAYMENT_ASK = re.compile(
    r"\b(?:cuanto|cuanta|how\s+much|what\s+would|pagaria|saldria|quedaria|calcula\w*|calculate|"
    r"(?:what|cual|de\s+cuanto)\W+(?:s\W+|is\W+|es\W+|seria\W+)?(?:the\W+|la\W+)?(?:monthly|mensualidad))\b"
)
"""A question that asks for an amount; "¿el seguro va incluido en la mensualidad?" asks about insurance instead."""
MISUNDERSTOOD_LIMIT = 2
APPRAISAL = re.compile(
    r"\b(?:cuanto|que)\s+me\s+(?:darian|dan|daran|daria|pagarian|pagan|pagaria|ofrecen|ofrecerian|ofreceria)\b|"
    r"\bcuanto\s+(?:vale|valdria|cuesta)\s+(?:mi|el\s+mio|la\s+mia)\b|"
    r"\b(?:how\s+much|what)\s+(?:would|will|could|do|can)\s+you\s+(?:give|pay|offer)\b|"
    r"\bwhat(?:'s|\s+is)\s+my\s+(?:car|truck|suv)\s+worth\b"
)
""" "¿más o menos cuánto me darían por él?": a quote for the customer's own car, which only an inspection gives."""


BARE_AMOUNT = re.compile(
    r"^\W*(?:y\s+)?(?:con|dando|doy|le\s+doy|pongo|with|of|de)?\s*\$?\s*(\d{1,3}(?:,\d{3})+|\d+)\s*"
    r"(mil|k|lucas|varos|thousand)?\s*(?:pesos)?\W*$"
)
"""Only an amount ("con 100", "80 mil", "$50,000"): answering "¿con cuánto de enganche?"."""


def bare_amount(folded: str) -> int | None:
    """The amount of a message that is only an amount; hundreds or less mean thousands ("con 100" = $100,000)."""
    match = BARE_AMOUNT.match(folded)
    if not match:
        return None
    value = int(match.group(1).replace(",", ""))
    return value * 1000 if match.group(2) or value < 1000 else value


SAME_DOWN = re.compile(
    r"\b(?:(?:con\s+)?(?:ese|el\s+mismo|este)\s+enganche|(?:with\s+)?(?:that|the\s+same)\s+down(?:\s*payment)?)\b"
)


AND_THE = re.compile(
    r"^\W*(?:y|and|what\s+about|how\s+about|and\s+what\s+about)\s+(?:(?:el|la|los|las|the|un|una|a)\s+)?\w+(?:\s+\w+)?\W*$"
)
"""A model alone after "and" ("¿y el Jetta?", "what about the Mazda 3?"): the last question, about that car."""
SHORT_YEAR = re.compile(
    r"\b(?:el|la|los|las|del|de|the|that|this|ese|esa)\s+(?:del\s+|de\s+)?'?([1-2]\d)\b(?!\s*(?:mil|k\b|%|km|meses|"
    r"months|anos|years|de\s+[a-z]+|a\s+las|hrs|pm|am|:))"
)
"""A model year said in two digits ("el 18", "la del 19") about a list that has one."""
FITS = re.compile(
    r"\b(?:entra|entraria|cabe|cabria|alcanza|alcanzaria|ajusta|ajustaria|queda\s+dentro|fits?|afford|"
    r"within\s+(?:my|the)\s+budget|in\s+(?:my|the)\s+budget|en\s+(?:mi|el)\s+presupuesto)\b"
)
"""Whether a car fits the monthly budget the customer gave ("¿el Corolla entra?", "does the Jetta fit?")."""
THOSE_COUNTED = re.compile(
    r"\b(?:(?:de\s+)?(?:esos|esas|estos|estas|los|las)\s+(dos|tres|[23])|(?:of\s+)?(?:those|these|the)\s+(two|three|[23])"
    r"|(ambos|ambas|both))\b"
)
"""The cars "de esos dos" points at: a few of the list, not all of it."""


def handoff_reason(u: Understanding, text: str, state: State, topics: list[str], misunderstood: int) -> str | None:
    """Why this turn goes to a person, if it does: asked for one, a complaint, twice not understood, an unknown
    question the customer insists on, or a credit decision."""
    if u.complaint:
        return "complaint"  # "esto es una burla, quiero que alguien me resuelva": an apology, then the person
    if u.wants_human:
        return "customer_request"
    if misunderstood >= MISUNDERSTOOD_LIMIT:
        return "not_understood"
    credit_words = re.search(r"\b(?:credito|financ\w*|loan|solicitud|application|buro|approve)\b", fold(text))
    if APPROVAL.search(fold(text)) and ("credit-history" in topics or credit_words or state.get("financing")):
        return "credit_decision"
    says_yes = state.get("pending") == "advisor" and bool(ADVISOR_YES.search(fold(text)))
    says_yes = says_yes and not (u.visit_when or has_slots(u))  # "ok, ¿la puedo ver mañana a las 11?": a new request
    insists = "unknown" in u.topics or says_yes
    if state.get("unknown_question") and insists:
        return "unknown_question"
    return None


def looks_like_a_name(text: str) -> bool:
    """ "Rogelio Castañeda" answering "¿a nombre de quién?": a few words, none of them an everyday word of a
    message ("ok gracias", "luego te digo") unless it is a known first name."""
    from graph.understanding.slots import first_names
    from tools.text import is_message_word

    raw = text.strip().rstrip(".")
    return bool(NAME_ONLY.match(raw)) and not any(
        is_message_word(w) and w not in first_names() for w in fold(raw).split()
    )


def has_slots(u: Understanding) -> bool:
    values = (
        u.max_price,
        u.min_price,
        u.body_type,
        u.min_year,
        u.max_km,
        u.term_months,
        u.down_payment,
        u.down_payment_pct,
        u.monthly_payment,
        u.ordinal,
    )
    return any(v is not None for v in values) or bool(u.brand_texts or u.refers_back or u.rejected)


def has_other_slots(u: Understanding) -> bool:
    """Slots besides the car named: a new search or question rather than "¿y el Jetta?"."""
    return has_slots(u.model_copy(update={"brand_texts": []})) or bool(u.topics or u.visit_when or u.sort)
