"""Plan a turn: which car it is about, which searches to run, and the ordered work (agenda) for the tool nodes.

Pure over the turn's understanding and the conversation state (no tools, no I/O), so every decision can be tested
on its own. The consultative guardrail itself lives in `graph.routing`, which never lets a turn without a concrete
constraint reach an inventory tool whatever this plan says.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from graph.context import Context
from graph.references import attributes_of, mentions_model, resolve
from graph.state import State, Step
from graph.understanding import Understanding
from graph.understanding.dates import resolve as resolve_time
from tools.finance import FinancingTerms
from tools.text import fold

STEP_ORDER: tuple[Step, ...] = ("knowledge", "normalize", "afford", "search", "finance", "schedule", "visits", "handoff")
STOCK_QUESTION = re.compile(
    r"\b(?:tienen|tienes|tiene|tendran|hay|manejan|manejas|venden|busco|buscando|buscamos|muestrame|ensename|"
    r"que\s+mas|que\s+otr[oa]s?|do\s+you\s+have|have\s+any|show\s+me|looking\s+for|what\s+else|anything\s+else|"
    r"other\s+options|todavia|aun|still)\b"
)
AGREEMENT = re.compile(r"^\W*(?:si|sip|simon|va|sale|ok|okay|dale|claro|por\s+favor|porfa|yes|yeah|sure|please)\b")
APPROVAL = re.compile(
    r"\b(?:me\s+(?:aprueban|autorizan|van\s+a\s+aprobar|lo\s+aprueban|dan\s+el\s+credito|darian)|aprobad[oa]|"
    r"asegur\w+\s+(?:que\s+)?(?:me\s+)?aprueb\w*|(?:will|would|can)\s+(?:i|you)\s+(?:be\s+approved|approve)|"
    r"guarantee\w*\s+(?:approval|me)|pre-?approv\w*)\b"
)
MISUNDERSTOOD_LIMIT = 2
OPEN_HOUR, CLOSE_HOUR = time(9, 0), time(18, 0)
"""General opening hours (data/knowledge/branches.csv); the last visit starts an hour before closing."""


def plan_turn(u: Understanding, text: str, state: State, context: Context, terms: FinancingTerms) -> dict[str, Any]:
    """The turn's agenda, searches, selected car, pending question, notes and bookkeeping."""
    prefs: dict[str, Any] = dict(state.get("preferences") or {})
    shown: list[dict[str, Any]] = list(state.get("shown") or [])
    selected = state.get("selected")
    pending = state.get("pending")
    folded = fold(text)
    steps: set[Step] = set()
    notes: list[str] = [f"rejected:{value}" for value in u.rejected]
    notes += [f"unsupported:{name}" for name in u.unsupported]
    intent = _continue_pending(u, pending, folded)
    topics = [t for t in u.topics if t != "unknown"]
    if u.haggle:
        topics = [*topics, "fixed-prices"] if "fixed-prices" not in topics else topics
    if topics:
        steps.add("knowledge")
    if u.term_months is not None and u.term_months not in terms.allowed_terms:
        notes.append(f"term:{u.term_months}")
        prefs.pop("term_months", None)
    stock_question = bool(STOCK_QUESTION.search(folded))
    new_criteria = _new_criteria(u, shown, stock_question)
    picks = not new_criteria and bool(shown or selected) and _points_at_a_car(u, stock_question)
    asks_about_car = bool(u.asks_features) or (
        not new_criteria and bool(selected or len(shown) == 1) and bool(u.features or u.transmission) and "?" in text
    )
    wants_car = intent in ("finance", "schedule") or picks or asks_about_car
    resolution = resolve(u.model_dump(), shown, selected, wants_car)
    car = resolution.car
    lookups: list[dict[str, Any]] = []
    out: dict[str, Any] = {"selected": car if wants_car else selected, "pending": None}
    plan: dict[str, Any] = {"intent": intent, "topics": topics, "asks_about_car": asks_about_car, "picks": picks}
    if resolution.missing:
        out["notice"] = "reference_missing"
    wanted_mentions = [m for m in u.brand_texts if not (car and mentions_model(m, car))]
    if u.compare and len(u.brand_texts) >= 2:
        lookups = [_lookup(i, u, prefs, "compare") for i in range(len(u.brand_texts))]
        steps |= {"normalize", "search", "finance"}
    elif wants_car and car is None and u.brand_texts:
        lookups = [_lookup(0, u, prefs, "lookup")]
        steps |= {"normalize", "search"}
    elif wants_car and car is None and resolution.candidates and intent in ("finance", "schedule"):
        plan["candidates"] = resolution.candidates[: context.max_cars_in_reply]
        out["pending"] = "which_car"
    money_rejected = any(v.split(":")[0] in ("down_payment_pct", "down_payment", "price") for v in u.rejected)
    if intent == "finance" and money_rejected:
        out["pending"] = "finance"  # "enganche de 150%": say why it cannot be, never price something else instead
    elif intent == "finance" and u.monthly_payment is not None and car is None and not lookups:
        steps |= {"afford", "search", "finance"}
        lookups = [_list_search(None, u, prefs, folded, shown, selected)]
    elif intent == "finance":
        if car is not None or lookups:
            steps.add("finance")
        elif not plan.get("candidates"):
            out["pending"] = "finance"
    if "finance" in steps:  # the payment (or the tool's refusal) answers these already
        topics = [t for t in topics if t not in ("down-payment", "insurance")]
        plan["topics"] = topics
        if not topics:
            steps.discard("knowledge")
    if intent == "schedule":
        _plan_visit(u, prefs, state, context, notes, out, plan, steps, has_car=car is not None or bool(lookups))
    if u.visit_action or (u.customer_name and state.get("booking") and intent not in ("schedule",)):
        steps.add("visits")
    if not lookups and (new_criteria or (intent == "search" and not picks and not wants_car)):
        mentions = list(range(len(wanted_mentions))) if len(wanted_mentions) > 1 else [0 if wanted_mentions else None]
        lookups = [_list_search(i, u, prefs, folded, shown, selected) for i in mentions]
        steps.add("search")
        if wanted_mentions:
            steps.add("normalize")
    understood = bool(steps or topics or out.get("pending") or picks or asks_about_car or "unknown" in u.topics) or (
        intent in ("greeting", "thanks") or bool(u.visit_when or u.customer_name) or _has_slots(u)
    )
    out["misunderstood"] = 0 if understood else int(state.get("misunderstood") or 0) + 1
    reason = handoff_reason(u, text, state, topics, out["misunderstood"])
    if reason:
        steps.add("handoff")
        plan["handoff_reason"] = reason
    out["unknown_question"] = "unknown" in u.topics
    if "unknown" in u.topics and not reason:
        out["pending"] = "advisor"
    out.update(agenda=[s for s in STEP_ORDER if s in steps], lookups=lookups, notes=notes, preferences=prefs, plan=plan)
    return out


