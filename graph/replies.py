"""Decide what this turn's reply says (a `Reply`: its kind, its sections, one question) from the turn's outcomes.

Answer what was asked first (dealer questions, then the cars, the payment or the visit), say what changed or could
not be done (a car not in stock, a value not accepted, data we do not have), and end with one useful question.
Templates live in prompts/replies.py; this module only chooses and fills them.
"""

from __future__ import annotations

import re
from typing import Any

from graph.handoff import outside_hours
from graph.reply_cars import affordability_part, car_part, financing_part, visit_closed_text, visit_part
from graph.reply_lists import from_list_part, results_part
from graph.reply_model import Reply, Writer
from graph.reply_parts import car_line, day_text, join, money, number, title, when_text
from graph.state import State
from prompts.replies import register
from tools.text import fold

__all__ = ["Reply", "compose"]


def compose(state: State, max_cars: int = 5, now: Any = None) -> Reply:
    """The reply for this turn's state."""
    say = Writer(state)
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
        affordability_part(state, reply, say)
    results_part(state, reply, say, max_cars)
    financing_part(state, reply, say)
    visit_part(state, reply, say)
    from_list_part(state, reply, say, max_cars)
    car_part(state, reply, say)
    _asks(state, reply, say, max_cars)
    if not reply.sections and not reply.question:
        _conversation(state, reply, say)
    _price_of_the_car_found(state, reply, say)
    if reply.sections and not reply.question:
        _closing_question(state, reply, say)
    return reply


def _price_of_the_car_found(state: State, reply: Reply, say: Writer) -> None:
    """ "how much is the Tiguan, and can I see it this weekend?": the car looked up this turn is priced in the reply."""
    car = state.get("selected")
    looked_up = any(o.get("purpose") == "lookup" and o.get("found") for o in state.get("searches") or [])
    if not car or not looked_up or state.get("visit"):
        return
    if money(car["price"]) not in " ".join([*reply.sections, reply.question]):
        reply.sections.insert(0, say("car_price", car=title(car), km=f"{car['km']:,}", price=money(car["price"])))


def _closing_question(state: State, reply: Reply, say: Writer) -> None:
    """Every reply ends with one useful question: the next step for the car discussed, else the topic's own."""
    booked = bool(state.get("booking") or (state.get("visit") or {}).get("visit_id"))
    if booked:
        reply.question = say("q_visit_booked")
    elif state.get("selected"):
        reply.question = say("q_car_details")
    else:
        reply.question = str(reply.facts.get("knowledge_next") or "")


def _knowledge(state: State, reply: Reply, say: Writer) -> None:
    found = state.get("knowledge") or {}
    quiet = set((state.get("plan") or {}).get("quiet_topics") or [])
    answers = [a for a in found.get("answers") or [] if a.get("id") not in quiet]
    car_context = bool(state.get("selected") or state.get("searches"))
    repeated = set((state.get("plan") or {}).get("repeat_topics") or [])
    for answer in answers:
        said = answer.get("answer") or answer.get("text", "")
        how_many = re.search(r"\b(?:cuant[ao]s|how\s+many|donde\s+tienen|where\s+are)\b", fold(said_text(state)))
        if found.get("place") and answer.get("id") == "branches" and found.get("branches") and not how_many:
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
    if (state.get("plan") or {}).get("appraisal"):  # "¿cuánto me darían por él?": only an inspection says
        reply.sections.append(say("appraisal"))
        reply.question = say("q_advisor_quote")
    if "unknown" in ((state.get("understanding") or {}).get("topics") or []):
        reply.kind = "unknown"
        reply.sections.append(say("unknown_question"))
        reply.question = say("q_advisor")


def said_text(state: State) -> str:
    """The customer's message of this turn."""
    from graph.messages import last_customer_text

    return last_customer_text(state.get("messages", []))


def _closer(state: State, details: str, answer: str) -> bool:
    """Whether the customer's words ("¿qué incluye la extendida?") are closer to a section's details than to its
    answer (word stems in common)."""
    from graph.messages import last_customer_text

    def stems(text: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[a-z]{4,}", fold(text))}

    asked = stems(last_customer_text(state.get("messages", [])))
    return len(asked & stems(details)) > len(asked & stems(answer))


def _handoff(state: State, reply: Reply, say: Writer, now: Any) -> None:
    reply.kind = "handoff"
    reply.question = ""
    if not state.get("handoff"):
        reply.sections.append(say("handoff_failed"))
        return
    reason = (state.get("plan") or {}).get("handoff_reason")
    reply.sections.append(say("handoff_complaint" if reason == "complaint" else "handoff_done"))
    if now is not None and outside_hours(now):
        reply.sections.append(say("handoff_hours"))


def _notes(state: State, reply: Reply, say: Writer) -> None:
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
            selected = state.get("selected")
            if selected and not state.get("financing"):  # "¿y a 9 años?" about the car discussed
                reply.question = say("q_term", car=title(selected))
        elif kind == "visit" and value == "past":
            reply.sections.append(say("visit_past"))
        elif kind == "visit" and value.startswith("closed:"):
            slot = when_text(value.removeprefix("closed:"), say.language)
            reply.question = visit_closed_text(state, say, slot)
    if unsupported:
        reply.sections.append(say("unsupported", what=join(unsupported, say.language)))


def _rejected(slot: str, raw: str, say: Writer, state: State) -> str:
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


def _keys(say: Writer) -> set[str]:
    from prompts.replies import TEMPLATES

    return set(TEMPLATES.get(say.language, TEMPLATES["es"]))


def _brands(state: State, reply: Reply, say: Writer) -> None:
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


def _asks(state: State, reply: Reply, say: Writer, max_cars: int) -> None:
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


def _conversation(state: State, reply: Reply, say: Writer) -> None:
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
