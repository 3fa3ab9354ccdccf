"""Decide what this turn's reply must say (a `ReplyPlan`) and render it from the templates in `prompts/`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graph.routing import has_concrete_constraint
from graph.state import State
from prompts.replies import BODY_NAMES, CRITERIA, TEMPLATES


@dataclass
class ReplyPlan:
    """The kind of reply, the facts it may use (tool outputs and preferences) and the pending question."""

    kind: str
    facts: dict[str, Any] = field(default_factory=dict)
    pending: str | None = None


GOALS = {
    "ask_needs": "Ask for the customer's budget and the type of car they want (sedan, hatchback, SUV, pickup).",
    "greet": "Greet and ask what car they look for and their budget.",
    "thanks": "Thank them and offer more help.",
    "empty": "Say the message arrived empty; ask what car they look for.",
    "injection": "Decline politely: you only help with the inventory, prices come from it; ask what car they want.",
    "other": "Explain what you can do (find cars, monthly payments, visits); ask budget and car type.",
    "unknown_brand": "Say that brand is not in the inventory; suggest the makes in FACTS if any; ask again.",
    "not_in_stock": "Say that brand is not in stock; mention the makes we do have from FACTS; ask preference.",
    "results": "Present the cars in FACTS (one line each: model, year, km, price) and ask one question.",
    "no_results": "Say nothing matches exactly; offer the alternatives in FACTS if any; ask one question.",
    "financing": "Give the financing plan from FACTS: price, down payment, term, monthly payment, rate.",
    "term_error": "Explain the allowed terms (36, 48, 60, 72 months) and ask which one.",
    "down_payment_error": "Explain the down payment must be below the car's price; ask for another.",
    "financing_error": "Say the plan could not be priced; ask to confirm down payment and term.",
    "ask_which_car": "Ask which car to calculate the payment for.",
    "ask_which_car_visit": "Ask which car they would like to see.",
    "ask_when": "Ask what day and time suit them to see the car.",
    "visit_booked": "Confirm the booked visit with its booking number and car; offer more help.",
    "visit_error": "Say the visit could not be booked because the car is unavailable; offer similar options.",
    "reference_missing": "Say that option is not in the list; ask which model.",
    "car_details": "Describe the selected car from FACTS and ask: payment estimate or visit?",
}


def plan_reply(state: State) -> ReplyPlan:
    """What the reply must do this turn, from the turn's tool outputs and the conversation state."""
    understanding = state.get("understanding") or {}
    intent = understanding.get("intent")
    selected = state.get("selected")
    notice = state.get("notice")
    if notice:
        return ReplyPlan(notice, pending=state.get("pending"))
    brand = state.get("brand")
    if brand is not None and brand.get("make") is None:
        if brand.get("method") == "not_in_stock":
            return ReplyPlan("not_in_stock", {"requested": brand["requested_make"], "makes": brand["suggestions"]})
        return ReplyPlan("unknown_brand", {"written": understanding.get("brand_text"), "makes": brand["suggestions"]})
    if (financing := state.get("financing")) is not None:
        return _financing_plan(financing)
    if (visit := state.get("visit")) is not None:
        if "error" in visit:
            return ReplyPlan("visit_error", {"visit": visit})
        return ReplyPlan("visit_booked", {"visit": visit})
    if (outcome := state.get("search")) is not None and not (intent in ("finance", "schedule") and selected):
        plan = _search_plan(outcome, state)
        plan.pending = intent if intent in ("finance", "schedule") else state.get("pending")
        return plan
    if intent == "finance":
        return ReplyPlan("ask_which_car", pending="finance")
    if intent == "schedule":
        if not selected:
            return ReplyPlan("ask_which_car_visit", pending="schedule")
        return ReplyPlan("ask_when", {"car": selected}, pending="schedule")
    if intent == "greeting":
        return ReplyPlan("greet")
    if intent == "thanks":
        return ReplyPlan("thanks")
    if intent == "search" and not has_concrete_constraint(state.get("preferences") or {}, understanding):
        return ReplyPlan("ask_needs")
    if selected and (understanding.get("ordinal") or understanding.get("brand_text")):
        return ReplyPlan("car_details", {"car": selected})
    return ReplyPlan("other", pending=state.get("pending"))


def _financing_plan(financing: dict[str, Any]) -> ReplyPlan:
    car = financing.get("car") or {}
    error = financing.get("error")
    if error is None:
        return ReplyPlan("financing", {"plan": financing, "car": car})
    if "term_months" in error:
        return ReplyPlan(
            "term_error",
            {"car": car, "allowed_terms_months": financing.get("allowed_terms_months")},
            pending="finance",
        )
    if "down_payment" in error:
        return ReplyPlan("down_payment_error", {"car": car}, pending="finance")
    return ReplyPlan("financing_error", {"car": car}, pending="finance")


def _search_plan(outcome: dict[str, Any], state: State) -> ReplyPlan:
    facts = {
        "filters": outcome.get("filters", {}),
        "total": outcome.get("total", 0),
        "cars": state.get("shown", []),
    }
    if outcome.get("found"):
        return ReplyPlan("results", facts)
    return ReplyPlan("no_results", facts)


def money(amount: Any, decimals: bool = False) -> str:
    """Pesos as customers read them: $226,999 or $4,605.82."""
    value = Decimal(str(amount))
    if decimals:
        return f"${value:,.2f}"
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


