"""Decide what this turn's reply says (a `Reply`: its kind, its sections, one question) from the turn's outcomes.

Answer what was asked first (dealer questions, then the cars, the payment or the visit), say what changed or could
not be done (a car not in stock, a value not accepted, data we do not have), and end with one useful question.
Templates live in prompts/replies.py; this module only chooses and fills them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from graph.handoff import outside_hours
from graph.references import has_all_wheel_drive, tied_at_top
from graph.reply_parts import (
    car_details,
    car_line,
    day_text,
    describe_filters,
    facts_text,
    join,
    money,
    number,
    title,
    when_text,
)
from graph.state import State
from graph.tool_nodes import single_superlative
from prompts.replies import CAR_TRANSMISSION, FEATURE_NAMES, phrase, register
from tools.text import fold

ReplyKind = Literal[
    "notice",
    "handoff",
    "knowledge",
    "unknown",
    "results",
    "no_results",
    "compare",
    "affordability",
    "financing",
    "financing_error",
    "visit",
    "car",
    "ask",
    "ask_needs",
    "greet",
    "thanks",
    "other",
    "misunderstood",
]


NEXT_AFTER_TOP = 2
"""After "the cheapest is…", the next cars in the same order."""


@dataclass
class Reply:
    """What the reply says: its main kind, its sections in order, and the one question it ends with."""

    kind: ReplyKind = "other"
    sections: list[str] = field(default_factory=list)
    question: str = ""
    facts: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The WhatsApp message: the sections, then the question on its own line."""
        return "\n".join([*(s for s in self.sections if s), *([self.question] if self.question else [])]).strip()


class _Writer:
    """Fills templates in the turn's language and register."""

    def __init__(self, state: State) -> None:
        self.language = state.get("language", "es")
        self.formal = bool(state.get("formal"))

    def __call__(self, key: str, **values: Any) -> str:
        return phrase(key, self.language, self.formal, **values)


def compose(state: State, max_cars: int = 5, now: Any = None) -> Reply:
    """The reply for this turn's state."""
    say = _Writer(state)
    reply = Reply()
    if state.get("notice"):
        reply.kind = "notice"
        reply.sections.append(say(str(state["notice"])))
        return reply
    understanding = state.get("understanding") or {}
    plan = state.get("plan") or {}
    looked_up = (state.get("visit") or {}).get("action") == "status"
    if understanding.get("customer_name") and not (state.get("visit") or {}).get("visit_id") and not looked_up:
        reply.sections.append(say("nice_to_meet", name=understanding["customer_name"]))
    if plan.get("handoff_reason") != "complaint":  # a complaint gets the apology and the person, nothing else
        _knowledge(state, reply, say)
    if plan.get("handoff_reason"):
        _handoff(state, reply, say, now)
        return reply
    _notes(state, reply, say)
    _brands(state, reply, say)
    if "error" in (state.get("affordability") or {}):
        _affordability(state, reply, say)
    _results(state, reply, say, max_cars)
    _financing(state, reply, say)
    _visit(state, reply, say)
    _from_list(state, reply, say, max_cars)
    _car(state, reply, say)
    _asks(state, reply, say, max_cars)
    if not reply.sections and not reply.question:
        _conversation(state, reply, say)
    if reply.sections and not reply.question:
        _closing_question(state, reply, say)
    return reply


def _closing_question(state: State, reply: Reply, say: _Writer) -> None:
    """Every reply ends with one useful question: the next step for the car discussed, else the topic's own."""
    booked = bool(state.get("booking") or (state.get("visit") or {}).get("visit_id"))
    if booked:
        reply.question = say("q_visit_booked")
    elif state.get("selected"):
        reply.question = say("q_car_details")
    else:
        reply.question = str(reply.facts.get("knowledge_next") or "")


