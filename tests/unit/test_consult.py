"""Consult's decisions without tools: preferences across turns, which car a follow-up means, the turn's plan."""

from __future__ import annotations

from typing import Any

import pytest

from graph.context import Context
from graph.planning import plan_turn
from graph.preferences import is_refinement, merge_preferences
from graph.references import resolve
from graph.routing import route_after_consult
from graph.understanding import Understanding
from tools.finance import FinancingTerms

SHOWN = [
    {
        "stock_id": 1,
        "make": "Chevrolet",
        "model": "Aveo",
        "price": 138999,
        "year": 2018,
        "km": 61000,
        "body_type": "sedan",
    },
    {
        "stock_id": 2,
        "make": "Chevrolet",
        "model": "Spark",
        "price": 142999,
        "year": 2019,
        "km": 40500,
        "body_type": "hatchback",
    },
    {
        "stock_id": 3,
        "make": "Chevrolet",
        "model": "Onix",
        "price": 226999,
        "year": 2021,
        "km": 30200,
        "body_type": "sedan",
    },
]


def plan(u: Understanding, text: str, **state: Any) -> dict[str, Any]:
    """The turn's plan over a state with the three cars above listed (unless the state says otherwise)."""
    state.setdefault("shown", SHOWN)
    return plan_turn(u, text, state, Context(), FinancingTerms())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------- preferences


@pytest.mark.parametrize(
    "text", ["¿y en SUV?", "and in SUV?", "y camionetas", "what about sedans?", "SUVs?", "mejor pickup"]
)
def test_follow_ups_refine(text: str) -> None:
    assert is_refinement(text)


@pytest.mark.parametrize("text", ["busco una camioneta de menos de 400 mil", "I want an SUV for my family"])
def test_fresh_requests_do_not_refine(text: str) -> None:
    assert not is_refinement(text)


def test_body_type_keeps_the_make_only_when_refining_or_asked_for_the_same_make() -> None:
    known = {"make": "Nissan", "model": "Versa", "max_price": 250000}
    suv = Understanding(intent="search", body_type="suv")
    assert merge_preferences(known, suv, "¿y en SUV?", {})["make"] == "Nissan"
    assert merge_preferences(known, suv, "una camioneta de la misma marca", {})["make"] == "Nissan"
    fresh = merge_preferences(known, suv, "busco una camioneta para la familia", {})
    assert "make" not in fresh and "model" not in fresh
    assert fresh["max_price"] == 250000 and fresh["body_type"] == "suv"


def test_a_fresh_body_type_forgets_the_year_that_described_one_car() -> None:
    known = {"model": "CR-V", "min_year": 2017, "max_year": 2017}
    merged = merge_preferences(known, Understanding(body_type="sedan"), "busco un sedan económico", {})
    assert "min_year" not in merged and "max_year" not in merged


def test_a_new_max_budget_drops_an_old_minimum_and_down_payment_forms_exclude_each_other() -> None:
    known = {"min_price": 100000, "max_price": 200000, "down_payment_pct": 30}
    merged = merge_preferences(known, Understanding(max_price=300000, down_payment=50000), "hasta 300 y doy 50 mil", {})
    assert merged["max_price"] == 300000 and "min_price" not in merged
    assert merged["down_payment"] == 50000 and "down_payment_pct" not in merged
    merged = merge_preferences(merged, Understanding(down_payment_pct=25), "mejor el 25%", {})
    assert merged["down_payment_pct"] == 25 and "down_payment" not in merged


def test_an_around_budget_is_kept_as_said_and_a_plain_bound_replaces_it() -> None:
    around = merge_preferences({}, Understanding(around_price=250000, max_price=250000), "alrededor de 250 mil", {})
    assert around == {"around_price": 250000, "max_price": 250000}
    plain = merge_preferences(around, Understanding(max_price=300000), "mejor hasta 300", {})
    assert plain == {"max_price": 300000}


