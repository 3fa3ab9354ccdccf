"""Offline detection of questions about the dealer (warranty, returns, documents...) and of unknown questions.

A message asks about a topic when it uses the words customers use for it (the section's keywords in
data/knowledge/) and the knowledge search ranks that section high; a question about nothing we know (no car, no
budget, no topic) is "unknown": the agent says so and offers an advisor instead of inventing an answer.
"""

from __future__ import annotations

import re
from typing import Any

from graph.understanding import Understanding
from graph.understanding.vocab import word_set
from tools.knowledge import KnowledgeBase
from tools.text import fold

MAX_TOPICS = 2
SHORT_MESSAGE = 7
"""Words of a message short enough that one keyword makes it a question about that topic ("q papeles ocupo")."""
QUESTION = re.compile(
    r"\?|(?:^|[.!;]\s)\W*(?:(?:y|ok|oye|va|bueno|and|also|so|ok\s+y)\W+)?(?:que|como|cuando|donde|cual|cuales|cuanto|cuanta|"
    r"cuantos|por que|se puede|puedo|hay|tienen|tiene|trae|traen|incluye|incluyen|aceptan|"
    r"manejan|hacen|dan|venden|what|how|when|where|which|can|do|does|is|are|will|would)\b|"
    r"\bo\s+(?:como|que|q|cual|no|nel|k)\W*$|\b(?:verdad|cierto|right)\W*$|"
    r"\b(?:what(?:'s|\s+is|\s+are)|how(?:'s|\s+is|\s+does))\s+(?:the|your)\b|\b(?:cual|como)\s+(?:es|son)\s+(?:el|la|los|las|su|sus)\b|"
    r"\b(?:q|que|cuales|cuantos|cuantas|cuanto)\s+(?:\w+\s+)?(?:ocupo|necesito|nesecito|llevo|piden|pide|requiero|"
    r"tengo\s+que|hay\s+que|se\s+necesita)\b|"
    r"\b(?:quisiera saber|quiero saber|me (?:puede|podria|puedes|podrias) (?:decir|confirmar|explicar)|"
    r"(?:me )?(?:gustaria|interesa) saber|saber si|i'?d like to know|i would like to know|i wonder|wondering|"
    r"could you (?:tell|confirm)|can you (?:tell|confirm)|do you know|como le hago|como hago|como puedo|"
    r"how do i|how can i|what do i need|o\s+tengo\s+(?:q|que)|se\s+puede|o\s+no)\b"
)
CAR_QUESTION_TOPICS = ("car-data",)
"""Topics that, with a car under discussion, are answered from its inventory record instead."""


PROCESS_QUESTION = re.compile(
    r"\b(?:como\s+(?:funciona|es\s+el|le\s+hago|se\s+tramita)|requisitos|how\s+does|how\s+do\s+i\s+apply|process|proceso)\b"
)
"""Words that ask how financing works, even next to a monthly budget."""
PAYMENT_WORDS = re.compile(
    r"\b(?:mensualidad|mensual|al mes|monthly|per month|a month|cuanto (?:sale|queda|quedaria|saldria|pagaria))\b"
)
ABROAD = re.compile(
    r"\b(?:(?:to|back\s+to|into|in)\s+(?:the\s+)?(?:us|usa|u\.s\.|states|canada|texas|california|guatemala)|"
    r"(?:a|hasta|para|pa)\s+(?:estados\s+unidos|usa|eu|canada|texas|california|guatemala|el\s+otro\s+lado)|"
    r"otro\s+pais|another\s+country|abroad|al\s+extranjero|cruzar\s+la\s+frontera|across\s+the\s+border)\b"
)
FINANCE_POLICY = frozenset({"rates-terms", "financing-process", "down-payment"})
HOURS_QUESTION = re.compile(
    r"\b(?:horario|horarios|abren|abre|abrir|cierran|cierra|hours|open|opens|close|closes|closing)\b"
)