def _knowledge(state: State, reply: Reply, say: _Writer) -> None:
    found = state.get("knowledge") or {}
    quiet = set((state.get("plan") or {}).get("quiet_topics") or [])
    answers = [a for a in found.get("answers") or [] if a.get("id") not in quiet]
    car_context = bool(state.get("selected") or state.get("searches"))
    repeated = set((state.get("plan") or {}).get("repeat_topics") or [])
    for answer in answers:
        said = answer.get("answer") or answer.get("text", "")
        if found.get("place") and answer.get("id") == "branches" and found.get("branches"):
            continue  # "¿tienen sucursal en Monterrey?": the branches there, below, not the whole list
        if answer.get("id") in repeated and answer.get("details") and _closer(state, answer["details"], said):
            said = answer["details"]  # asked again, about what the rest of the section says
        reply.sections.append(register(said, say.formal))
        reply.facts.setdefault("knowledge_next", register(answer.get("next", ""), say.formal))
        if not car_context:
            reply.question = reply.question or reply.facts["knowledge_next"]
    if found.get("place"):
        branches = found.get("branches") or []
        if branches:
            names = join([b["name"] for b in branches], say.language)
            reply.sections.append(
                say(
                    "branches_in_place",
                    place=found["place"],
                    branches=names,
                    opens=branches[0]["opens"],
                    closes=branches[0]["closes"],
                )
            )
        else:
            reply.sections.append(say("branches_none", place=found["place"]))
    if answers:
        reply.kind = "knowledge"
        if set((state.get("plan") or {}).get("repeat_topics") or []) & {a.get("id") for a in answers}:
            reply.question = say("q_advisor")  # asked again: the detail is for a person
    if "unknown" in ((state.get("understanding") or {}).get("topics") or []):
        reply.kind = "unknown"
        reply.sections.append(say("unknown_question"))
        reply.question = say("q_advisor")