def _continue_pending(u: Understanding, pending: str | None, folded: str) -> str:
    """A short answer to our own question ("el sábado a las 10", "el segundo") continues that request."""
    if pending in (None, "advisor") or u.intent in ("finance", "schedule", "visit_change"):
        return u.intent
    if pending == "visit_hour" and (u.visit_when or re.search(r"\b\d{1,2}\b", folded)):
        return "schedule"
    answers_when = pending in ("schedule", "visit_hour") and bool(u.visit_when or u.customer_name)
    names_car = bool(u.ordinal or u.refers_back or u.brand_texts or (u.min_year and u.min_year == u.max_year))
    new_search = any(getattr(u, k) is not None for k in ("body_type", "min_price", "max_price"))
    if pending in ("finance", "schedule", "which_car") and names_car and not new_search:
        return "schedule" if pending == "schedule" else "finance" if pending in ("finance", "which_car") else u.intent
    if answers_when:
        return "schedule"
    return u.intent


def _new_criteria(u: Understanding, shown: list[dict[str, Any]], stock_question: bool) -> bool:
    """Whether the message asks for a (new) search rather than pointing at a car already listed."""
    if u.body_type or u.max_price is not None or u.min_price is not None or u.course or u.monthly_payment:
        return u.monthly_payment is None or u.intent != "finance"
    if u.brand_texts and not any(mentions_model(m, c) for m in u.brand_texts for c in shown):
        return True
    if u.features or u.transmission or u.sort:
        return stock_question or not shown
    if (u.min_year or u.max_km) and (stock_question or not shown):
        return True
    return False


def _points_at_a_car(u: Understanding, stock_question: bool) -> bool:
    """ "el segundo", "ese", "la del 2019", "la más barata de esas", "el Onix" (listed)."""
    if u.ordinal is not None or u.refers_back:
        return True
    if stock_question:
        return False
    return bool(u.brand_texts or u.sort or attributes_of(u.model_dump()))


def _lookup(index: int, u: Understanding, prefs: dict[str, Any], purpose: str) -> dict[str, Any]:
    """Find the car named ("la Captur 2019"): its model (from normalize) plus every attribute the customer gave."""
    attributes = attributes_of(u.model_dump()) if index == 0 or purpose == "lookup" else {}
    return {"mention": index, "filters": attributes, "sort": u.sort or "price_asc", "purpose": purpose}


