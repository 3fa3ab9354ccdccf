"""Consult's decisions without tools: preferences across turns and which car a follow-up means."""

import pytest

from graph.consult import is_refinement, merge_preferences, resolve_car
from graph.routing import route_after_consult
from graph.understanding import Understanding

SHOWN = [
    {"stock_id": 1, "make": "Chevrolet", "model": "Aveo", "price": 138999},
    {"stock_id": 2, "make": "Chevrolet", "model": "Spark", "price": 142999},
    {"stock_id": 3, "make": "Chevrolet", "model": "Onix", "price": 226999},
]


@pytest.mark.parametrize("text", ["¿y en SUV?", "and in SUV?", "y camionetas", "what about sedans?", "SUVs?"])
def test_follow_ups_refine(text: str) -> None:
    assert is_refinement(text)


@pytest.mark.parametrize("text", ["busco una camioneta de menos de 400 mil", "I want an SUV for my family"])
def test_fresh_requests_do_not_refine(text: str) -> None:
    assert not is_refinement(text)


def test_body_type_keeps_the_make_only_when_refining() -> None:
    known = {"make": "Nissan", "max_price": 250000}
    suv = Understanding(intent="search", body_type="suv")
    assert merge_preferences(known, suv, refines=True)["make"] == "Nissan"
    assert "make" not in merge_preferences(known, suv, refines=False)
    assert merge_preferences(known, suv, refines=False)["max_price"] == 250000


def test_a_new_max_budget_drops_an_old_minimum_and_down_payment_forms_exclude_each_other() -> None:
    known = {"min_price": 100000, "max_price": 200000, "down_payment_pct": 30}
    merged = merge_preferences(known, Understanding(max_price=300000, down_payment=50000))
    assert merged["max_price"] == 300000 and "min_price" not in merged
    assert merged["down_payment"] == 50000 and "down_payment_pct" not in merged


@pytest.mark.parametrize(("ordinal", "stock_id"), [(1, 1), (2, 2), (3, 3), (-1, 3)])
def test_ordinals_point_into_the_list_shown(ordinal: int, stock_id: int) -> None:
    car, missing = resolve_car(Understanding(ordinal=ordinal), {"shown": SHOWN})
    assert car is not None and car["stock_id"] == stock_id and not missing


def test_an_ordinal_past_the_list_is_reported_not_guessed() -> None:
    car, missing = resolve_car(Understanding(ordinal=5), {"shown": SHOWN})
    assert missing and car is None


def test_a_model_name_picks_from_the_list_or_asks_for_a_lookup() -> None:
    car, _ = resolve_car(Understanding(intent="finance", brand_texts=["el onix"]), {"shown": SHOWN})
    assert car is not None and car["stock_id"] == 3
    car, _ = resolve_car(Understanding(intent="finance", brand_texts=["Jetta"]), {"shown": SHOWN})
    assert car is None  # not shown: the graph looks it up through normalize → search


def test_picking_a_car_from_the_list_is_not_a_new_search() -> None:
    state = {
        "understanding": Understanding(intent="search", ordinal=3).model_dump(),
        "selected": SHOWN[2],
        "preferences": {"body_type": "hatchback", "max_price": 200000},
    }
    assert route_after_consult(state) == "respond"
    state["understanding"] = Understanding(intent="search", ordinal=3, max_price=300000).model_dump()
    assert route_after_consult(state) == "normalize"