def test_out_of_budget_searches_under_the_cheapest_car_just_seen() -> None:
    known = {"max_price": 300000, "min_price": 100000}
    merged = merge_preferences(
        known, Understanding(course="cheaper"), "se sale de mi presupuesto, que mas hay", {"shown": SHOWN}
    )
    assert merged["max_price"] == 138998 and "min_price" not in merged


def test_equipment_cash_and_names_are_remembered() -> None:
    u = Understanding(
        features=["car_play"], cash=True, customer_name="María Fernanda López Ortega", transmission="automatic"
    )
    merged = merge_preferences(
        {"body_type": "suv"}, u, "de contado, automática con carplay; soy María Fernanda López Ortega", {}
    )
    assert merged == {
        "body_type": "suv",
        "transmission": "automatic",
        "car_play": True,
        "cash": True,
        "customer_name": "María Fernanda López Ortega",
    }


# ----------------------------------------------------------------------------------------- references


@pytest.mark.parametrize(("ordinal", "stock_id"), [(1, 1), (2, 2), (3, 3), (-1, 3)])
def test_ordinals_point_into_the_list_shown(ordinal: int, stock_id: int) -> None:
    found = resolve(Understanding(ordinal=ordinal).model_dump(), SHOWN, None, True)
    assert found.car is not None and found.car["stock_id"] == stock_id
    assert found.from_list and not found.missing


def test_an_ordinal_past_the_list_is_reported_not_guessed() -> None:
    found = resolve(Understanding(ordinal=5).model_dump(), SHOWN, None, True)
    assert found.missing and found.car is None


def test_a_model_name_picks_from_the_list_or_asks_for_a_lookup() -> None:
    found = resolve(Understanding(intent="finance", brand_texts=["el onix"]).model_dump(), SHOWN, None, True)
    assert found.car is not None and found.car["stock_id"] == 3
    found = resolve(Understanding(intent="finance", brand_texts=["Jetta"]).model_dump(), SHOWN, None, True)
    assert found.car is None and not found.candidates  # not shown: the graph looks it up through normalize → search


def test_attributes_pick_the_one_car_that_has_them_or_list_the_candidates() -> None:
    found = resolve(Understanding(min_year=2019, max_year=2019).model_dump(), SHOWN, None, True)
    assert found.car is not None and found.car["stock_id"] == 2  # "la del 2019"
    found = resolve(Understanding(max_km=30000).model_dump(), SHOWN, None, True)
    assert found.car is not None and found.car["stock_id"] == 3  # "la de 30 mil km" (within 15%)
    several = resolve(Understanding(body_type="sedan").model_dump(), SHOWN, None, True)
    assert several.car is None and [c["stock_id"] for c in several.candidates] == [1, 3]  # ask which


def test_a_superlative_chooses_among_the_cars_described() -> None:
    cheapest_sedan = resolve(Understanding(body_type="sedan", sort="price_asc").model_dump(), SHOWN, None, True)
    assert cheapest_sedan.car is not None and cheapest_sedan.car["stock_id"] == 1
    priciest = resolve(Understanding(brand_texts=["chevrolet"], sort="price_desc").model_dump(), SHOWN, None, True)
    assert priciest.car is not None and priciest.car["stock_id"] == 3
    newest = resolve(Understanding(sort="year_desc").model_dump(), SHOWN, None, True)
    assert newest.car is not None and newest.car["stock_id"] == 3


def test_a_question_without_a_reference_keeps_the_car_being_discussed() -> None:
    found = resolve(Understanding(intent="finance").model_dump(), SHOWN, SHOWN[1], True)
    assert found.car == SHOWN[1]
    only = resolve(Understanding(intent="finance").model_dump(), SHOWN[:1], None, True)
    assert only.car == SHOWN[0]
    unclear = resolve(Understanding(intent="finance").model_dump(), SHOWN, None, True)
    assert unclear.car is None and len(unclear.candidates) == 3


# ----------------------------------------------------------------------------------------- the plan


