"""The grounding check on model replies: numbers come from tools, the knowledge base or the customer, and a
duration, distance or share must be one of theirs with its unit, however small."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.grounding import customer_numbers, fact_stated, numbers_in, ungrounded_numbers

WARRANTY = {
    "knowledge": {
        "answers": [
            {
                "id": "warranty",
                "answer": "Todos nuestros autos incluyen *3 meses de garantía*, que se puede extender hasta *1 año*.",
                "text": "Todos nuestros autos incluyen *3 meses de garantía*, que se puede extender hasta *1 año*. "
                "La garantía extendida se contrata desde nuestra app e incluye dos servicios básicos a partir del "
                "sexto mes.",
                "facts": ["3 meses", "1 año"],
                "score": 9.4,
            }
        ]
    }
}
TRIAL = "You get *7 days or 300 km* to try your car; if it doesn't convince you, you return it and we refund it."
FINANCING = {
    "financing": [
        {"price": 226999, "down_payment_pct": 20, "term_months": 48, "annual_rate": 0.1, "monthly_payment": 4605.82}
    ],
    "selected": {"stock_id": 6, "year": 2021, "km": 45110, "price": 226999},
    "searches": [{"total": 9, "cars": [{"stock_id": 7, "year": 2019, "km": 61000}]}],
}


def invented(reply: str, *sources: object) -> set[Decimal]:
    return ungrounded_numbers(reply, list(sources))


@pytest.mark.parametrize(
    "reply",
    [
        "Incluyen 3 meses de garantía y la puedes extender hasta 1 año.",
        "Son tres meses, ampliables a un año.",
        "3 meses incluidos; extendida hasta 12 meses.",  # 1 año, in months
        "Te incluye 3 meses. ¿Te muestro 3 opciones?",  # a plain small count needs no source
        "La garantía extendida trae 2 servicios desde el mes 6.",
    ],
)
def test_the_passage_grounds_its_own_durations_in_any_wording(reply: str) -> None:
    assert invented(reply, WARRANTY) == set()


@pytest.mark.parametrize(
    ("reply", "numbers"),
    [
        ("Incluyen 6 meses de garantía.", {6}),
        ("Incluyen seis meses de garantía.", {6}),
        ("Son 3 años de garantía.", {3}),  # the passage's number with another unit
        ("Tienes garantía de 1 mes.", {1}),
        ("Medio año de garantía.", {Decimal("0.5")}),
        ("Se extiende hasta 1 año y medio.", {Decimal("1.5")}),
        ("Garantía de 90 días.", {90}),
        ("Cubre 10,000 km.", {10000}),
        ("Incluye 2 semanas de prueba.", {2}),
    ],
)
def test_an_invented_duration_or_distance_is_caught_even_when_small(reply: str, numbers: set[int]) -> None:
    assert invented(reply, WARRANTY) == {Decimal(n) for n in numbers}


@pytest.mark.parametrize(
    ("reply", "numbers"),
    [
        ("You have 7 days or 300 km to try it.", set()),
        ("You have a 7-day trial, up to 300 kilometers.", set()),
        ("You have one week to try it.", set()),  # 7 days
        ("You have 10 days to try it.", {10}),
        ("You have 7 days or 500 km.", {500}),
        ("You have 7 months to try it.", {7}),
    ],
)
def test_english_units(reply: str, numbers: set[int]) -> None:
    assert invented(reply, TRIAL) == {Decimal(n) for n in numbers}


@pytest.mark.parametrize(
    ("reply", "numbers"),
    [
        ("Con 20% de enganche, a 48 meses, pagas $4,605.82 al mes.", set()),
        ("A 4 años con tasa de 10% anual: $4,605.82.", set()),  # 48 months; 0.1 as a share
        ("El Onix 2021 tiene 45,110 km y cuesta $226,999.", set()),
        ("Con 30% de enganche bajaría.", {30}),
        ("A 5 años sería menos.", {5}),
        ("A 6 meses no se puede.", {6}),  # 6 is a stock id: no duration
        ("Tiene 9 meses de garantía.", {9}),  # 9 is a count of cars: no duration
        ("Tiene 61,000 km.", set()),
        ("Tiene 45 mil km.", {45000}),  # rounded: not the record's 45,110
        ("Te lo dejo en $199,999.", {199999}),
    ],
)
def test_tool_numbers_keep_their_units(reply: str, numbers: set[int]) -> None:
    assert invented(reply, FINANCING) == {Decimal(n) for n in numbers}


def test_the_customer_grounds_what_they_said() -> None:
    said = "y a cinco años con 30% de enganche?"
    assert invented("A 5 años con 30% de enganche: ...", FINANCING, said, customer_numbers(said)) == set()
    assert invented("A 60 meses con 30% de enganche.", FINANCING, said, customer_numbers(said)) == set()
    assert invented("A 6 años con 30% de enganche.", FINANCING, said, customer_numbers(said)) == {6}


def test_dates_times_and_list_positions_are_not_facts_to_ground() -> None:
    reply = "1. Onix\n2. Aveo\nTe espero el sábado 28 de noviembre a las 11:00 (November 28)."
    assert invented(reply) == set()
    assert invented("Abrimos de 9 a 18 horas.", {"branches": [{"opens": "09:00", "closes": "18:00"}]}) == set()
    assert invented("Abrimos de 9 a 20 horas.", {"branches": [{"opens": "09:00", "closes": "18:00"}]}) == {20}


def test_plain_numbers_above_twelve_still_need_a_source() -> None:
    assert invented("Tengo 15 sucursales.", "Tenemos 15 sucursales y 13 centros de inspección") == set()
    assert invented("Tengo 17 sucursales.", "Tenemos 15 sucursales y 13 centros de inspección") == {17}
    assert invented("Tengo 7 opciones.") == set()


def test_numbers_in_reads_separators() -> None:
    assert numbers_in("$4,605.82 y 1,600") == {Decimal("4605.82"), Decimal(1600)}
    assert numbers_in("") == set()


@pytest.mark.parametrize(
    ("reply", "fact", "stated"),
    [
        ("Incluyen 3 meses y se extiende hasta un año.", "1 año", True),
        ("Incluyen 3 meses y se extiende hasta 12 meses.", "1 año", True),
        ("Incluyen 3 meses y se extiende hasta 2 años.", "1 año", False),
        ("3 months included, up to one year.", "3-month", True),
        ("Trae su *garantía*.", "3 meses", False),
        ("Necesitas tu INE, comprobante de domicilio y de ingresos.", "INE", True),
        ("Necesitas tu credencial de elector.", "INE", False),
        ("Es *100% en linea*.", "en línea", True),
        ("El enganche mínimo es de 15%.", "10%", False),
        ("Cada auto pasa una inspección.", "inspección", True),
    ],
)
def test_key_facts_are_recognised_in_any_wording(reply: str, fact: str, stated: bool) -> None:
    assert fact_stated(reply, fact) is stated
