"""Reply parts about lists of cars: search results (with "around" budgets, near-above cars, superlatives and
ties), the car named and looked up, and the cars of the last list that have what the customer asks."""

from __future__ import annotations

from typing import Any

from graph.references import tied_at_top
from graph.reply_cars import affordability_part
from graph.reply_model import Reply, Writer
from graph.reply_parts import car_details, car_line, describe_filters, equipment_text, money, title
from graph.state import State
from graph.tool_nodes import single_superlative
from prompts.replies import FEATURE_NAMES

NEXT_AFTER_TOP = 2
"""After "the cheapest is…", the next cars in the same order."""


def results_part(state: State, reply: Reply, say: Writer, max_cars: int) -> None:
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
            affordability_part(state, reply, say)
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
            asked = list((state.get("understanding") or {}).get("asks_features") or [])
            reply.sections += [
                car_line(
                    i,
                    c,
                    say.language,
                    money(plans[c["stock_id"]]["monthly_payment"], True) if c["stock_id"] in plans else None,
                    covered=0 < c["price"] <= down,
                )
                + equipment_text(c, asked, say.language)  # "¿tienen Spark? ¿traen Bluetooth?": each one's
                for i, c in enumerate(shown, 1)
            ]
            equipped = outcome.get("equipped") or []
            if equipped:  # "¿traen CarPlay?" and none of those listed does: the ones further down that do
                names = [FEATURE_NAMES[say.language][f] for f in asked if f in FEATURE_NAMES[say.language]]
                reply.sections.append(say("equipment_also", feature=" + ".join(names)))
                reply.sections += [car_line(i, c, say.language) for i, c in enumerate(equipped, len(shown) + 1)]
            above = outcome.get("above") or []
            if above:
                reply.sections.append(say("above_budget"))
                reply.sections += [car_line(i, c, say.language) for i, c in enumerate(above, len(shown) + 1)]
        cash = bool(preferences.get("cash"))
        reply.question = (
            say("q_affordability") if outcome.get("affordable") else say("q_results_cash" if cash else "q_results")
        )


def _criteria_words(subject: str, conditions: str, say: Writer) -> str:
    from prompts.replies import CRITERIA

    cars = CRITERIA[say.language]["cars"]
    if say.language == "es":
        return f"{cars}{subject}{conditions}".strip()
    return f"{subject.strip()} {cars}{conditions}".strip()


def _lead(sort: str, total: int, shown: int, outcome: dict[str, Any], say: Writer) -> str:
    if outcome.get("stretch"):
        return say("results_lead_new")
    if outcome.get("affordable") and sort == "price_desc":
        return say("results_lead_affordable")
    if sort != "price_asc":
        return say(f"results_lead_{sort}")
    if total == 1:
        return say("results_lead_one")
    return say("results_lead_many") if total > shown else say("results_lead_few")


def _lookup(outcome: dict[str, Any], state: State, reply: Reply, say: Writer, max_cars: int) -> None:
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


def from_list_part(state: State, reply: Reply, say: Writer, max_cars: int) -> None:
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
    unsaid = [
        say("transmission_unknown", car=title(c), version=c.get("version", "").strip())
        for c in plan.get("transmission_unsaid") or []
    ]
    if not cars:
        reply.sections += [say("from_list_none"), *unsaid]
        reply.question = say("q_no_results")
        return
    reply.sections.append(say("from_list", count=len(cars)) if len(cars) > 1 else say("from_list_one"))
    if (state.get("understanding") or {}).get("all_wheel_drive"):  # the version says it: show it
        reply.sections += [car_details(c, say.language, say.formal) for c in cars[:max_cars]]
    else:
        reply.sections += [car_line(i, c, say.language) for i, c in enumerate(cars[:max_cars], 1)]
    reply.sections += unsaid[:max_cars]
    reply.question = say("q_results" if len(cars) > 1 else "q_car_details")