def test_picking_a_car_from_the_list_is_not_a_new_search() -> None:
    prefs = {"body_type": "hatchback", "max_price": 200000}
    picked = plan(Understanding(intent="search", ordinal=3), "me interesa el tercero", preferences=prefs)
    assert picked["agenda"] == [] and picked["selected"]["stock_id"] == 3
    assert route_after_consult({**picked, "understanding": {"intent": "search", "ordinal": 3}}) == "respond"
    wider = plan(
        Understanding(intent="search", ordinal=3, max_price=300000), "el tercero pero hasta 300 mil", preferences=prefs
    )
    assert wider["agenda"] == ["search"]


def test_several_models_are_one_search_each_and_a_comparison_of_payments_prices_both() -> None:
    both = plan(Understanding(intent="search", brand_texts=["jetta", "vento"]), "tienes jetta o vento?", shown=[])
    assert both["agenda"] == ["normalize", "search"]
    assert [(s["mention"], s["purpose"]) for s in both["lookups"]] == [(0, "list"), (1, "list")]
    compare = plan(
        Understanding(intent="finance", brand_texts=["la CR-V", "la RAV4"], compare=True, term_months=48),
        "¿cuál me conviene más a 4 años, la CR-V o la RAV4?",
        shown=[],
    )
    assert compare["agenda"] == ["normalize", "search", "finance"]
    assert [(s["mention"], s["purpose"]) for s in compare["lookups"]] == [(0, "compare"), (1, "compare")]


def test_a_named_car_with_attributes_is_looked_up_with_every_attribute() -> None:
    u = Understanding(intent="finance", brand_texts=["la Captur"], min_year=2019, max_year=2019, term_months=48)
    out = plan(u, "cuanto sale la Captur 2019 a 4 años", shown=[])
    assert out["agenda"] == ["normalize", "search", "finance"]
    assert out["lookups"] == [
        {"mention": 0, "filters": {"min_year": 2019, "max_year": 2019}, "sort": "price_asc", "purpose": "lookup"}
    ]


def test_two_body_types_are_two_searches() -> None:
    out = plan(
        Understanding(intent="search", body_type="pickup", body_types=["pickup", "suv"]),
        "pickup o suv",
        shown=[],
        preferences={"body_type": "pickup"},
    )
    assert out["agenda"] == ["search"]
    assert [s["filters"]["body_type"] for s in out["lookups"]] == ["pickup", "suv"]


def test_a_monthly_budget_plans_affordability_first() -> None:
    u = Understanding(intent="finance", monthly_payment=4500, down_payment=60000)
    out = plan(
        u,
        "puedo dar 60 mil de entrada y pagar unos 4,500 al mes, que me alcanza?",
        shown=[],
        preferences={"monthly_payment": 4500, "down_payment": 60000},
    )
    assert out["agenda"] == ["afford", "search", "finance"]


def test_other_options_exclude_the_cars_already_shown() -> None:
    out = plan(
        Understanding(intent="search", course="more"), "que otras opciones hay?", preferences={"body_type": "sedan"}
    )
    assert out["agenda"] == ["search"] and out["lookups"][0]["exclude"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("u", "text", "reason"),
    [
        (Understanding(wants_human=True), "quiero hablar con un asesor", "customer_request"),
        (Understanding(complaint=True), "pésimo servicio, nadie me contesta", "complaint"),
    ],
)
def test_a_person_is_asked_for_or_a_complaint_hands_off(u: Understanding, text: str, reason: str) -> None:
    out = plan(u, text)
    assert out["agenda"][-1] == "handoff" and out["plan"]["handoff_reason"] == reason


def test_two_turns_not_understood_hand_off() -> None:
    first = plan(Understanding(), "mmm pues no se", shown=[])
    assert first["misunderstood"] == 1 and "handoff" not in first["agenda"]
    second = plan(Understanding(), "ajá y luego", shown=[], misunderstood=1)
    assert second["misunderstood"] == 2 and second["plan"]["handoff_reason"] == "not_understood"