def render(plan: ReplyPlan, language: str, max_cars: int = 5) -> str:
    """The templated reply for a plan (offline mode, and the fallback of the model's reply)."""
    t = TEMPLATES.get(language, TEMPLATES["es"])
    facts = plan.facts
    kind = plan.kind
    if kind in ("results", "no_results"):
        return _render_search(plan, language, max_cars)
    if kind == "unknown_brand":
        makes = facts.get("makes") or []
        suggestion = t["suggestion"].format(makes=_join(makes, language)) if makes else ""
        return t["unknown_brand"].format(written=(facts.get("written") or "")[:40], suggestion=suggestion)
    if kind == "not_in_stock":
        return t["not_in_stock"].format(requested=facts["requested"], makes=_join(facts["makes"], language))
    if kind == "financing":
        p = facts["plan"]
        months = int(p["term_months"])
        return t["financing"].format(
            car=_title(facts["car"]),
            price=money(p["price"]),
            pct=_number(p["down_payment_pct"]),
            down=money(p["down_payment"], decimals=True),
            years=_number(Decimal(months) / 12),
            months=months,
            monthly=money(p["monthly_payment"], decimals=True),
            rate=_number(Decimal(p["annual_rate"]) * 100),
        )
    if kind in ("term_error", "down_payment_error", "ask_when", "car_details"):
        car = facts.get("car") or {}
        if kind == "car_details":
            return _render_car_details(car, language)
        return t[kind].format(car=_title(car), price=money(car.get("price", 0)))
    if kind == "visit_booked":
        visit = facts["visit"]
        name = visit.get("customer_name")
        name_part = f", {name}" if name else ""
        when = visit.get("when")
        when_part = f" ({when})" if when else ""
        return t["visit_booked"].format(name=name_part, car=visit["car"], when=when_part, visit_id=visit["visit_id"])
    return t[kind]


def _render_search(plan: ReplyPlan, language: str, max_cars: int) -> str:
    t = TEMPLATES.get(language, TEMPLATES["es"])
    facts = plan.facts
    cars = facts.get("cars", [])[:max_cars]
    subject, conditions = describe_filters(facts.get("filters", {}), language)
    lines = [
        t["results_line"].format(
            n=i, make=c["make"], model=c["model"], year=c["year"], km=f"{c['km']:,}", price=money(c["price"])
        )
        for i, c in enumerate(cars, start=1)
    ]
    if plan.kind == "results":
        total = facts.get("total", len(cars))
        lead = t["results_lead_many"] if total > len(cars) else t["results_lead_few"]
        word = t["car_word_one"] if total == 1 else t["car_word_many"]
        header = t["results_header"].format(total=total, cars=word, subject=subject, conditions=conditions, lead=lead)
        return "\n".join([header, *lines, t["results_question"]])
    cars_word = CRITERIA[language]["cars"]
    wanted = f"{cars_word}{subject}{conditions}" if language == "es" else f"{subject.strip()} {cars_word}{conditions}"
    text = t["no_results"].format(criteria=wanted.strip())
    if lines:
        return "\n".join([text, t["alternatives"], *lines, t["no_results_question"]])
    return f"{text} {t['no_results_question']}"


def _render_car_details(car: dict[str, Any], language: str) -> str:
    extras = []
    if car.get("car_play"):
        extras.append("CarPlay")
    if car.get("bluetooth"):
        extras.append("Bluetooth")
    if language == "en":
        with_part = f" with {' and '.join(extras)}" if extras else ""
        return (
            f"The {_title(car)} {car.get('version', '')} has {car['km']:,} km{with_part} and costs "
            f"{money(car['price'])}. Shall I estimate the monthly payment, or book a visit to see it?"
        )
    with_part = f", con {' y '.join(extras)}" if extras else ""
    return (
        f"El {_title(car)} {car.get('version', '')} tiene {car['km']:,} km{with_part} y cuesta "
        f"{money(car['price'])}. ¿Te calculo la mensualidad o agendamos una visita para que lo conozcas?"
    )


def describe_filters(filters: dict[str, Any], language: str) -> tuple[str, str]:
    """The search criteria in words: (" de Chevrolet", " de hasta $300,000"); each part starts with a space or is ""."""
    words = CRITERIA[language]
    parts: list[str] = []
    name = " ".join(str(filters[k]) for k in ("make", "model") if filters.get(k))
    body = BODY_NAMES[language].get(filters.get("body_type") or "", "")
    subject = " ".join(p for p in (name, body) if p)
    for key in ("max_price", "min_price"):
        if filters.get(key) is not None:
            parts.append(words[key].format(v=money(filters[key])))
    for key in ("min_year", "max_year"):
        if filters.get(key) is not None:
            parts.append(words[key].format(v=filters[key]))
    if filters.get("max_km") is not None:
        parts.append(words["max_km"].format(v=f"{filters['max_km']:,}"))
    return (words["subject"].format(v=subject) if subject else "", (" " + " ".join(parts)) if parts else "")


def _title(car: dict[str, Any]) -> str:
    return " ".join(str(car[k]) for k in ("make", "model", "year") if car.get(k))


def _number(value: Any) -> str:
    number = Decimal(str(value))
    return f"{number:f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:f}"


def _join(items: list[str], language: str) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    conj = " and " if language == "en" else " y "
    return ", ".join(items[:-1]) + conj + items[-1]
