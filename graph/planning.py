"""Plan a turn: which car it is about, which searches to run, and the ordered work (agenda) for the tool nodes.

Pure over the turn's understanding and the conversation state (no tools, no I/O), so every decision can be tested
on its own. The consultative guardrail itself lives in `graph.routing`, which never lets a turn without a concrete
constraint reach an inventory tool whatever this plan says.
"""

from __future__ import annotations

import re
from typing import Any

from graph.context import Context
from graph.plan_searches import ADDS, OF_THOSE, STOCK_QUESTION, SearchPlanning
from graph.plan_signals import (
    AGREEMENT,
    AND_THE,
    APPRAISAL,
    APPROVAL,
    FITS,
    PAYMENT_ASK,
    SAME_DOWN,
    SHORT_YEAR,
    THOSE_COUNTED,
    bare_amount,
    handoff_reason,
    has_other_slots,
    has_slots,
    looks_like_a_name,
)
from graph.references import attributes_of, has_all_wheel_drive, matches_attributes, resolve, same_car
from graph.state import State, Step
from graph.understanding import Understanding
from graph.understanding.dates import shift
from graph.visit_planning import plan_visit
from tools.finance import FinancingTerms
from tools.text import compact, fold

STEP_ORDER: tuple[Step, ...] = (
    "knowledge",
    "normalize",
    "afford",
    "search",
    "finance",
    "schedule",
    "visits",
    "handoff",
)


