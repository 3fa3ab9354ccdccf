"""Inventory search filters, ordering and data integrity against the real sample."""

import csv
from pathlib import Path

import pytest

from tools.inventory import DEFAULT_CSV, InventoryStore, SearchFilters

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "sample_caso_ai_engineer.csv"


@pytest.fixture(scope="module")
def store() -> InventoryStore:
    return InventoryStore.from_csv("sqlite://")


def test_every_original_row_is_kept_unchanged() -> None:
    ours = {r["stock_id"]: r for r in csv.DictReader(DEFAULT_CSV.open(encoding="utf-8"))}
    assert len(ours) == 100
    if SAMPLE.exists():
        for row in csv.DictReader(SAMPLE.open(encoding="utf-8")):
            mine = ours[row["stock_id"]]
            assert float(mine["price"]) == float(row["price"])
            assert int(mine["km"]) == int(row["km"])
            assert mine["version"] == row["version"]
            assert int(mine["year"]) == int(row["year"])
    assert {r["body_type"] for r in ours.values()} <= {
        "sedan",
        "hatchback",
        "suv",
        "pickup",
        "minivan",
        "coupe",
    }


def test_chevrolets_under_300k_cheapest_first(store: InventoryStore) -> None:
    result = store.search(SearchFilters(make="Chevrolet", max_price=300000, limit=20))
    prices = [v.price for v in result.results]
    assert prices == sorted(prices)
    assert result.total == 7
    models = {v.model for v in result.results}
    assert {"Onix", "Aveo"} <= models
    onix = next(v for v in result.results if v.model == "Onix")
    assert (onix.stock_id, onix.price, onix.year) == (311726, 226999, 2021)


def test_limit_caps_results_but_not_total(store: InventoryStore) -> None:
    result = store.search(SearchFilters(make="Chevrolet", max_price=300000, limit=2))
    assert len(result.results) == 2 and result.total == 7


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (
            SearchFilters(body_type="suv", max_price=300000, limit=20),
            lambda v: v.body_type == "suv" and v.price <= 300000,
        ),
        (SearchFilters(min_year=2021, limit=20), lambda v: v.year >= 2021),
        (SearchFilters(max_year=2015, limit=20), lambda v: v.year <= 2015),
        (SearchFilters(max_km=30000, limit=20), lambda v: v.km <= 30000),
        (SearchFilters(min_price=500000, limit=20), lambda v: v.price >= 500000),
        (SearchFilters(make="Mazda", model="Mazda 3", limit=20), lambda v: v.model == "Mazda 3"),
        (SearchFilters(body_type="pickup", limit=20), lambda v: v.model == "Frontier"),
    ],
)
def test_each_filter_applies(store: InventoryStore, filters: SearchFilters, check) -> None:
    result = store.search(filters)
    assert result.results, filters
    assert all(check(v) for v in result.results)


def test_nothing_matches_is_an_empty_result(store: InventoryStore) -> None:
    result = store.search(SearchFilters(make="Chevrolet", max_price=50000))
    assert result.results == [] and result.total == 0


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(body_type="spaceship"),
        SearchFilters(min_price=500, max_price=100),
        SearchFilters(max_km=-1),
    ],
)
def test_invalid_filters_are_errors_in_the_tool(store: InventoryStore, filters: SearchFilters) -> None:
    from tools.toolkit import Toolkit

    toolkit = Toolkit.from_store(store)
    args = {k: v for k, v in filters.__dict__.items() if v is not None}
    out = toolkit.tools["search_inventory"].invoke(args)
    assert "error" in out and out["results"] == []
