"""Reply parts about one car or a few: the monthly budget reached, the payment (or why it cannot be), the side-by-side
comparison, the visit (booked, moved, cancelled, found), and what a car's record says of the equipment asked."""

from __future__ import annotations

import re
from typing import Any

from graph.references import has_all_wheel_drive
from graph.reply_model import Reply, Writer
from graph.reply_parts import car_details, day_text, facts_text, join, money, number, title, when_text
from graph.state import State
from prompts.replies import CAR_TRANSMISSION, FEATURE_NAMES


def affordability_part(state: State, reply: Reply, say: Writer) -> None:
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


def financing_part(state: State, reply: Reply, say: Writer) -> None:
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
        budget = (state.get("preferences") or {}).get("monthly_payment")
        if budget:  # "¿el Corolla entra?" after "puedo dar 5 mil al mes": said plainly
            over = float(plan["monthly_payment"]) - float(budget)
            verdict = (
                say("fits_budget", budget=money(budget))
                if over <= 0
                else say("over_budget", budget=money(budget), over=money(over, True))
            )
            reply.sections.insert(len(reply.sections) - 1, verdict)
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


def _compare(plans: list[dict[str, Any]], state: State, reply: Reply, say: Writer) -> None:
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


def visit_part(state: State, reply: Reply, say: Writer) -> None:
    visit = state.get("visit")
    if not visit:
        return
    reply.kind = "visit"
    action = visit.get("action")
    when = when_text(visit.get("when_iso"), say.language, visit.get("when"))
    if visit.get("error") == "missing day or hour":
        day = day_text(visit["when_iso"], say.language) if visit.get("when_iso") else when  # the day, not the old hour
        reply.question = say("q_day") if visit.get("missing") == "day" else say("q_hour", day=day)
    elif visit.get("error") == "no booking" or "has no booked visit" in str(visit.get("error")):
        reply.sections.append(say("visit_none"))
        reply.question = say("q_which_car_visit")
    elif visit.get("error") == "closed":
        reply.question = visit_closed_text(state, say, when_text(visit.get("when_iso"), say.language))
    elif visit.get("missing"):
        reply.question = say("q_day") if visit["missing"] == "day" else say("q_hour", day=say("q_day"))
    elif "already passed" in str(visit.get("error")):  # "el miércoles" said on a Wednesday after the hour
        reply.sections.append(say("visit_past"))
        reply.question = say("q_day")
    elif visit.get("error") and action in ("reschedule", "cancel", "rename"):
        reply.sections.append(say("visit_not_changed"))
        reply.question = say("q_day")
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


def visit_closed_text(state: State, say: Writer, slot: str) -> str:
    """No visits at that hour: the opening hours and the nearest slot, for the car discussed."""
    from graph.visit_planning import CLOSE_HOUR, OPEN_HOUR

    car = state.get("selected")
    name = title(car) if car else ("car" if say.language == "en" else "auto")
    return say(
        "visit_closed", slot=slot, car=name, opens=OPEN_HOUR.strftime("%-H:%M"), closes=CLOSE_HOUR.strftime("%-H:%M")
    )


def car_part(state: State, reply: Reply, say: Writer) -> None:
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
        unknown = ("transmission" in asked or understanding.get("transmission")) and not car.get("transmission")
        unknown = unknown or ("awd" in asked and not has_all_wheel_drive(car))
        reply.question = say("q_advisor") if unknown else say("q_car_details")  # what the record lacks, a person says
    elif plan.get("asks_about_car") and plan.get("picks") and "unknown" not in (understanding.get("topics") or []):
        reply.kind = "car"  # "¿y el siguiente?", "¿y el segundo?": that car, and what to do with it
        reply.sections.append(car_details(car, say.language, say.formal))
        reply.question = say("q_car_details")
    elif plan.get("asks_about_car") and not understanding.get("unsupported"):
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
    elif understanding.get("unsupported") and not (understanding.get("brand_texts") or understanding.get("ordinal")):
        reply.question = say("q_advisor")  # "¿y de qué color es?": what the data lacks was said; the car is known
    elif plan.get("picks") and plan.get("intent") not in ("finance", "schedule"):
        reply.kind = "car"
        reply.sections.append(car_details(car, say.language, say.formal))
        reply.question = say("q_car_details")


def _feature_answers(car: dict[str, Any], asked: list[str], understanding: dict[str, Any], say: Writer) -> list[str]:
    """What the car's record says about the equipment asked ("¿trae CarPlay?", "is it automatic?", "¿es 4x4?")."""
    said: list[str] = []
    equipment = [f for f in dict.fromkeys(asked) if f in ("bluetooth", "car_play")]
    names = FEATURE_NAMES[say.language]
    has = [names[f] for f in equipment if car.get(f)]
    lacks = [names[f] for f in equipment if not car.get(f)]
    if has and lacks:  # "Sí, el Mazda 3 2018 trae Bluetooth, pero no CarPlay."
        said.append(
            say("feature_but_not", car=title(car), feature=join(has, say.language), missing=join(lacks, say.language))
        )
    elif has:  # "Sí, el CLA trae CarPlay y Bluetooth."
        said.append(say("feature_yes", car=title(car), feature=join(has, say.language)))
    elif lacks:  # "El Spark no trae CarPlay ni Bluetooth."
        said.append(say("feature_no", car=title(car), feature=(" or " if say.language == "en" else " ni ").join(lacks)))
        other = [names[f] for f in ("car_play", "bluetooth") if f not in equipment and car.get(f)]
        if other:
            said.append(say("feature_instead", feature=join(other, say.language)))
    if "km" in asked:  # "¿y qué tal de km?"
        said.append(say("car_km", car=title(car), km=f"{car.get('km', 0):,}", price=money(car.get("price", 0))))
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