def _phrase_hit(text: str, kb: KnowledgeBase, sections: set[str]) -> bool:
    """Whether a keyword of several words ("a cuenta", "sin enganche") appears whole: a topic without a question."""
    folded = " " + " ".join(re.findall(r"[a-z0-9]+", kb.correct(text))) + " "
    for section in kb.sections:
        if section.id not in sections:
            continue
        for keyword in section.keywords:
            key = " ".join(re.findall(r"[a-z0-9]+", fold(keyword)))
            if " " in key and f" {key} " in folded:
                return True
    return False


def is_question(text: str) -> bool:
    """Whether a message asks something (a question mark, or starts like a question)."""
    return bool(QUESTION.search(fold(text)))


def _keyword_hits(text: str, kb: KnowledgeBase) -> set[str]:
    """Sections whose keywords appear whole in the message (its long words' typos corrected: "garatia")."""
    folded = " " + " ".join(re.findall(r"[a-z0-9]+", kb.correct(text))) + " "
    hits: set[str] = set()
    for section in kb.sections:
        for keyword in section.keywords:
            key = " ".join(re.findall(r"[a-z0-9]+", fold(keyword)))
            if key and f" {key} " in folded:
                hits.add(section.id)
                break
    return hits


def detect_topics(text: str, understanding: Understanding, state: Any, kb: KnowledgeBase) -> list[str]:
    """Knowledge-base section ids the message asks about (at most two), or ["unknown"], or []."""
    hits = _keyword_hits(text, kb)
    searching = bool(
        understanding.brand_texts
        or understanding.body_type
        or understanding.max_price
        or understanding.min_price
        or understanding.sort
    )
    if (
        state.get("selected")
        or searching
        or understanding.features
        or understanding.asks_features
        or understanding.transmission
    ):
        hits -= set(CAR_QUESTION_TOPICS)  # "¿trae carplay?" about a car is answered from its record
    in_focus = bool(state.get("selected") or len(state.get("shown") or []) == 1 or understanding.brand_texts)
    if (
        set(understanding.unsupported) <= {"accidents", "service_history"}
        and understanding.unsupported
        and not in_focus
    ):
        hits.add("certification")  # "¿cómo sé que no me venden uno chocado?": how every car is checked
    elif understanding.unsupported:
        hits.add("car-data")  # colour, fuel, history, accidents: not in the data, said plainly
    elif len(hits) > 1 and not (state.get("selected") or len(state.get("shown") or []) == 1):
        hits.discard("car-data")  # "¿la garantía cubre la transmisión?" asks about the warranty
    if understanding.owned_car and "sell-your-car" not in hits:
        hits.add("trade-in")  # "les doy mi Aveo 2014 más 150 mil": their car can be the down payment
    if understanding.cash:
        hits -= FINANCE_POLICY | {"financing-documents", "credit-history"}  # "de contado, no quiero crédito"
    if _calculation(understanding):
        hits.discard("down-payment")  # "a 36 meses dando 100 mil de enganche": a payment to compute, not a policy
    if understanding.monthly_payment is not None and not PROCESS_QUESTION.search(fold(text)):
        hits -= FINANCE_POLICY  # "what can I get for 6,000 a month, 4-year loan?": a budget to compute
    names_a_car = understanding.sort or understanding.ordinal or understanding.refers_back or understanding.brand_texts
    if names_a_car and (_calculation(understanding) or PAYMENT_WORDS.search(fold(text))):
        hits -= FINANCE_POLICY - ({"down-payment"} if understanding.min_down_payment else set())  # its payment
    if understanding.down_payment_pct == 0:
        hits.add("down-payment")  # "¿y sin enganche?": the minimum, said plainly
    in_focus_car = state.get("selected") or len(state.get("shown") or []) == 1
    if in_focus_car and len(re.findall(r"\w+", text)) <= 3 and hits <= FINANCE_POLICY:
        return []  # "¿a plazos?" about the car just shown: its payment, not the policy
    if (understanding.intent == "schedule" or understanding.visit_when) and not HOURS_QUESTION.search(fold(text)):
        hits.discard("opening-hours")  # "el sábado en la mañana" books a visit; it does not ask our hours
    if understanding.visit_action == "status":
        hits.discard("opening-hours")  # "can you confirm what time it is?": the time of their visit
    short = len(re.findall(r"\w+", text)) <= SHORT_MESSAGE
    if not hits and FOLLOW_UP.search(fold(text)) and (previous := _follow_up_topic(text, understanding, state)):
        return [previous]  # "y cómo la alargo?" right after the warranty
    if (
        not is_question(text)
        and not _phrase_hit(text, kb, hits)
        and not (short and hits)
        and not understanding.unsupported
        and not understanding.owned_car
    ):
        return []
    if not hits and is_question(text) and kb.branches_in(text)[1] is not None and not understanding.brand_texts:
        hits.add("branches")  # "¿tienen algo en Cuernavaca?"
    ranked = [p["id"] for p in kb.search(text, understanding.language, limit=4)]
    topics = [sid for sid in ranked if sid in hits]
    topics = topics + sorted(hits - set(topics))  # every topic asked, the best ranked first
    if understanding.owned_car and "trade-in" in topics:
        topics = ["trade-in", *(t for t in topics if t != "trade-in")]  # their car first: it pays for the next
    topics = topics[:MAX_TOPICS]
    if understanding.unsupported and "car-data" in hits:
        topics = ["car-data", *[t for t in topics if t != "car-data"]][:MAX_TOPICS]
    if topics:
        return topics
    previous = _follow_up_topic(text, understanding, state)
    if previous:
        return [previous]
    if _unknown_question(text, understanding, state):
        return ["unknown"]
    return []


