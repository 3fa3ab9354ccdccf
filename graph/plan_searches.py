"""The search side of a turn's plan: which lists to show (one per model or body type asked, the last search
narrowed, a monthly budget turned into a ceiling), the car a feature question is about, and the exact car a lookup
must find. A mixin of the planner (graph.planning), which sets the attributes declared here."""

from __future__ import annotations

import re
from typing import Any

from graph.context import Context
from graph.preferences import is_refinement
from graph.references import attributes_of, mentions_model, resolve
from graph.state import State, Step
from graph.understanding import Understanding
from graph.understanding.vocab import word_set
from tools.text import fold

STOCK_QUESTION = re.compile(
    r"\b(?:tienen|tienes|tiene|tendran|hay|manejan|manejas|venden|busco|buscando|buscamos|muestrame|ensename|"
    r"muestreme|que\s+mas|que\s+otr[oa]s?|do\s+you\s+have|have\s+any|show\s+me|looking\s+for|what\s+else|"
    r"anything\s+else|other\s+options|todavia|aun|still|que\s+opciones)\b"
)
SOMETHING_ELSE = re.compile(r"\b(?:algo|otro|otra|otros|otras|something|another|anything|alguna\s+otra)\b")
OF_THOSE = re.compile(
    r"\b(?:de\s+(?:esos|esas|estos|estas|los\s+que|las\s+que)|of\s+(?:those|these|them|the\s+ones)|among\s+them|"
    r"^\W*(?:y\s+|and\s+|ok\s+(?:and\s+)?)?(?:cual|cuales|which(?:\s+ones?)?)\b)"
)
"""The list just shown: "de esas, ¿cuál es SUV?", "and which one has 4x4?"."""
ALTOGETHER = re.compile(r"\b(?:altogether|in\s+total|en\s+total|overall|all\s+together|de\s+todas?\s+(?:las|los))\b")
""" "How many SUVs do you have altogether?": the whole stock of what is named, not the last search's filters."""
ADDS = re.compile(r"\b(?:ademas|tambien|aparte|extra|also|too|as\s+well|on\s+top)\b")
""" "¿y que además tenga CarPlay?": one more requirement for the same search."""
ONE_CAR = re.compile(r"^\W*(?:y\s+|and\s+|ok\s+)?(?:el|la|the\s+one|that\s+one|ese|esa|cual|which)\b")
"""A message about one car of the list ("la que tiene menos de 50 mil km"), not a narrower search."""
BARE_NUMBER = re.compile(r"^\W*\$?\s*\d[\d,.\s]*(?:k|mil|mxn|pesos)?\W*$")
CAR_FILTERS = (
    "body_type",
    "min_price",
    "max_price",
    "min_year",
    "max_year",
    "max_km",
    "transmission",
    "bluetooth",
    "car_play",
    "min_seats",
    "all_wheel_drive",
)


