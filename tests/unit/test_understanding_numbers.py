"""Numbers as customers type them: money in every form, cash or monthly, years vs km vs terms, ranges, "around".

Each case lists every numeric slot the message sets; every other numeric slot must stay empty, so a number read
into the wrong slot (a year as a budget, a monthly payment as a price) fails as surely as a number missed.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.understanding import Understanding, understand_offline
from tools.inventory import InventoryStore
from tools.toolkit import Toolkit

CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog
NUMERIC = (
    "min_price",
    "max_price",
    "around_price",
    "monthly_payment",
    "down_payment",
    "down_payment_pct",
    "term_months",
    "min_year",
    "max_year",
    "max_km",
)


def read(text: str) -> Understanding:
    return understand_offline(text, CATALOG)


def check(text: str, expected: dict[str, Any]) -> Understanding:
    """The message sets exactly the expected numeric slots (and `cash` only when expected)."""
    u = read(text)
    got = {k: getattr(u, k) for k in NUMERIC if getattr(u, k) is not None}
    assert got == {k: v for k, v in expected.items() if k in NUMERIC}, text
    assert u.cash is bool(expected.get("cash")), text
    return u


# ----------------------------------------------------------------------------------------- money in every form

BUDGETS = [
    ("tengo como 3 cientos mil", {"max_price": 300000, "around_price": 300000}),
    ("busco algo de hasta 3 cientos mil", {"max_price": 300000}),
    ("mi presupuesto es de medio millon", {"max_price": 500000}),
    ("algo de medio millón max", {"max_price": 500000}),
    ("tengo un millón y medio para una camioneta", {"max_price": 1500000}),
    ("presupuesto de un millon y medio", {"max_price": 1500000}),
    ("tengo 1.2 millones", {"max_price": 1200000}),
    ("un millon doscientos mil", {"max_price": 1200000}),
    ("quinientos mil", {"max_price": 500000}),
    ("trescientos cincuenta mil", {"max_price": 350000}),
    ("$250,000 pesos", {"max_price": 250000}),
    ("tengo 250 mil varos", {"max_price": 250000}),
    ("andamos en los 300 mil", {"max_price": 300000}),
    ("max 300k", {"max_price": 300000}),
    ("no mas de 250 mil", {"max_price": 250000}),
    ("minimo 200 mil", {"min_price": 200000}),
    ("quiero pagar 380 mil", {"max_price": 380000}),
    ("no more than 350k", {"max_price": 350000}),
    ("350k tops", {"max_price": 350000}),
    ("anything below 350k", {"max_price": 350000}),
    ("nothing over 350k please", {"max_price": 350000}),
    ("not more than 350k", {"max_price": 350000}),
]


@pytest.mark.parametrize(("text", "expected"), BUDGETS)
def test_budgets_in_every_form(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


PRICE_CONTEXT = [
    ("400", {"max_price": 400000}),  # the answer to "¿qué presupuesto tienes?"
    ("2 50", {"max_price": 250000}),
    ("hasta 400", {"max_price": 400000}),
    ("mi presupuesto es 400", {"max_price": 400000}),
    ("algo 2017 en adelante, menos de 90 mil kms, hasta 280", {"min_year": 2017, "max_km": 90000, "max_price": 280000}),
    ("mi presupuesto ronda los 300", {"max_price": 300000, "around_price": 300000}),
    ("300 mas o menos", {"max_price": 300000, "around_price": 300000}),
    ("de 300 pa arriba", {"min_price": 300000}),  # a price floor
    ("suv de 250 para arriba", {"min_price": 250000}),
    ("quiero vender mi aveo y comprar una suv de 300", {"max_price": 300000}),
    ("tengo 40 de enganche", {"down_payment": 40000}),
    (
        "What can I get for around 6,000 pesos a month? I can put down 70k",
        {"monthly_payment": 6000, "down_payment": 70000},
    ),
]


@pytest.mark.parametrize(("text", "expected"), PRICE_CONTEXT)
def test_a_small_number_in_a_price_context_is_thousands(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


@pytest.mark.parametrize("text", ["2019", "2021?", "un 2018"])
def test_a_year_alone_is_a_model_year_not_a_budget_in_thousands(text: str) -> None:
    year = int("".join(ch for ch in text if ch.isdigit()))
    check(text, {"min_year": year, "max_year": year})


# ----------------------------------------------------------------------------------------- cash or monthly

CASH_OR_MONTHLY = [
    ("traigo 280k de contado", {"max_price": 280000, "cash": True}),
    ("pago de contado, tengo 300 mil", {"max_price": 300000, "cash": True}),
    ("I can pay 380k cash", {"max_price": 380000, "cash": True}),
    ("unos 4,500 al mes", {"monthly_payment": 4500}),
    ("puedo pagar 5 mil mensuales", {"monthly_payment": 5000}),
    ("mensualidades de 6 mil maximo", {"monthly_payment": 6000}),
    ("no quiero pagar mas de 5 mil al mes", {"monthly_payment": 5000}),
    ("me alcanza con 4 mil al mes?", {"monthly_payment": 4000}),
    ("I can pay around 6k a month", {"monthly_payment": 6000}),
    (
        "puedo dar 60 mil de entrada y pagar unos 4,500 al mes, que me alcanza?",
        {"down_payment": 60000, "monthly_payment": 4500},
    ),
    ("si no la pago de contado, cuanto seria a 4 años?", {"term_months": 48}),  # not a cash buyer
    ("puedo pagar 4 mil quincenales", {"monthly_payment": 8000}),  # two fortnights a month
    ("quiero pagar 5 mil cada quincena", {"monthly_payment": 10000}),
]


@pytest.mark.parametrize(("text", "expected"), CASH_OR_MONTHLY)
def test_cash_buyers_and_monthly_budgets_are_told_apart(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


def test_a_cash_buyer_saying_no_financing_is_searching_not_financing() -> None:
    u = check("I can pay 380k cash, no financing", {"max_price": 380000, "cash": True})
    assert u.intent == "search"


# ----------------------------------------------------------------------------------------- down payments

DOWN = [
    ("doy 60 mil de enganche", {"down_payment": 60000}),
    ("tengo 250 mil de enganche", {"down_payment": 250000}),
    ("30% de enganche", {"down_payment_pct": 30.0}),
    ("quiero una de 250 mil con 50 mil de enganche", {"max_price": 250000, "down_payment": 50000}),
    ("puedo dar 50 mil y el resto a 3 años", {"down_payment": 50000, "term_months": 36}),
    ("con 20% de enganche a 6 años", {"down_payment_pct": 20.0, "term_months": 72}),
    ("a 60 meses con 25% de enganche", {"down_payment_pct": 25.0, "term_months": 60}),
    ("sin enganche a 72 meses", {"down_payment_pct": 0.0, "term_months": 72}),
]


@pytest.mark.parametrize(("text", "expected"), DOWN)
def test_down_payments_as_amounts_and_percentages(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


def test_the_minimum_down_payment_is_asked_for_not_a_number() -> None:
    u = check("cuánto es lo mínimo de enganche?", {})
    assert u.min_down_payment and u.intent == "finance"


# ----------------------------------------------------------------------------------------- years, km, terms

YEARS_KM_TERMS = [
    ("5 años", {"term_months": 60}),
    ("lo quiero a 5 años", {"term_months": 60}),
    ("a 72 meses", {"term_months": 72}),
    ("en 36 mensualidades", {"term_months": 36}),
    ("cuanto quedaria a 48 meses", {"term_months": 48}),
    ("un sedan del 2019", {"min_year": 2019, "max_year": 2019}),
    ("uno del 2019 a 5 años", {"min_year": 2019, "max_year": 2019, "term_months": 60}),
    (
        "busco un 2019 a 5 años con 60 mil de enganche",
        {"min_year": 2019, "max_year": 2019, "term_months": 60, "down_payment": 60000},
    ),
    ("un 2015 con 90 mil km a 4 años", {"min_year": 2015, "max_year": 2015, "max_km": 90000, "term_months": 48}),
    ("que tenga menos de 5 años de uso", {}),  # the car's age, not a financing term
    ("5 años de antiguedad maximo", {}),
    ("con menos de 60 mil km", {"max_km": 60000}),
    ("60 mil kilometros maximo", {"max_km": 60000}),
    ("que no pase de 80 mil km", {"max_km": 80000}),
    ("menos de 100,000 km", {"max_km": 100000}),
    ("2018 o mas nuevo", {"min_year": 2018}),
    ("del 2020 para arriba", {"min_year": 2020}),
    ("no mas viejo que 2017", {"min_year": 2017}),
    ("busco camioneta 2020 de 250 mil", {"min_year": 2020, "max_year": 2020, "max_price": 250000}),
    ("hasta 350 mil y a 4 años", {"max_price": 350000, "term_months": 48}),
]


@pytest.mark.parametrize(("text", "expected"), YEARS_KM_TERMS)
def test_years_mileage_and_terms_each_in_their_slot(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


# ----------------------------------------------------------------------------------------- ranges and "around"

RANGES = [
    ("entre 200 y 300 mil", {"min_price": 200000, "max_price": 300000}),
    ("de 200 a 300 mil", {"min_price": 200000, "max_price": 300000}),
    ("200-300k", {"min_price": 200000, "max_price": 300000}),
    ("between 250k and 300k", {"min_price": 250000, "max_price": 300000}),
    ("algo entre 2016 y 2019", {"min_year": 2016, "max_year": 2019}),
    ("del 2016 al 2019", {"min_year": 2016, "max_year": 2019}),
]


@pytest.mark.parametrize(("text", "expected"), RANGES)
def test_ranges_set_both_bounds(text: str, expected: dict[str, Any]) -> None:
    check(text, expected)


AROUND = [
    ("alrededor de 250 mil", 250000),
    ("unos 250 mil mas o menos", 250000),
    ("como 250 mil", 250000),
    ("traigo como 300", 300000),
    ("unos 300", 300000),
    ("por ahi de 300 mil", 300000),
    ("tengo unos 300 mil, que me recomiendas", 300000),
    ("budget around 300k", 300000),
]


@pytest.mark.parametrize(("text", "amount"), AROUND)
def test_around_budgets_are_kept_as_said_with_no_invented_floor(text: str, amount: int) -> None:
    check(text, {"around_price": amount, "max_price": amount})


# ----------------------------------------------------------------------------------------- values that cannot be


@pytest.mark.parametrize(
    ("text", "rejected"),
    [("enganche de 150%", "down_payment_pct:150"), ("de año 99999 hay?", "year:99999")],
)
def test_impossible_values_are_rejected_and_named_not_used(text: str, rejected: str) -> None:
    u = check(text, {})
    assert u.rejected == [rejected]


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        ("Any Mercedes from 2018 or newer?", None),  # a year bound, not "the newest"
        ("algo 2017 o más nuevo", None),
        ("2019 and newer under 300k", None),
        ("del 2018 o más nuevo, el más barato", "price_asc"),
        ("which is newer, the jetta or the vento?", "year_desc"),
        ("el más nuevo que tengas", "year_desc"),
    ],
)
def test_a_year_bound_is_not_a_superlative(text: str, sort: str | None) -> None:
    u = read(text)
    assert u.sort == sort and (sort is not None or u.min_year is not None), text


def test_grand_touring_is_a_version_not_a_sum() -> None:
    u = read("la cx-5 2019 grand touring en cuanto?")
    assert u.max_price is None and (u.min_year, u.max_year) == (2019, 2019)
    assert read("knock 50 grand off").max_price is None