FOLLOW_UP = re.compile(
    r"^\W*(?:ok\s+|okay\s+|va\s+|sale\s+)?(?:y\s+si|y\s+(?:que|q|como|cuanto|cuando|donde|en\s+cuanto|eso)|pero|and\s+if|"
    r"and\s+(?:what|how|when|where)|what\s+if|but|y\s+(?:el|la|los|las)|y\s+si\s+ya)\b"
)


def _follow_up_topic(text: str, understanding: Understanding, state: Any) -> str | None:
    """ "y si ya le metí 400 km?" right after the return policy: the same topic, asked again."""
    last = list(((state.get("plan") or {}).get("topics")) or [])
    u = understanding
    searching = u.brand_texts or u.body_type or u.max_price or u.sort or u.min_year or u.ordinal
    if not last or searching or _calculation(understanding) or not (is_question(text) or FOLLOW_UP.search(fold(text))):
        return None
    return str(last[0]) if FOLLOW_UP.search(fold(text)) else None


def _calculation(u: Understanding) -> bool:
    """The message carries the numbers of a payment (a term, a down payment, a monthly amount), not the minimum
    and not "nothing down" (which asks about the policy)."""
    amounts = (u.term_months, u.down_payment, u.down_payment_pct, u.monthly_payment)
    return any(v is not None for v in amounts) and not u.min_down_payment and u.down_payment_pct != 0


def _unknown_question(text: str, understanding: Understanding, state: Any) -> bool:
    """A question that names no car, no budget, no slot we read and no topic we know ("¿tienen motos?"), or asks
    about taking a car abroad (nothing the dealer's facts say)."""
    if not is_question(text) or understanding.intent not in ("other", "greeting", "search"):
        return False
    words = set(re.findall(r"[a-z]+", fold(text)))
    if ABROAD.search(fold(text)) and not (understanding.brand_texts or understanding.max_price):
        return True
    if understanding.intent == "search" and (words & word_set("car_words") or state.get("shown")):
        return False
    in_focus = state.get("selected") or len(state.get("shown") or []) == 1
    if in_focus and words & word_set("car_attribute_words"):
        return False  # "¿y de cuántos pasajeros es?": its record answers
    slots = (
        understanding.brand_texts,
        understanding.body_type,
        understanding.max_price,
        understanding.min_price,
        understanding.visit_when,
        understanding.ordinal,
        understanding.step,
        understanding.refers_back,
        understanding.customer_name,
        understanding.wants_human,
        understanding.complaint,
        understanding.haggle,
        understanding.unsupported,
        understanding.features,
        understanding.asks_features,
        understanding.transmission,
        understanding.all_wheel_drive,
        understanding.sort,
        understanding.min_year,
        understanding.max_year,
        understanding.max_km,
    )
    return not any(slots) and len(re.findall(r"\w+", text)) >= 2