def _closer(state: State, details: str, answer: str) -> bool:
    """Whether the customer's words ("¿qué incluye la extendida?") are closer to a section's details than to its
    answer (word stems in common)."""
    from graph.messages import last_customer_text

    def stems(text: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[a-z]{4,}", fold(text))}

    asked = stems(last_customer_text(state.get("messages", [])))
    return len(asked & stems(details)) > len(asked & stems(answer))


def _handoff(state: State, reply: Reply, say: _Writer, now: Any) -> None:
    reply.kind = "handoff"
    reply.question = ""
    if not state.get("handoff"):
        reply.sections.append(say("handoff_failed"))
        return
    reason = (state.get("plan") or {}).get("handoff_reason")
    reply.sections.append(say("handoff_complaint" if reason == "complaint" else "handoff_done"))
    if now is not None and outside_hours(now):
        reply.sections.append(say("handoff_hours"))


def _notes(state: State, reply: Reply, say: _Writer) -> None:
    unsupported: list[str] = []
    for note in state.get("notes") or []:
        kind, _, value = note.partition(":")
        if kind == "unsupported":
            unsupported.append(say(f"unsupported_{value}"))
        elif kind == "rejected":
            slot, _, raw = value.partition(":")
            reply.sections.append(_rejected(slot, raw, say, state))
            if slot == "year":
                reply.question = reply.question or say("q_year")
        elif kind == "term" and not any("term_months" in str(p.get("error")) for p in state.get("financing") or []):
            months = int(value)
            key = "rejected_term_years" if months % 12 == 0 else "rejected_term"
            reply.sections.append(
                _rejected(key.removeprefix("rejected_"), str(months // 12 if months % 12 == 0 else months), say, state)
            )
        elif kind == "visit" and value == "past":
            reply.sections.append(say("visit_past"))
        elif kind == "visit" and value.startswith("closed:"):
            slot = when_text(value.removeprefix("closed:"), say.language)
            reply.question = _visit_closed(state, say, slot)
    if unsupported:
        reply.sections.append(say("unsupported", what=join(unsupported, say.language)))


def _visit_closed(state: State, say: _Writer, slot: str) -> str:
    """No visits at that hour: the opening hours and the nearest slot, for the car discussed."""
    from graph.visit_planning import CLOSE_HOUR, OPEN_HOUR

    car = state.get("selected")
    name = title(car) if car else ("car" if say.language == "en" else "auto")
    return say(
        "visit_closed", slot=slot, car=name, opens=OPEN_HOUR.strftime("%-H:%M"), closes=CLOSE_HOUR.strftime("%-H:%M")
    )


def _rejected(slot: str, raw: str, say: _Writer, state: State) -> str:
    """Why a value cannot be, with the dealer's terms (planned from the settings)."""
    terms = (state.get("plan") or {}).get("terms") or {}
    allowed = [int(t) for t in terms.get("allowed") or []]
    values = {
        "terms_years": join([str(t // 12) for t in allowed], say.language)
        .replace(" y ", " o ")
        .replace(" and ", " or "),
        "terms_months": join([str(t) for t in allowed], say.language).replace(" y ", " o ").replace(" and ", " or "),
        "min_pct": number(terms.get("min_down_pct", 0)),
    }
    if slot in ("price", "max_price", "down_payment"):
        raw = money(raw) if raw.lstrip("-").isdigit() else raw
    key = f"rejected_{slot}" if f"rejected_{slot}" in _keys(say) else "rejected_price"
    return say(key, value=raw, **values)


def _keys(say: _Writer) -> set[str]:
    from prompts.replies import TEMPLATES

    return set(TEMPLATES.get(say.language, TEMPLATES["es"]))


def _brands(state: State, reply: Reply, say: _Writer) -> None:
    mentions = (state.get("understanding") or {}).get("brand_texts") or []
    missing: list[str] = []
    for index, brand in enumerate(state.get("brands") or []):
        if brand.get("method") == "not_in_stock":
            requested = " ".join(p for p in (brand.get("requested_make"), brand.get("requested_model")) if p)
            reply.sections.append(
                say("not_in_stock_make", requested=requested, makes=join(brand.get("suggestions") or [], say.language))
            )
            reply.question = say("q_no_results")
        elif brand.get("make") is None:
            makes = brand.get("suggestions") or []
            suggestion = say("suggestion", makes=join(makes, say.language)) if makes else ""
            written = (brand.get("matched_text") or (mentions[index] if index < len(mentions) else ""))[:40]
            reply.sections.append(say("unknown_brand", written=written, suggestion=suggestion))
            reply.question = reply.question or say("q_brand")
        elif brand.get("requested_model"):
            missing.append(brand["requested_model"])
    if missing:
        reply.sections.append(say("not_in_stock_model", requested=join(missing, say.language).replace(" y ", " ni ")))


def _results(state: State, reply: Reply, say: _Writer, max_cars: int) -> None:
    preferences = state.get("preferences") or {}
    plans = {p["car"]["stock_id"]: p for p in state.get("financing") or [] if "error" not in p and p.get("car")}
    for outcome in state.get("searches") or []:
        if outcome.get("skipped"):
            continue
        purpose = outcome.get("purpose")
        if purpose == "compare":
            continue
        if purpose == "lookup":
            _lookup(outcome, state, reply, say, max_cars)
            continue
        cars = outcome.get("cars") or []
        around = (
            preferences.get("around_price")
            if "min_price" in outcome["filters"] or "max_price" in outcome["filters"]
            else None
        )
        shown_filters = dict(outcome["filters"])
        if outcome.get("stretch"):
            shown_filters.pop("min_price", None)  # "de hasta $260,000": the floor is ours, not the customer's
        if outcome.get("haggle"):
            shown_filters.pop("max_price", None)  # an offer is not repeated back as if it were accepted
        subject, conditions = describe_filters(shown_filters, say.language, around)
        if (
            outcome.get("affordable")
            and state.get("affordability")
            and "error" not in (state.get("affordability") or {})
        ):
            _affordability(state, reply, say)
        if not cars:
            reply.kind = "no_results"
            criteria = f"{say('results_header', total='', cars='', subject=subject, conditions=conditions, lead='')}"
            wanted = _criteria_words(subject, conditions, say)
            reply.sections.append(say("no_results", criteria=wanted) if criteria else "")
            alternatives = outcome.get("alternatives") or []
            if alternatives:
                reply.sections.append(
                    say("alternatives_other_models" if outcome.get("other_models") else "alternatives")
                )
                reply.sections += [car_line(i, c, say.language) for i, c in enumerate(alternatives[:max_cars], 1)]
            elif outcome.get("exclude"):
                reply.sections[-1] = say("none_left")
            reply.question = say("q_results" if alternatives and outcome.get("other_models") else "q_no_results")
            continue
        reply.kind = "results"
        sort = outcome.get("sort") or "price_asc"
        total = outcome.get("total", len(cars))
        lists = [o for o in state.get("searches") or [] if o.get("purpose") == "list" and not o.get("skipped")]
        tied = tied_at_top(cars, sort) if single_superlative(lists, state) else []
        if len(tied) > 1:  # "the newest": all the cars of that year
            reply.sections.append(
                say(f"superlative_many_{sort}", n=len(tied), year=tied[0]["year"], price=money(tied[0]["price"]))
            )
            reply.sections += [car_line(i, c, say.language) for i, c in enumerate(tied[:max_cars], 1)]
            reply.question = say("q_results")
            continue
        if tied:
            top = cars[0]
            reply.sections.append(
                say(
                    "superlative_one",
                    lead=say(f"superlative_{sort}"),
                    name=title(top),
                    version=top.get("version", "").strip(),
                    km=f"{top['km']:,}",
                    price=money(top["price"]),
                )
            )
            if len(cars) > 1:  # what comes next in that order, for comparison
                reply.sections.append(say("superlative_next"))
                reply.sections += [car_line(i, c, say.language) for i, c in enumerate(cars[1 : NEXT_AFTER_TOP + 1], 2)]
            reply.question = say("q_car_details")
            continue
        else:
            shown = cars[:max_cars]
            lead = _lead(sort, total, len(shown), outcome, say)
            word = say("car_word_one") if total == 1 else say("car_word_many")
            reply.sections.append(
                say("results_header", total=total, cars=word, subject=subject, conditions=conditions, lead=lead)
            )
            down = (
                float((state.get("affordability") or {}).get("down_payment") or 0) if outcome.get("affordable") else 0
            )
            reply.sections += [
                car_line(
                    i,
                    c,
                    say.language,
                    money(plans[c["stock_id"]]["monthly_payment"], True) if c["stock_id"] in plans else None,
                    covered=0 < c["price"] <= down,
                )
                for i, c in enumerate(shown, 1)
            ]
            above = outcome.get("above") or []
            if above:
                reply.sections.append(say("above_budget"))
                reply.sections += [car_line(i, c, say.language) for i, c in enumerate(above, len(shown) + 1)]
        cash = bool(preferences.get("cash"))
        reply.question = (
            say("q_affordability") if outcome.get("affordable") else say("q_results_cash" if cash else "q_results")
        )


def _criteria_words(subject: str, conditions: str, say: _Writer) -> str:
    from prompts.replies import CRITERIA

    cars = CRITERIA[say.language]["cars"]
    if say.language == "es":
        return f"{cars}{subject}{conditions}".strip()
    return f"{subject.strip()} {cars}{conditions}".strip()


def _lead(sort: str, total: int, shown: int, outcome: dict[str, Any], say: _Writer) -> str:
    if outcome.get("stretch"):
        return say("results_lead_new")
    if outcome.get("affordable") and sort == "price_desc":
        return say("results_lead_affordable")
    if sort != "price_asc":
        return say(f"results_lead_{sort}")
    if total == 1:
        return say("results_lead_one")
    return say("results_lead_many") if total > shown else say("results_lead_few")


def _lookup(outcome: dict[str, Any], state: State, reply: Reply, say: _Writer, max_cars: int) -> None:
    cars = outcome.get("cars") or []
    if state.get("selected") and outcome.get("found"):
        return  # the one car named: its payment, visit or details follow
    choices = cars if outcome.get("found") else outcome.get("alternatives") or []
    if not choices:
        reply.kind = "no_results"
        subject, conditions = describe_filters(outcome["filters"], say.language)
        reply.sections.append(say("no_results", criteria=_criteria_words(subject, conditions, say)))
        reply.question = say("q_no_results")
        return
    reply.kind = "ask"
    if outcome.get("found"):
        reply.sections.append(say("which_car_of", count=len(choices)))
    else:
        subject, conditions = describe_filters(outcome["filters"], say.language)
        reply.sections.append(
            say("lookup_missing", wanted=f"{subject.strip()}{conditions}".removeprefix("de ").strip())
        )
    reply.sections += [car_line(i, c, say.language) for i, c in enumerate(choices[:max_cars], 1)]
    reply.question = say("q_which_of")


def _affordability(state: State, reply: Reply, say: _Writer) -> None:
    result = state.get("affordability") or {}
    if "error" in result:
        minimum = re.search(r"at least (\d+(?:\.\d+)?)", str(result["error"]))
        reply.kind = "financing_error"
        if minimum:  # "¿y si no doy nada de enganche?": the minimum, said plainly
            reply.sections.append(say("affordability_min_down", min_pct=number(minimum.group(1))))
            reply.question = say("q_down_payment")
        else:
            reply.sections.append(say("affordability_error"))
            reply.question = say("q_financing_error")
        return
    values = {
        "monthly": money(result["monthly_payment"]),
        "months": result["term_months"],
        "max_price": money(result["max_price"]),
    }
    if result.get("down_payment") is not None:
        reply.sections.append(say("affordability", down=money(result["down_payment"]), **values))
    else:
        reply.sections.append(say("affordability_pct", pct=number(result["down_payment_pct"]), **values))
    reply.kind = "affordability"


def _financing(state: State, reply: Reply, say: _Writer) -> None:
    plans = state.get("financing") or []
    searches = state.get("searches") or []
    if not plans or any(s.get("affordable") for s in searches):
        return
    if any(s.get("purpose") == "compare" for s in searches):
        _compare(plans, state, reply, say)
        return
    plan = plans[-1]
    car = plan.get("car") or {}
    error = plan.get("error")
    if error is None:
        months = int(plan["term_months"])
        reply.kind = "financing"
        reply.sections.append(
            say(
                "financing",
                car=title(car),
                price=money(plan["price"]),
                pct=number(plan["down_payment_pct"]),
                down=money(plan["down_payment"], True),
                years=number(months / 12),
                months=months,
                monthly=money(plan["monthly_payment"], True),
                rate=number(float(plan["annual_rate"]) * 100),
            )
        )
        answered = {a.get("id") for a in (state.get("knowledge") or {}).get("answers") or []}
        if "insurance" not in answered:  # asked about insurance: its own answer says it
            reply.sections[-1] += " " + say("financing_insurance")
        reply.question = say("q_financing")
        return
    reply.kind = "financing_error"
    terms = plan.get("allowed_terms_months") or [36, 48, 60, 72]
    years_text = join([str(t // 12) for t in terms], say.language).replace(" y ", " o ").replace(" and ", " or ")
    months_text = join([str(t) for t in terms], say.language).replace(" y ", " o ").replace(" and ", " or ")
    if "term_months" in error:
        reply.sections.append(say("term_error", terms_years=years_text, terms_months=months_text))
        reply.question = say("q_term", car=title(car))
    elif "at least" in error:
        minimum = float(plan.get("min_down_payment_pct") or 10)
        reply.sections.append(
            say(
                "down_payment_min",
                min_pct=number(minimum),
                car=title(car),
                min_amount=money(round(car.get("price", 0) * minimum / 100, 2), True),
            )
        )
        reply.question = say("q_down_payment")
    elif "down_payment" in error:
        reply.sections.append(say("down_payment_error", car=title(car), price=money(car.get("price", 0))))
        reply.question = say("q_down_payment")
    else:
        reply.sections.append(say("financing_error"))
        reply.question = say("q_financing_error")


def _compare(plans: list[dict[str, Any]], state: State, reply: Reply, say: _Writer) -> None:
    good = [p for p in plans if "error" not in p]
    if not good:
        return
    reply.kind = "compare"
    first = good[0]
    reply.sections.append(say("compare_header", pct=number(first["down_payment_pct"]), months=first["term_months"]))
    for plan in good:
        car = plan["car"]
        reply.sections.append(
            say(
                "compare_line",
                name=title(car),
                km=f"{car['km']:,}",
                price=money(car["price"]),
                monthly=money(plan["monthly_payment"], True),
            )
        )
    cars = [p["car"] for p in good]
    budget = (state.get("preferences") or {}).get("max_price")
    fitting = [c for c in cars if budget and c["price"] <= budget]
    if budget and len(fitting) == 1:
        reply.sections.append(say("compare_budget", budget=money(budget), car=title(fitting[0])))
    elif len(cars) > 1:
        cheapest = min(cars, key=lambda c: c["price"])
        reply.sections.append(say("compare_cheaper", car=title(cheapest)))
        newest = max(cars, key=lambda c: (c["year"], -c["km"]))
        if newest is not cheapest and newest["km"] == min(c["km"] for c in cars):
            reply.sections.append(say("compare_newer", car=title(newest)))
    reply.question = say("q_compare")


def _visit(state: State, reply: Reply, say: _Writer) -> None:
    visit = state.get("visit")
    if not visit:
        return
    reply.kind = "visit"
    action = visit.get("action")
    when = when_text(visit.get("when_iso"), say.language, visit.get("when"))
    if visit.get("error") == "missing day or hour":
        reply.question = say("q_day") if visit.get("missing") == "day" else say("q_hour", day=when)
    elif visit.get("error") == "no booking" or "has no booked visit" in str(visit.get("error")):
        reply.sections.append(say("visit_none"))
        reply.question = say("q_which_car_visit")
    elif visit.get("error") == "closed":
        reply.question = _visit_closed(state, say, when_text(visit.get("when_iso"), say.language))
    elif visit.get("missing"):
        reply.question = say("q_day") if visit["missing"] == "day" else say("q_hour", day=say("q_day"))
    elif visit.get("error"):
        reply.sections.append(say("visit_error"))
        reply.question = say("q_no_results")
    elif action == "book":
        name = visit.get("customer_name")
        reply.sections.append(
            say(
                "visit_booked",
                name=f", {name}" if name else "",
                car=visit["car"],
                when=when,
                visit_id=visit["visit_id"],
            )
        )
        reply.question = say("q_visit_booked") if name else say("q_visit_name")
    elif action == "reschedule":
        reply.sections.append(say("visit_moved", car=visit["car"], when=when, visit_id=visit["visit_id"]))
        reply.question = say("q_visit_booked")
    elif action == "cancel":
        reply.sections.append(say("visit_cancelled", car=visit["car"], visit_id=visit["visit_id"]))
        reply.question = say("q_visit_other")
    else:
        found = visit.get("visits") or []
        if not found:
            name = (state.get("understanding") or {}).get("customer_name")
            reply.sections.append(say("visit_none_named", name=name) if name else say("visit_none"))
            reply.question = say("q_book_instead")
            return
        booked = found[0]
        booked_when = when_text(booked.get("when_iso"), say.language, booked.get("when"))
        key = (
            "visit_named" if action == "name" else "visit_status" if booked.get("when_iso") else "visit_status_undated"
        )
        name = booked.get("customer_name") or ""
        under = (" under " if say.language == "en" else " a nombre de ") + name if name else ""
        reply.sections.append(
            say(key, car=booked["car"], when=booked_when, visit_id=booked["visit_id"], name=name, under=under)
        )
        reply.question = say("q_visit_booked")


def _from_list(state: State, reply: Reply, say: _Writer, max_cars: int) -> None:
    """ "de esos, ¿cuál es sedán?": the cars just listed that have it; "300" alone: the kind of car first."""
    plan = state.get("plan") or {}
    if plan.get("ask_type"):
        budget = (state.get("preferences") or {}).get("max_price")
        reply.kind = "ask_needs"
        reply.sections.append(say("ask_type", budget=money(budget)) if budget else say("ask_needs"))
        return
    cars = plan.get("from_list")
    if cars is None:
        return
    reply.kind = "results"
    if not cars:
        reply.sections.append(say("from_list_none"))
        reply.question = say("q_no_results")
        return
    reply.sections.append(say("from_list", count=len(cars)))
    if (state.get("understanding") or {}).get("all_wheel_drive"):  # the version says it: show it
        reply.sections += [car_details(c, say.language, say.formal) for c in cars[:max_cars]]
    else:
        reply.sections += [car_line(i, c, say.language) for i, c in enumerate(cars[:max_cars], 1)]
    reply.question = say("q_results" if len(cars) > 1 else "q_car_details")


def _car(state: State, reply: Reply, say: _Writer) -> None:
    plan = state.get("plan") or {}
    car = state.get("selected")
    if car and plan.get("haggle_car") and reply.kind not in ("financing", "visit"):
        reply.sections.append(say("haggle_car", car=title(car), price=money(car["price"])))
        reply.question = say("q_haggle")
        return
    understanding = state.get("understanding") or {}
    asked = list(understanding.get("asks_features") or []) + list(understanding.get("features") or [])
    if car and reply.kind in ("financing", "visit") and understanding.get("asks_features"):
        reply.sections[-1:-1] = _feature_answers(car, asked, understanding, say)  # "¿es automático? ¿y a 3 años?"
        return
    if not car or reply.kind in ("financing", "financing_error", "visit", "results", "compare", "ask"):
        return
    if plan.get("asks_about_car") and (asked or understanding.get("transmission")):
        reply.sections += _feature_answers(car, asked, understanding, say)
        reply.kind = "car"
        reply.question = say("q_car_details")
    elif plan.get("asks_about_car"):
        reply.kind = "car"
        reply.sections.append(
            say(
                "car_asked",
                car=title(car),
                version=car.get("version", "").strip(),
                facts=facts_text(car, say.language),
                km=f"{car['km']:,}",
                price=money(car["price"]),
            )
        )
        reply.question = say("q_advisor") if not reply.question else reply.question
    elif plan.get("picks") and plan.get("intent") not in ("finance", "schedule"):
        reply.kind = "car"
        reply.sections.append(car_details(car, say.language, say.formal))
        reply.question = say("q_car_details")


def _feature_answers(car: dict[str, Any], asked: list[str], understanding: dict[str, Any], say: _Writer) -> list[str]:
    """What the car's record says about the equipment asked ("¿trae CarPlay?", "is it automatic?", "¿es 4x4?")."""
    said: list[str] = []
    for feature in dict.fromkeys(asked):
        if feature in ("bluetooth", "car_play"):
            key = "feature_yes" if car.get(feature) else "feature_no"
            said.append(say(key, car=title(car), feature=FEATURE_NAMES[say.language][feature]))
            other = "bluetooth" if feature == "car_play" else "car_play"
            if not car.get(feature) and car.get(other) and other not in asked:
                said.append(say("feature_instead", feature=FEATURE_NAMES[say.language][other]))
    if "awd" in asked:
        key = "awd_yes" if has_all_wheel_drive(car) else "awd_unknown"
        said.append(say(key, car=title(car), version=car.get("version", "").strip()))
    if understanding.get("transmission") or "transmission" in asked:
        if car.get("transmission"):
            name = CAR_TRANSMISSION[say.language][car["transmission"]]
            wanted = understanding.get("transmission")
            key = "transmission_other" if wanted and wanted != car["transmission"] else "transmission_known"
            said.append(say(key, car=title(car), transmission=name, price=money(car["price"])))
        else:
            said.append(say("transmission_unknown", car=title(car), version=car.get("version", "")))
    return said


def _asks(state: State, reply: Reply, say: _Writer, max_cars: int) -> None:
    pending = state.get("pending")
    plan = state.get("plan") or {}
    car = state.get("selected")
    if plan.get("candidates"):
        reply.kind = "ask"
        reply.sections.append(say("which_car_of", count=len(plan["candidates"])))
        reply.sections += [car_line(i, c, say.language) for i, c in enumerate(plan["candidates"][:max_cars], 1)]
        reply.question = say("q_which_of")
    elif pending == "finance" and not state.get("financing"):
        reply.kind = "ask" if reply.kind == "other" else reply.kind
        reply.question = say("q_which_car") if not car else say("q_down_payment")
    elif pending == "schedule" and not state.get("visit"):
        reply.kind = "ask" if reply.kind == "other" else reply.kind
        reply.question = say("q_when", car=title(car)) if car else say("q_which_car_visit")
    elif pending == "visit_lookup":
        reply.kind = "ask"
        reply.question = say("q_visit_lookup_name")
    elif pending == "visit_name" and not state.get("visit") and plan.get("visit_at") and car:
        reply.kind = "ask"
        reply.question = say("q_visit_name_for", car=title(car), when=when_text(plan["visit_at"], say.language))
    elif pending == "visit_hour" and not state.get("visit") and not reply.question:
        reply.kind = "ask"
        if plan.get("visit_day") and car:
            reply.question = say("q_hour_car", day=day_text(plan["visit_day"], say.language), car=title(car))
        elif plan.get("visit_day"):
            reply.question = say("q_hour", day=day_text(plan["visit_day"], say.language))
        else:
            reply.question = say("q_day")


def _conversation(state: State, reply: Reply, say: _Writer) -> None:
    understanding = state.get("understanding") or {}
    intent = (state.get("plan") or {}).get("intent") or understanding.get("intent")
    if reply.sections and reply.question:
        return
    if int(state.get("misunderstood") or 0) >= 1 and intent == "other":
        reply.kind = "misunderstood"
        reply.sections.append(say("misunderstood"))
    elif intent == "greeting":
        reply.kind = "greet"
        reply.sections.append(say("greet"))
    elif intent == "thanks":
        reply.kind = "thanks"
        reply.sections.append(say("thanks"))
    elif intent in ("search", "finance", "schedule") and not reply.sections:
        reply.kind = "ask_needs"
        reply.sections.append(say("ask_needs"))
    elif not reply.sections:
        reply.kind = "other"
        reply.sections.append(say("other"))


__all__ = ["Reply", "ReplyKind", "compose", "day_text", "money"]