def _list_search(
    index: int | None,
    u: Understanding,
    prefs: dict[str, Any],
    folded: str,
    shown: list[dict[str, Any]],
    selected: dict[str, Any] | None,
) -> dict[str, Any]:
    """A list of cars matching the preferences (the mention's model when one is named)."""
    keys = ("body_type", "min_price", "max_price", "min_year", "max_year", "max_km", "transmission", "bluetooth", "car_play")
    filters = {k: prefs[k] for k in keys if prefs.get(k) is not None}
    if index is None and not u.brand_texts:
        filters.update({k: prefs[k] for k in ("make", "model") if prefs.get(k)})
    spec: dict[str, Any] = {"mention": index, "filters": filters, "sort": u.sort or "price_asc", "purpose": "list"}
    if u.course == "stretch" and u.max_price is not None:
        previous = max((int(c["price"]) for c in shown), default=None)
        if previous is not None and previous < u.max_price:
            spec["filters"]["min_price"] = previous + 1  # show what the higher budget adds
    if u.course == "more" and shown:
        spec["exclude"] = [c["stock_id"] for c in shown]
    if u.course == "cheaper":
        spec["relax"] = ["model", "make", "body_type"]
    return spec


def _plan_visit(
    u: Understanding,
    prefs: dict[str, Any],
    state: State,
    context: Context,
    notes: list[str],
    out: dict[str, Any],
    plan: dict[str, Any],
    steps: set[Step],
    has_car: bool,
) -> None:
    """Book when the car, the day and the hour are known and open; otherwise ask for what is missing."""
    now = context.clock()
    earlier = prefs.get("visit_when") if state.get("pending") == "visit_hour" else None
    if u.visit_when:
        prefs["visit_when"] = f"{earlier} {u.visit_when}" if earlier else u.visit_when
        prefs.pop("visit_at", None)
    if not has_car:
        out["pending"] = out.get("pending") or "schedule"
        return
    words = prefs.get("visit_when")
    if not words:
        out["pending"] = "schedule"
        return
    moment = resolve_time(fold(u.visit_when or words), now)
    if earlier and u.visit_when:  # completing our question: the new words win, the earlier ones fill the gaps
        before = resolve_time(fold(earlier), now)
        moment = type(moment)(day=moment.day or before.day, hour=moment.hour or before.hour, part=moment.part)
    if moment.day is None or moment.hour is None:
        out["pending"] = "visit_hour"
        plan["visit_missing"] = "day" if moment.day is None else "hour"
        if moment.day is not None:
            plan["visit_day"] = moment.day.isoformat()
        return
    at = datetime.combine(moment.day, moment.hour, tzinfo=now.tzinfo)
    if at <= now:
        notes.append("visit:past")
        out["pending"] = "visit_hour"
        return
    latest = (datetime.combine(at.date(), CLOSE_HOUR) - timedelta(hours=1)).time()
    if not OPEN_HOUR <= at.time() <= latest:
        slot = datetime.combine(at.date(), OPEN_HOUR if at.time() < OPEN_HOUR else latest, tzinfo=at.tzinfo)
        notes.append(f"visit:closed:{slot.isoformat()}")
        out["pending"] = "visit_hour"
        return
    prefs["visit_at"] = at.isoformat()
    steps.add("schedule")


def handoff_reason(u: Understanding, text: str, state: State, topics: list[str], misunderstood: int) -> str | None:
    """Why this turn goes to a person, if it does: asked for one, a complaint, twice not understood, an unknown
    question the customer insists on, or a credit decision."""
    if u.wants_human:
        return "customer_request"
    if u.complaint:
        return "complaint"
    if misunderstood >= MISUNDERSTOOD_LIMIT:
        return "not_understood"
    if "credit-history" in topics and APPROVAL.search(fold(text)):
        return "credit_decision"
    if state.get("unknown_question") and ("unknown" in u.topics or (state.get("pending") == "advisor" and AGREEMENT.search(fold(text)))):
        return "unknown_question"
    return None


def _has_slots(u: Understanding) -> bool:
    values = (u.max_price, u.min_price, u.body_type, u.min_year, u.max_km, u.term_months, u.down_payment,
              u.down_payment_pct, u.monthly_payment, u.ordinal)  # fmt: skip
    return any(v is not None for v in values) or bool(u.brand_texts or u.refers_back or u.rejected)
