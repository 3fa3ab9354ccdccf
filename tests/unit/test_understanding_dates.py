"""Visit times resolved with an injected clock: Wednesday 2026-11-25, 10:00 in Mexico City.

The words are found in the message as written (`visit_span`), resolved to a day and an hour (`resolve`), and
planned into a booking only when both are known and the dealer is open (9:00–18:00, last start 17:30); otherwise
the agent asks for the hour or offers the nearest open slot.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from graph.context import Context
from graph.planning import plan_turn
from graph.turn import run_turn
from graph.understanding import understand_offline
from graph.understanding.dates import resolve, shift, visit_span
from tools.finance import FinancingTerms
from tools.inventory import InventoryStore
from tools.text import fold
from tools.toolkit import Toolkit

CITY = ZoneInfo("America/Mexico_City")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CITY)
CONTEXT = Context(now=NOW.isoformat())
CATALOG = Toolkit.from_store(InventoryStore.from_csv("sqlite://")).catalog
ONIX = {"stock_id": 311726, "make": "Chevrolet", "model": "Onix", "year": 2021, "price": 226999, "km": 28430}


def test_the_clock_is_a_wednesday_in_mexico_city() -> None:
    assert NOW.strftime("%A") == "Wednesday" and CONTEXT.clock() == NOW


# ----------------------------------------------------------------------------------------- words → day and hour

WHEN = [
    ("lo quiero ver el sábado a las 11", date(2026, 11, 28), time(11, 0)),
    ("el sabado 11am", date(2026, 11, 28), time(11, 0)),
    ("puedo ir mañana como a las 4?", date(2026, 11, 26), time(16, 0)),
    ("mañana a las 8 de la mañana", date(2026, 11, 26), time(8, 0)),
    ("mañana a mediodía", date(2026, 11, 26), time(12, 0)),
    ("el viernes a las 5 pm", date(2026, 11, 27), time(17, 0)),
    ("este viernes a las 12:30", date(2026, 11, 27), time(12, 30)),
    ("pasado mañana a las 10", date(2026, 11, 27), time(10, 0)),
    ("hoy a las 3", date(2026, 11, 25), time(15, 0)),
    ("el miércoles a las 4", date(2026, 11, 25), time(16, 0)),  # today is Wednesday and 16:00 is still ahead
    ("el próximo miércoles a las 4", date(2026, 12, 2), time(16, 0)),
    ("el jueves a las 9 y cuarto", date(2026, 11, 26), time(9, 15)),
    ("me late el jueves tipo 1", date(2026, 11, 26), time(13, 0)),
    ("el domingo a las 6 de la tarde", date(2026, 11, 29), time(18, 0)),
    ("el 1ro de diciembre a las 12", date(2026, 12, 1), time(12, 0)),
    ("el 30/11 a las 10", date(2026, 11, 30), time(10, 0)),
    ("el 5 de enero a las 10", date(2027, 1, 5), time(10, 0)),  # already past this year: next January
    ("el sabado como a eso de las 11", date(2026, 11, 28), time(11, 0)),
    ("can I see it this saturday at 11?", date(2026, 11, 28), time(11, 0)),
    ("next monday at 9:30", date(2026, 11, 30), time(9, 30)),
    ("December 2nd at 10am", date(2026, 12, 2), time(10, 0)),
    ("tomorrow around 4", date(2026, 11, 26), time(16, 0)),
    ("the day after tomorrow at 2pm", date(2026, 11, 27), time(14, 0)),
    ("el miercoles 2 a las 9:30", date(2026, 12, 2), time(9, 30)),  # a weekday and its number: that date
    ("martes 1 a las 10", date(2026, 12, 1), time(10, 0)),
    ("friday the 4th at 3pm", date(2026, 12, 4), time(15, 0)),
    ("el sabado 5 pm", date(2026, 11, 28), time(17, 0)),  # a number that is the hour, not the date
    ("el jueves 3 a las 11", date(2026, 12, 3), time(11, 0)),
    ("va, mañana tempranito puedo, tipo 9. ponlo a nombre de Brandon Salas", date(2026, 11, 26), time(9, 0)),
    ("a las 4 estaria bien. el viernes me queda", date(2026, 11, 27), time(16, 0)),  # the day and the hour apart
    ("Can I book to see the Volvo S60 on Monday morning, say 10?", date(2026, 11, 30), time(10, 0)),
    ("thursday, 2ish?", date(2026, 11, 26), time(14, 0)),
    ("el viernes tipo 1130", date(2026, 11, 27), time(11, 30)),  # the hour without its colon
    ("el viernes a las 930", date(2026, 11, 27), time(9, 30)),
]


@pytest.mark.parametrize(("text", "day", "hour"), WHEN)
def test_visit_times_resolve_to_a_date_and_an_hour(text: str, day: date, hour: time) -> None:
    span = visit_span(text, fold(text))
    assert span is not None and span in text  # as the customer wrote it, cut from the original
    moment = resolve(fold(span), NOW)
    assert (moment.day, moment.hour) == (day, hour), span
    assert moment.at() == datetime.combine(day, hour, tzinfo=CITY)


NO_HOUR = [
    ("el lunes en la mañana", date(2026, 11, 30), "morning"),
    ("el sabado temprano", date(2026, 11, 28), "morning"),
    ("hoy en la tarde", date(2026, 11, 25), "afternoon"),
    ("on friday afternoon", date(2026, 11, 27), "afternoon"),
    ("el fin de semana", date(2026, 11, 28), None),
    ("el finde", date(2026, 11, 28), None),
]


@pytest.mark.parametrize(("text", "day", "part"), NO_HOUR)
def test_a_day_without_an_hour_is_incomplete(text: str, day: date, part: str | None) -> None:
    moment = resolve(fold(visit_span(text, fold(text)) or ""), NOW)
    assert moment.day == day and moment.hour is None and not moment.complete
    assert moment.part == part


def test_another_day_in_the_next_sentence_is_not_part_of_the_time() -> None:
    text = "oye y si mejor el miercoles 2 a la misma hora? el martes tengo junta"
    span = visit_span(text, fold(text))
    assert span == "el miercoles 2 a la misma hora"
    moment = resolve(fold(span), NOW)
    assert moment.day == date(2026, 12, 2) and moment.same_time


def test_same_time_keeps_the_booked_hour() -> None:
    moment = resolve(fold("la podemos pasar al jueves, misma hora?"), NOW)
    assert moment.day == date(2026, 11, 26) and moment.hour is None and moment.same_time


@pytest.mark.parametrize("text", ["busco un carro de 300 mil a 4 años", "tengo 5 hijos", "un 2019 con 40 mil km"])
def test_numbers_that_are_not_times_make_no_visit(text: str) -> None:
    assert visit_span(text, fold(text)) is None


# ----------------------------------------------------------------------------------------- the booking plan


def plan_visit_turn(text: str, **state: Any) -> dict[str, Any]:
    """The plan of a visit request about the Onix being discussed, by a customer whose name we know."""
    u = understand_offline(text, CATALOG)
    state = {"selected": ONIX, "shown": [ONIX], "preferences": {"customer_name": "Rogelio Castañeda"}, **state}
    return plan_turn(u, text, state, CONTEXT, FinancingTerms())  # type: ignore[arg-type]


def test_a_complete_open_time_is_booked_at_that_moment() -> None:
    out = plan_visit_turn("lo quiero ver el sábado a las 11")
    assert "schedule" in out["agenda"]
    assert out["preferences"]["visit_at"] == "2026-11-28T11:00:00-06:00"
    assert out["preferences"]["visit_when"] == "el sábado a las 11"


def test_without_an_hour_the_agent_asks_for_it() -> None:
    out = plan_visit_turn("quiero verlo el lunes")
    assert "schedule" not in out["agenda"] and out["pending"] == "visit_hour"
    assert out["plan"]["visit_missing"] == "hour" and out["plan"]["visit_day"] == "2026-11-30"
    then = plan_visit_turn("a las 10", pending="visit_hour", preferences=out["preferences"])
    assert "schedule" in then["agenda"] and then["preferences"]["visit_at"] == "2026-11-30T10:00:00-06:00"


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ("puedo ir el sabado a las 8?", "2026-11-28T09:00:00-06:00"),
        ("el viernes a las 7 de la noche", "2026-11-27T17:30:00-06:00"),
        ("el domingo a las 6 de la tarde", "2026-11-29T17:30:00-06:00"),
        ("mañana a las 17:45", "2026-11-26T17:30:00-06:00"),
        ("can I come tomorrow at 7am?", "2026-11-26T09:00:00-06:00"),
    ],
)
def test_outside_opening_hours_the_nearest_slot_is_offered(text: str, nearest: str) -> None:
    out = plan_visit_turn(text)
    assert "schedule" not in out["agenda"] and out["pending"] == "visit_hour"
    assert f"visit:closed:{nearest}" in out["notes"]


def test_the_last_start_is_still_open() -> None:
    assert "schedule" in plan_visit_turn("mañana a las 5:30 pm")["agenda"]


def test_a_time_already_past_is_not_booked() -> None:
    out = plan_visit_turn("hoy a las 9")
    assert "schedule" not in out["agenda"] and "visit:past" in out["notes"]


# ----------------------------------------------------------------------------------------- through the graph


def test_the_booking_stores_the_moment_and_confirms_it_with_the_date(agent) -> None:
    run_turn(agent, "visit", "soy Rogelio Castañeda, me interesa el onix", CONTEXT)
    turn = run_turn(agent, "visit", "lo quiero ver el sábado a las 11", CONTEXT)
    booked = next(c for c in turn.tool_calls if c["name"] == "schedule_visit")
    assert booked["output"]["when_iso"] == "2026-11-28T11:00:00-06:00"
    assert booked["output"]["when"] == "el sábado a las 11"  # the customer's words are kept too
    assert booked["args"]["customer_name"] == "Rogelio Castañeda"
    assert "sábado 28 de noviembre, 11:00" in turn.reply
    english = run_turn(agent, "visit-en", "hi, I'm Ann Smith, how much is the onix?", CONTEXT)
    assert english.tool_calls
    turn = run_turn(agent, "visit-en", "can I see it this saturday at 11am?", CONTEXT)
    assert "Saturday, November 28, 11:00" in turn.reply


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("mejor una horita mas tarde, no llego", timedelta(hours=1)),
        ("media hora antes?", timedelta(minutes=-30)),
        ("can we do two hours later", timedelta(hours=2)),
        ("uy no, mejor al dia siguiente a esa misma hora", timedelta(days=1)),
        ("the day before works better", timedelta(days=-1)),
        ("mas tarde te confirmo", None),
        ("tengo un carro de hace dos años", None),
        ("Terribly sorry — could we push that back by an hour?", timedelta(hours=1)),
        ("¿Sería posible adelantarla media hora?", timedelta(minutes=-30)),
    ],
)
def test_a_move_relative_to_the_booking(text: str, delta: timedelta | None) -> None:
    assert shift(fold(text)) == delta