class SearchPlanning:
    """Search decisions of the turn planner."""

    u: Understanding
    text: str
    folded: str
    state: State
    context: Context
    prefs: dict[str, Any]
    shown: list[dict[str, Any]]
    selected: dict[str, Any] | None
    steps: set[Step]
    lookups: list[dict[str, Any]]
    plan: dict[str, Any]
    out: dict[str, Any]
    intent: str
    new_search: bool
    picks: bool

    def _car_in_focus(self) -> bool:
        return bool(self.selected or self.u.brand_texts or self.u.ordinal or self.u.refers_back)

    def _narrow_last_search(self, wanted: dict[str, Any], always: bool = False) -> bool:
        """ "de esas, ¿cuál es SUV?" after a list of 37 showing 5: the same search with the new attribute
        (`always`: even when the list showed every result, "¿y que además tenga CarPlay?")."""
        lists = [o for o in self.state.get("searches") or [] if o.get("purpose") == "list" and not o.get("skipped")]
        earlier = self.state.get("last_list")
        shown_ids = [c.get("stock_id") for c in self.shown]
        if (
            not lists
            and earlier
            and [c.get("stock_id") for c in earlier.get("cars") or []] == shown_ids[: len(earlier.get("cars") or [])]
        ):
            lists = [earlier]  # the list is still the one on screen, a turn about something else later
        if len(lists) != 1 or (not always and int(lists[0].get("total") or 0) <= len(lists[0].get("cars") or [])):
            return False
        last = lists[0]
        filters = {**(last.get("filters") or {}), **wanted}
        sort = self.u.sort or last.get("sort", "price_asc")  # "of those with CarPlay, which has the fewest km?"
        spec = {"mention": None, "filters": filters, "sort": sort, "purpose": "list"}
        if last.get("affordable"):
            spec["affordable"] = True
            self.steps.add("finance")
        self.lookups = [spec]
        self.steps.add("search")
        self.new_search = False
        return True

    def _feature_question(self) -> bool:
        """ "does it have apple carplay?", "¿es automático?" about the one car in focus: its record answers."""
        u = self.u
        focus = self.selected or (self.shown[0] if len(self.shown) == 1 else None)
        described = bool(u.asks_features and attributes_of(u.model_dump() | {"transmission": None}))
        if (u.brand_texts or u.sort or u.ordinal or described) and len(self.shown) > 1:
            named = u.model_dump() | {"transmission": None, "features": []}  # asked about, not a description
            focus = resolve(named, self.shown, self.selected, True).car  # "the newer Odyssey: is it automatic?"
        asked = [*u.features, *(["transmission"] if u.transmission else []), *(["awd"] if u.all_wheel_drive else [])]
        asked = list(dict.fromkeys([*u.asks_features, *asked]))
        if focus is None or not asked or not ("?" in self.text or u.refers_back):
            return False
        if (u.body_type and not described) or u.max_price is not None or u.min_price is not None or u.course:
            return False  # "¿el 2018 hatchback trae CarPlay?" describes a listed car; "¿SUVs con CarPlay?" searches
        if u.brand_texts and not any(mentions_model(m, focus) for m in u.brand_texts):
            return False
        if OF_THOSE.search(self.folded) and not (u.refers_back and u.sort):
            return False  # "¿cuál tiene CarPlay?": among the list, not about one car
        words = set(re.findall(r"[a-z]+", self.folded))
        if SOMETHING_ELSE.search(self.folded) or words & word_set("car_words"):
            return False  # "¿tienen algo con CarPlay?", "¿hay autos automáticos?": a search
        self.u = u.model_copy(update={"asks_features": asked})
        return True

    def _asks_new_search(self, stock_question: bool) -> bool:
        """Whether the message asks for a (new) search rather than pointing at a car already discussed."""
        if self._feature_question():
            return False
        u = self.u
        if (
            self.state.get("pending") == "which_car"
            and self.shown
            and not (u.body_type or u.max_price or u.brand_texts)
        ):
            return False  # "the automatic one" answering "¿cuál te interesa?"
        if u.haggle and self._car_in_focus() and not u.body_type:
            return False
        if u.monthly_payment is not None and self.intent == "finance":
            return False
        if (
            u.body_type
            or u.max_price is not None
            or u.min_price is not None
            or u.course
            or u.transmission
            or u.features
        ):
            return True
        discussed = [*self.shown, *([self.selected] if self.selected else [])]
        if u.brand_texts and not any(mentions_model(m, c) for m in u.brand_texts for c in discussed):
            return True
        if u.sort:  # "la más económica a 4 años": the cheapest of the list; "lo más barato que tengan": a search
            return not OF_THOSE.search(self.folded) and not (self.intent in ("finance", "schedule") and self.shown)
        if (u.min_year or u.max_km) and (stock_question or SOMETHING_ELSE.search(self.folded) or not discussed):
            return True
        open_range = (u.min_year and u.max_year is None) or u.max_km
        if open_range and not (u.refers_back or u.ordinal or ONE_CAR.search(self.folded)):
            return True  # "2019+", "de 2020 en adelante": the search narrowed, not one car of the list
        return stock_question and not discussed

    def _points_at_a_car(self, stock_question: bool) -> bool:
        """ "el segundo", "ese", "la del 2019", "la más barata de esas", "el Onix" (listed)."""
        u = self.u
        if u.ordinal is not None or u.refers_back:
            return True
        if stock_question:
            return False
        return bool(u.brand_texts or u.sort or attributes_of(u.model_dump()))

    def _affordability(self) -> bool:
        """A monthly budget given now, or a new term or down payment right after one ("¿y si lo pago en 5 años?")."""
        u = self.u
        if u.monthly_payment is not None:
            return True
        changed = u.term_months is not None or u.down_payment is not None or u.down_payment_pct is not None
        if changed and bool(self.state.get("affordability")) and not self._car_in_focus():
            return True
        refined = changed or bool(u.min_year or u.transmission or u.body_type or u.features or u.max_km)
        budget_list = bool((self.state.get("last_list") or {}).get("affordable")) and bool(
            self.prefs.get("monthly_payment")
        )
        # "only automatics, nothing older than 2019" right after "what can I get for 6,000 a month?": the same budget
        return budget_list and refined and u.max_price is None and not (u.brand_texts or self._car_in_focus())

    def _searches(self) -> None:
        """The lists this turn shows: one per model named, or per body type asked, or one."""
        u = self.u
        if self.lookups or self.plan.get("from_list") is not None:
            return
        if not (self.new_search or (self.intent == "search" and not self.picks and self.out.get("selected") is None)):
            return
        if u.rejected and not (u.brand_texts or u.body_type or u.max_price or u.min_price or u.sort or u.features):
            return  # "de año 99999 hay?": say why, search nothing
        if BARE_NUMBER.match(self.text) and not (self.prefs.get("body_type") or self.prefs.get("make")):
            self.plan["ask_type"] = True  # "300" alone: the budget is kept; the kind of car comes first
            return
        discussed = [*self.shown, *([self.selected] if self.selected else [])]
        mentions = [
            i
            for i, m in enumerate(u.brand_texts)
            if not (SOMETHING_ELSE.search(self.folded) and any(mentions_model(m, c) for c in discussed))
        ]
        if u.sort:
            self.prefs["sort"] = u.sort
        elif not (is_refinement(self.text) or u.course or u.max_price is not None) and (u.body_type or u.brand_texts):
            self.prefs.pop("sort", None)  # a fresh request starts cheapest first; a change of budget keeps the order
        if len(mentions) > 1:
            self.lookups = [self._list_search(i) for i in mentions]
        elif mentions and SOMETHING_ELSE.search(self.folded) and not u.compare:
            self.lookups = [{**self._list_search(mentions[0]), "or_similar": True}]  # "¿tienen tsuru? o algo barato"
        elif len(u.body_types) > 1 and not mentions:
            self.lookups = [self._list_search(None, body) for body in u.body_types]
        else:
            self.lookups = [self._list_search(mentions[0] if mentions else None)]
        self.steps.add("search")
        if mentions:
            self.steps.add("normalize")

    def _lookup(self, index: int, purpose: str) -> dict[str, Any]:
        """Find the car named ("la Captur 2019"): its model (from normalize) plus every attribute given; in a
        comparison, a year written right after one of the models is that model's ("el corolla o el mazda 3 2021")."""
        attributes = attributes_of(self.u.model_dump()) if index == 0 or purpose == "lookup" else {}
        if purpose == "compare":
            attributes = {k: v for k, v in attributes.items() if k not in ("min_year", "max_year")}
            mention = self.u.brand_texts[index] if index < len(self.u.brand_texts) else ""
            year = re.search(re.escape(fold(mention)) + r"\W{0,3}((?:19|20)\d\d)\b", self.folded) if mention else None
            if year:
                attributes.update(min_year=int(year.group(1)), max_year=int(year.group(1)))
        return {"mention": index, "filters": attributes, "sort": self.u.sort or "price_asc", "purpose": purpose}

    def _list_search(self, index: int | None, body: str | None = None) -> dict[str, Any]:
        """A list of cars matching the preferences (the mention's model when one is named)."""
        u = self.u
        filters = {k: self.prefs[k] for k in CAR_FILTERS if self.prefs.get(k) not in (None, False)}
        if ALTOGETHER.search(self.folded):  # "altogether": only what this message names
            said = {k: getattr(u, k, None) for k in CAR_FILTERS}
            filters = {k: v for k, v in said.items() if v not in (None, False, [])} | {f: True for f in u.features}
        if body:
            filters["body_type"] = body
        if filters.get("body_type") != "suv":
            filters.pop("min_seats", None)  # a minivan seats seven by nature; only SUVs say it in the version
        if index is None and not u.brand_texts:
            filters.update({k: self.prefs[k] for k in ("make", "model") if self.prefs.get(k)})
        spec: dict[str, Any] = {
            "mention": index,
            "filters": filters,
            "sort": self.prefs.get("sort") or u.sort or "price_asc",
            "purpose": "list",
        }
        fresh = [k for k in CAR_FILTERS if getattr(u, k, None) not in (None, False, [])] + list(u.features)
        if fresh and index is None and not u.brand_texts and filters.get("make"):
            spec["fresh"] = fresh  # "lo quiero automático" about the Jetta: if it is not, other cars that are
        if u.haggle:
            spec["haggle"] = True
        if u.body_type and not body and u.max_price is None and u.min_price is None:
            spec["body_named"] = True  # "¿qué otra troca tienes?": the body type, not an old budget, comes first
        before = self.state.get("preferences") or {}
        same_kind = u.body_type is None or u.body_type == before.get("body_type")
        if u.course == "stretch" and u.max_price is not None and same_kind:
            previous = before.get("max_price")
            if previous is not None and previous < u.max_price:
                spec["filters"]["min_price"] = previous + 1  # show what the higher budget adds
                spec["stretch"] = True
        if u.course == "more" and self.shown:
            spec["exclude"] = [c["stock_id"] for c in self.shown]
        return spec