def plan_turn(
    u: Understanding,
    text: str,
    state: State,
    context: Context,
    terms: FinancingTerms,
    preferences: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The turn's agenda, searches, selected car, pending question, notes and bookkeeping. `preferences` are the
    known ones refined by this turn (default: the state's); the state keeps the previous turn's."""
    return _Planner(u, text, state, context, terms, preferences).run()


EACH = re.compile(r"\b(?:both|each|ambos|ambas|los\s+dos|las\s+dos|cada\s+(?:una|uno)|the\s+two)\b")
""" "¿cuánto sale cada una?", "both Odysseys": every car of the model named, not one."""
LONGEST = re.compile(
    r"\b(?:al\s+plazo\s+mas\s+largo|a(?:l)?\s+(?:lo\s+)?maximo\s+(?:de\s+)?plazo|al\s+maximo\s+(?:de\s+)?tiempo|"
    r"(?:over|at|for)\s+the\s+longest(?:\s+term)?|the\s+longest\s+term)\b"
)
THAT_TERM = re.compile(r"\b(?:a\s+ese\s+plazo|con\s+ese\s+plazo|(?:over|at|for|with)\s+that\s+term)\b")
""" "al plazo más largo", "¿y a ese plazo…?" after the terms were told: the longest term."""
SHORT_TERM = re.compile(r"^\W*(?:y\s+)?(?:a|en|over)\s+([3-6])\b(?!\s*(?:meses|months|mil|k|%|pm|am|de\s+la))")
""" "a 6 entonces" right after a quote: six years (terms are 3 to 6 years)."""
SHOWN_ONES = re.compile(
    r"\b(?:que\s+me\s+(?:menciona\w*|mostr\w*|ensen\w*|pas\w*|mand\w*|enviaste|envio|diste|dio)|"
    r"(?:you|u)\s+(?:showed|listed|sent|mentioned|gave)|(?:the\s+)?ones\s+(?:shown|listed|above)|de\s+la\s+lista)\b"
)
"""'De esos que me menciona': the cars on the screen, not the whole search behind them."""


class _Planner(SearchPlanning):
    """One turn's decisions, taken in order: knowledge, the car, payments, visits, searches, a person."""

    def __init__(
        self,
        u: Understanding,
        text: str,
        state: State,
        context: Context,
        terms: FinancingTerms,
        preferences: dict[str, Any] | None = None,
    ) -> None:
        self.u, self.text, self.state, self.context, self.terms = u, text, state, context, terms
        self.given = u
        self.folded = fold(text)
        self.prefs: dict[str, Any] = dict(state.get("preferences") or {} if preferences is None else preferences)
        owned = self.prefs.get("owned_car")
        if u.owned_car:
            self.prefs["owned_car"] = owned = u.owned_car
        if owned and u.brand_texts:  # "la Odyssey; entre el Aveo (mío) y un ahorrito...": not a car wanted
            kept = [m for m in u.brand_texts if compact(m) not in compact(str(owned))]
            if kept or not STOCK_QUESTION.search(self.folded):  # "¿cuánto me darían por el Aveo?": theirs
                self.u = u = u.model_copy(update={"brand_texts": kept})
        self.shown: list[dict[str, Any]] = list(state.get("shown") or [])
        self.selected: dict[str, Any] | None = state.get("selected")
        short_year = SHORT_YEAR.search(self.folded) if self.shown and u.min_year is None and not u.visit_when else None
        if short_year and 2000 + int(short_year.group(1)) in {c.get("year") for c in self.shown}:
            year = 2000 + int(short_year.group(1))  # "¿el 18 trae CarPlay?" about a list with a 2018
            self.u = u = u.model_copy(update={"min_year": year, "max_year": year, "ordinal": None})
        if u.step and self.shown and u.ordinal is None:
            at = [i for i, c in enumerate(self.shown, 1) if same_car(c, self.selected)]
            position = (at[0] if at else 0) + u.step  # "¿y el siguiente?": the car after the one discussed
            self.u = u = u.model_copy(update={"ordinal": position if position >= 1 else len(self.shown) + 1})
        self.steps: set[Step] = set()
        self.notes: list[str] = [f"rejected:{v}" for v in u.rejected] + [f"unsupported:{n}" for n in u.unsupported]
        self.lookups: list[dict[str, Any]] = []
        self.out: dict[str, Any] = {"pending": None}
        self.topics = [t for t in u.topics if t != "unknown"]
        if (
            state.get("pending") in ("visit_name", "visit_lookup")
            and u.customer_name is None
            and not (has_slots(u) or u.visit_when)
            and (looks_like_a_name(text))
        ):
            name = text.strip().rstrip(".")
            self.u = u = u.model_copy(update={"customer_name": name.title() if name.islower() else name})
            self.prefs["customer_name"] = self.u.customer_name
        terms_told = "rates-terms" in ((state.get("plan") or {}).get("topics") or [])
        longest = LONGEST.search(self.folded) or (terms_told and THAT_TERM.search(self.folded))
        if longest and u.term_months is None:  # "a ese plazo" right after the terms: the longest, 72 months
            self.u = u = u.model_copy(update={"term_months": max(terms.allowed_terms)})
            self.prefs["term_months"] = u.term_months
        years = SHORT_TERM.match(self.folded) if state.get("financing") and u.term_months is None else None
        if years and int(years.group(1)) * 12 in terms.allowed_terms:  # "a 6 entonces con 50 mil": six years
            self.u = u = u.model_copy(update={"term_months": int(years.group(1)) * 12, "intent": "finance"})
            self.prefs["term_months"] = u.term_months
        lead = r"^\W*(?:y\s+)?(?:(?:a|en)\s+\d{1,2}\s+(?:anos\s+|years\s+)?(?:entonces\s+|pues\s+|then\s+)?)?"
        last_quote = bool(state.get("financing")) and re.match(lead + r"(?:con|dando|with)\b", self.folded)
        quoted = [p for p in state.get("financing") or [] if "error" not in p]
        if quoted and SAME_DOWN.search(self.folded) and u.down_payment is None and u.down_payment_pct is None:
            self.prefs["down_payment_pct"] = float(quoted[-1]["down_payment_pct"])  # "con ese enganche a 72 meses"
            self.prefs.pop("down_payment", None)
        asked_down = (state.get("pending") == "finance" or last_quote) and state.get("selected")
        if asked_down and u.max_price is not None and u.down_payment is None and not (u.brand_texts or u.body_type):
            self.u = self.u.model_copy(update={"down_payment": u.max_price, "max_price": None, "intent": "finance"})
            self.prefs["down_payment"] = u.max_price  # "40 mil a 60 meses" answering "¿con cuánto de enganche?"
            self.prefs.pop("down_payment_pct", None)
            if (state.get("preferences") or {}).get("max_price") != u.max_price:
                self.prefs["max_price"] = (state.get("preferences") or {}).get("max_price")
                if self.prefs["max_price"] is None:
                    self.prefs.pop("max_price")
        amount = bare_amount(self.folded) if asked_down and self.u.down_payment is None else None
        others = (
            self.u.max_price,
            self.u.down_payment_pct,
            self.u.term_months,
            self.u.min_year,
            self.u.monthly_payment,
        )
        if amount and all(value is None for value in others):
            self.u = self.u.model_copy(update={"down_payment": amount, "intent": "finance"})
            self.prefs["down_payment"] = amount  # "con 100" answering "¿con cuánto de enganche?"
            self.prefs.pop("down_payment_pct", None)
        if state.get("pending") == "visit_hour" and not self.u.visit_when:
            hour = re.match(r"^\W*(\d{1,2})(?::(\d{2}))?\s*(am|pm|hrs?)?\b", text.strip(), re.I)
            if hour and 1 <= int(hour.group(1)) <= 23:  # "11, Brenda Castillo" answering "¿a qué hora?"
                self.u = self.u.model_copy(update={"visit_when": f"a las {hour.group(0).strip(' ,')}"})
        self.intent = self._intent()
        self.plan: dict[str, Any] = {"intent": self.intent}

    def run(self) -> dict[str, Any]:
        u = self.u
        if u.haggle and "fixed-prices" not in self.topics:
            self.topics.append("fixed-prices")
        appraisal = bool(APPRAISAL.search(self.folded)) and bool(self.prefs.get("owned_car") or u.owned_car)
        selling = "sell-your-car" in self.topics and not (u.body_type or u.max_price)
        if appraisal or selling:  # "¿cuánto me darían? tiene 80 mil km", "if I sell you my 2015 Fit": their car
            slots = (
                ("max_km", "min_year", "max_year")
                if not appraisal
                else ("max_km", "max_price", "min_price", "min_year", "max_year")
            )
            self.u = u = u.model_copy(update=dict.fromkeys(slots))
            before: dict[str, Any] = dict(self.state.get("preferences") or {})
            for key in slots:  # the preferences keep what they were before this message
                if key in before:
                    self.prefs[key] = before[key]
                else:
                    self.prefs.pop(key, None)
        if appraisal:
            before_topics = set((self.state.get("plan") or {}).get("topics") or [])
            trading = "trade-in" in self.topics and "sell-your-car" not in before_topics
            own = "trade-in" if trading else "sell-your-car"  # selling it, unless it pays for the next car
            self.topics = [own, *(t for t in self.topics if t not in ("trade-in", "sell-your-car"))]
            self.plan["appraisal"] = True
        if "sell-your-car" in self.topics or appraisal:
            self.intent = "other" if self.intent in ("search", "finance") else self.intent  # selling, not buying
            self.plan["intent"] = self.intent
        if u.term_months is not None and u.term_months not in self.terms.allowed_terms:
            self.notes.append(f"term:{u.term_months}")
            nearest = min(self.terms.allowed_terms, key=lambda t: abs(t - int(u.term_months or 0)))
            quoted = {int(p.get("term_months") or 0) for p in self.state.get("financing") or [] if "error" not in p}
            if (self.selected or u.brand_texts) and nearest not in quoted and abs(nearest - int(u.term_months)) <= 60:
                self.u = u = u.model_copy(update={"term_months": nearest})  # "¿a 10 años?": the longest we do
                self.prefs["term_months"] = nearest
            else:
                self.u = u = u.model_copy(update={"term_months": None})
                earlier_term = (self.state.get("preferences") or {}).get("term_months")
                if earlier_term is None:
                    self.prefs.pop("term_months", None)
                else:
                    self.prefs["term_months"] = earlier_term
                self.plan["term_refused"] = True  # "¿y a 9 años?": said plainly, nothing priced at 108 months
        self._car()
        self._finance()
        booking = self.state.get("booking")
        if booking and shift(self.folded) is not None and not (u.brand_texts or u.visit_action):
            self.u = u = u.model_copy(update={"visit_action": "reschedule"})  # "mejor un día antes"
            self.intent = "visit_change"
            self.plan.update(intent="visit_change", visit_action="reschedule")
        if self.intent == "schedule" and booking and u.visit_when and not u.brand_texts and not u.ordinal:
            self.intent = "visit_change"  # "mejor mañana a las 10": the booked visit moves, no second booking
            self.plan["intent"] = "visit_change"
            self.plan["visit_action"] = "reschedule"
        if self.intent == "schedule":
            has_car = self.out.get("selected") is not None or bool(self.lookups)
            plan_visit(u, self.prefs, self.state, self.context, self.notes, self.out, self.plan, self.steps, has_car)
        if u.visit_action == "status" and not (u.customer_name or self.prefs.get("customer_name") or booking):
            self.out["pending"] = "visit_lookup"  # "ayer agendé una cita, ¿a qué hora era?": whose name, first
        elif self.state.get("pending") == "visit_lookup" and u.customer_name and not booking:
            self.plan["visit_action"] = "status"  # the name to look the visit up by
            self.steps.add("visits")
        elif (
            u.visit_action
            or self.plan.get("visit_action")
            or (u.customer_name and booking and self.intent != "schedule")
        ):
            self.steps.add("visits")
        self._searches()
        self._knowledge()
        self._bookkeeping()
        self.plan.setdefault("topics", self.topics)
        if any(n.startswith(("rejected:", "term:")) for n in self.notes):
            self.plan["terms"] = {
                "allowed": list(self.terms.allowed_terms),
                "min_down_pct": float(self.terms.min_down_payment_pct),
            }
        if any(n.startswith("term:") for n in self.notes) and "rates-terms" not in self.plan.get("topics", []):
            self.plan["topics"] = [*self.plan.get("topics", []), "rates-terms"]  # the terms we do, for the record
            self.plan["quiet_topics"] = [*self.plan.get("quiet_topics", []), "rates-terms"]
            self.steps.add("knowledge")
        self.out.update(
            agenda=[s for s in STEP_ORDER if s in self.steps],
            lookups=self.lookups,
            notes=self.notes,
            preferences=self.prefs,
            plan=self.plan,
        )
        self.out.setdefault("selected", self.selected)
        if self.u is not self.given:
            self.out["understanding"] = self.u.model_dump()  # what the plan read (a bare name, the features asked)
        return self.out

    # ------------------------------------------------------------------------------------------ decisions

    def _intent(self) -> str:
        """The intent, continuing our own last question when the message answers it."""
        u, pending = self.u, self.state.get("pending")
        if AGREEMENT.match(self.folded) and self.selected and pending in (None, "finance", "schedule"):
            return "schedule"  # "va" after "¿agendamos una visita?"
        before = (self.state.get("plan") or {}).get("topics") or []
        if "down-payment" in before and (u.brand_texts or u.ordinal) and not (u.body_type or u.max_price):
            return "finance"  # "¿cuánto es el enganche mínimo?" … "para el Versa 2020": its minimum, priced
        planned = self.prefs.get("visit_at") and self.selected and not self.state.get("booking")
        if u.customer_name and planned and u.intent not in ("finance", "visit_change") and not u.brand_texts:
            return "schedule"  # "a nombre de Julio César": the visit proposed a turn ago
        names_one = bool(u.ordinal or u.refers_back or len(u.brand_texts) == 1)
        if names_one and FITS.search(self.folded) and self.state.get("affordability") and u.max_price is None:
            return "finance"  # "¿el Corolla entra?" after "5 mil al mes con 50 de enganche": its payment, those terms
        last_priced = (self.state.get("plan") or {}).get("intent") == "finance" and self.state.get("financing")
        if last_priced and AND_THE.match(self.folded) and len(u.brand_texts) == 1 and not has_other_slots(u):
            return "finance"  # "¿y el Jetta?" right after the Corolla's payment: the Jetta's, same terms
        if pending in (None, "advisor") or u.intent in ("finance", "schedule", "visit_change"):
            return self._question_only(u.intent)
        if pending == "visit_hour" and (u.visit_when or re.search(r"\b\d{1,2}\b", self.folded)):
            return "schedule"
        names_car = bool(u.ordinal or u.refers_back or u.brand_texts or (u.min_year and u.min_year == u.max_year))
        names_car = names_car or (pending == "which_car" and bool(u.transmission or u.max_km or u.sort or u.features))
        new_search = any(getattr(u, k) is not None for k in ("body_type", "min_price", "max_price"))
        if pending in ("finance", "schedule", "which_car") and names_car and not new_search:
            return "schedule" if pending == "schedule" else "finance"
        if pending in ("schedule", "visit_hour", "visit_name") and (u.visit_when or u.customer_name):
            return "schedule"
        return self._question_only(u.intent)

    def _question_only(self, intent: str) -> str:
        """ "¿manejan crédito? ¿qué papeles piden?": a question about the dealer, not a payment of some car."""
        u = self.u
        amounts_given = u.term_months or u.monthly_payment or u.down_payment or u.down_payment_pct
        if intent == "finance" and APPROVAL.search(self.folded) and not amounts_given:
            return "other"  # "¿me aprueban?": a person decides; no payment to compute
        if u.haggle and intent == "finance" and not (u.term_months or u.monthly_payment):
            return "search"  # "te doy mi Aveo más 150 mil y quedamos": an offer, answered with the fixed price
        amounts = u.term_months or u.down_payment or u.down_payment_pct or u.monthly_payment or u.min_down_payment
        asks_payment = amounts or PAYMENT_ASK.search(self.folded)
        if intent == "finance" and self.topics and not asks_payment:
            return "other"
        if intent == "finance" and self.topics and not (self.selected or self.shown or u.brand_texts or u.ordinal):
            return "other"  # "¿72 meses es lo máximo?": a question about the terms, no car to price yet
        about_visits = {"opening-hours", "buy-online", "branches"} & set(self.topics)
        asks_only = "opening-hours" in about_visits or not u.visit_when
        if intent == "schedule" and about_visits and not (u.brand_texts or u.ordinal or u.customer_name) and asks_only:
            return "other"  # "¿cuál abre más temprano el domingo?", "¿me lo llevan a mi casa?": a question
        return intent

    def _car(self) -> None:
        """Resolve the car this turn is about; plan a lookup when it is named but not listed."""
        u = self.u
        stock_question = bool(STOCK_QUESTION.search(self.folded))
        self.new_search = self._asks_new_search(stock_question)
        u = self.u  # a feature question marks what it asks (asks_features)
        of_those = bool(OF_THOSE.search(self.folded))
        adds = (
            bool(ADDS.search(self.folded)) and bool(u.features or u.transmission) and not (u.brand_texts or u.body_type)
        )
        refines = len(re.findall(r"\w+", self.folded)) <= 3 and not (u.term_months or u.visit_when or u.sort)
        unseen = not any(matches_attributes(c, attributes_of(u.model_dump())) for c in self.shown)
        refines = refines and unseen and not (u.brand_texts or u.body_type or u.max_price or u.min_price)
        adds = adds or (refines and bool(u.min_year or u.max_year or u.max_km))  # "2021" after the Mazdas: narrowed
        if adds and self.shown and not self.lookups:
            added: dict[str, Any] = {**attributes_of(u.model_dump()), **{f: True for f in u.features}}
            if self._narrow_last_search(added, always=True):
                self.u = u.model_copy(update={"asks_features": []})
                return  # "¿y que además tenga CarPlay?": the same search with one more requirement
        self.picks = not self.new_search and bool(self.shown or self.selected) and self._points_at_a_car(stock_question)
        question = "?" in self.text or bool(u.asks_features)
        asks_about_car = (
            not self.new_search
            and bool(self.selected or len(self.shown) == 1)
            and question
            and not (u.brand_texts or self.topics or u.visit_when)
            and not (u.body_type or u.max_price)
        )
        asks_about_car = asks_about_car or bool(u.asks_features and not self.new_search)
        attributes = u.body_type or u.transmission or u.features or u.max_km or u.min_year or u.all_wheel_drive
        last_sort = (self.state.get("last_list") or {}).get("sort", "price_asc")
        reorders = of_those and u.sort and u.sort != last_sort and self.shown and not attributes
        reorders = reorders and not (u.brand_texts or u.ordinal or SHOWN_ONES.search(self.folded))
        if reorders and self._those_counted() is None and self._narrow_last_search({}):
            return  # "¿cuál tiene menos km de esos?" of 9 results, 5 shown: the whole search in that order
        if of_those and self.shown and not u.asks_features and attributes:
            wanted: dict[str, Any] = {**attributes_of(u.model_dump()), **{f: True for f in u.features}}
            if u.all_wheel_drive:
                wanted["all_wheel_drive"] = True
            pool = self._those_counted()
            if pool is None and not u.all_wheel_drive and self._narrow_last_search(wanted):
                return
            pool = pool or self.shown
            self.plan["from_list"] = [
                c for c in pool if matches_attributes(c, wanted) and all(c.get(f) for f in u.features)
            ]
            if u.transmission and (unsaid := [c for c in pool if not c.get("transmission")]):
                self.plan["transmission_unsaid"] = unsaid  # "1.6 LX" does not say it: said, and why
                self.plan["quiet_topics"] = [*self.plan.get("quiet_topics", []), "car-data"]
                self.topics.append("car-data")
            self.new_search = False
            return
        wants_car = (
            self.intent in ("finance", "schedule")
            or (u.compare and len(u.brand_texts) >= 2)
            or (self.intent == "finance" and len(u.brand_texts) >= 2)
            or self.picks
            or asks_about_car
            or (u.haggle and self._car_in_focus())
            or ("down-payment" in self.topics and bool(u.brand_texts))
        )
        asks_about_car = asks_about_car and not self.plan.get("term_refused")  # "¿y a 9 años?": about terms
        self.plan.update(picks=self.picks, asks_about_car=asks_about_car)
        if not wants_car:
            return
        described = u.model_dump()
        if u.asks_features:  # "is it automatic?" asks; it does not describe the car meant
            described |= {"transmission": None, "features": []}
        resolution = resolve(described, self.shown, self.selected, True)
        self.out["selected"] = resolution.car
        if resolution.missing:
            self.out["notice"] = "reference_missing"
        each = self.intent == "finance" and len(u.brand_texts) == 1 and EACH.search(self.folded)
        if each:  # "both odysseys, how much monthly each?": every car of that model, priced side by side
            self.lookups = [self._lookup(0, "compare")]
            self.steps |= {"normalize", "search", "finance"}
            self.out["selected"] = None
        elif (u.compare or self.intent == "finance") and len(u.brand_texts) >= 2:
            self.lookups = [self._lookup(i, "compare") for i in range(len(u.brand_texts))]
            self.steps |= {"normalize", "search", "finance"}
            self.out["selected"] = None
        elif resolution.car is None and u.brand_texts:
            self.lookups = [self._lookup(0, "lookup")]
            self.steps |= {"normalize", "search"}
        elif resolution.car is None and self.selected and not resolution.candidates and (u.min_year or u.max_km):
            same = {k: self.selected[k] for k in ("make", "model") if self.selected.get(k)}  # "¿y la del 2018?"
            filters = {**same, **attributes_of(u.model_dump())}
            self.lookups = [{"mention": None, "filters": filters, "sort": u.sort or "price_asc", "purpose": "lookup"}]
            self.steps.add("search")
        elif resolution.car is None and resolution.candidates and self.intent in ("finance", "schedule"):
            self.plan["candidates"] = resolution.candidates[: self.context.max_cars_in_reply]
            self.out["pending"] = "which_car"
        if u.haggle:
            self.plan["haggle_car"] = True

    def _finance(self) -> None:
        u = self.u
        if self.plan.get("term_refused") and not (u.down_payment or u.down_payment_pct or u.brand_texts):
            return
        money_rejected = any(v.split(":")[0] in ("down_payment_pct", "down_payment", "price") for v in u.rejected)
        has_car = self.out.get("selected") is not None or bool(self.lookups)
        asked_minimum = "down-payment" in ((self.state.get("plan") or {}).get("topics") or []) and not (
            self.state.get("selected") or self.state.get("financing")
        )  # "¿cuánto es el enganche mínimo?" … "para el Versa 2020"
        wants_minimum = "down-payment" in self.topics or asked_minimum
        if wants_minimum and has_car and u.down_payment is None and u.down_payment_pct is None:
            self.plan["minimum_down"] = True  # "¿cuánto necesito de enganche para el Swift?": the minimum, priced
            self.intent = "finance"
        if self.intent in ("search", "other") and not has_car and self._affordability():
            self.intent = "finance"  # "¿y si lo hago a seis años?" after "¿qué me alcanza?"
        if self.intent != "finance" and not (u.min_down_payment and has_car):
            return
        if money_rejected:
            self.out["pending"] = "finance"  # "enganche de 150%": say why it cannot be, never price something else
        elif self._affordability() and self.out.get("selected") is None and not self.lookups:
            self.steps |= {"afford", "search", "finance"}
            self.lookups = [self._list_search(None)]
            self.plan.pop("candidates", None)  # a new budget, not a pick among the cars shown
            if self.out.get("pending") == "which_car":
                self.out["pending"] = None
        elif self.out.get("selected") is not None or self.lookups:
            self.steps.add("finance")
        elif not self.plan.get("candidates"):
            self.out["pending"] = "finance"

    def _those_counted(self) -> list[dict[str, Any]] | None:
        """ "de esos dos", "those three": that many cars of the list, ending at the one discussed (or the first)."""
        m = THOSE_COUNTED.search(self.folded)
        if not m:
            return None
        word = next(g for g in m.groups() if g)
        count = int(word) if word.isdigit() else {"tres": 3, "three": 3}.get(word, 2)
        if not 2 <= count < len(self.shown):
            return None
        at = [i for i, c in enumerate(self.shown, 1) if same_car(c, self.selected)]
        end = max(count, at[0] if at else 0)
        return self.shown[end - count : end]

    def _knowledge(self) -> None:
        quiet: list[str] = list(self.plan.get("quiet_topics") or [])
        if "finance" in self.steps and not self.u.min_down_payment:
            # the payment (or the tool's refusal) says these already; the section is still retrieved for the record
            quiet = [t for t in self.topics if t == "down-payment"]
        if self.u.unsupported and "car-data" in self.topics:
            quiet.append("car-data")  # the note says what the data lacks; the section is retrieved for the record
        car, asked = self.out.get("selected"), self.u.asks_features
        unknown = car and (
            ("transmission" in asked and not car.get("transmission"))
            or ("awd" in asked and not has_all_wheel_drive(car))
        )
        if unknown and "car-data" not in self.topics:
            self.topics.append("car-data")  # what the data cannot say, retrieved for the record; the reply says it
            quiet.append("car-data")
        if unknown or (self.u.unsupported and "car-data" in self.topics and car):
            self.out["pending"], self.out["unknown_question"] = "advisor", True  # "¿le pido a un asesor…?"
        elif asked and "car-data" not in self.topics:
            self.topics.append("car-data")  # "¿trae CarPlay?": answered from the record; the section says what it holds
            quiet.append("car-data")
        if quiet:
            self.plan["quiet_topics"] = quiet
        if self.topics or self.plan.get("topics"):
            self.plan["topics"] = list(dict.fromkeys([*self.topics, *self.plan.get("topics", [])]))
            self.steps.add("knowledge")
            previous = set(((self.state.get("plan") or {}).get("topics")) or [])
            self.plan["repeat_topics"] = [t for t in self.plan["topics"] if t in previous]

    def _bookkeeping(self) -> None:
        """Misunderstood turns, unknown questions, and whether a person takes over."""
        u = self.u
        understood = bool(self.steps or self.topics or self.out.get("pending") or self.picks) or bool(
            self.intent in ("greeting", "thanks")
            or u.visit_when
            or u.customer_name
            or has_slots(u)
            or "unknown" in u.topics
            or self.plan.get("from_list") is not None
            or self.plan.get("ask_type")
        )
        self.out["misunderstood"] = 0 if understood else int(self.state.get("misunderstood") or 0) + 1
        reason = handoff_reason(u, self.text, self.state, self.topics, self.out["misunderstood"])
        if reason:
            self.steps.add("handoff")
            self.plan["handoff_reason"] = reason
        self.out["unknown_question"] = "unknown" in u.topics or bool(self.out.get("unknown_question"))
        if self.plan.get("appraisal") and not reason:
            self.out["pending"], self.out["unknown_question"] = "advisor", True  # "¿le pido a un asesor que lo cotice?"
        if "unknown" in u.topics and not reason:
            self.out["pending"] = "advisor"
