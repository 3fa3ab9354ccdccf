"""Managing a booked visit through the graph: move it (keeping what the customer does not change), cancel it, say
when it is, put a name on it, find it by name; never a second booking (rows counted in the records database)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from graph.context import Context
from graph.resources import get_records_engine, get_visits
from graph.turn import TurnResult, run_turn

NOW = "2026-11-25T12:00:00"  # Wednesday 25 November 2026, Mexico City
SATURDAY_11 = "2026-11-28T11:00:00-06:00"


def say(agent: Any, thread: str, message: str) -> TurnResult:
    return run_turn(agent, thread, message, Context(now=NOW))


def calls(turn: TurnResult, name: str) -> list[dict[str, Any]]:
    return [c for c in turn.tool_calls if c["name"] == name]


def visit_rows(thread: str) -> list[dict[str, Any]]:
    with get_records_engine().connect() as db:
        query = text("SELECT visit_id, status, customer_name FROM visits WHERE thread_id = :t")
        return [dict(r) for r in db.execute(query, {"t": thread}).mappings().all()]


def book(agent: Any, thread: str, when: str = "lo quiero ir a ver el sabado a las 11", name: str = "Rogelio") -> str:
    """Show a Jetta and book a visit to see it on Saturday 28 at 11:00; the booking id. When the agent asks whose
    name the visit goes under before booking it, `name` answers."""
    say(agent, thread, "tienen jetta?")
    booked = say(agent, thread, when)
    if not calls(booked, "schedule_visit"):
        booked = say(agent, thread, name)
    (call,) = calls(booked, "schedule_visit")
    assert call["output"]["status"] == "booked" and call["output"]["when_iso"] == SATURDAY_11
    assert any(day in booked.reply for day in ("sábado 28 de noviembre, 11:00", "Saturday, November 28, 11:00"))
    assert call["output"]["visit_id"] in booked.reply
    return str(call["output"]["visit_id"])


def moved(turn: TurnResult) -> dict[str, Any]:
    (call,) = calls(turn, "reschedule_visit")
    assert not calls(turn, "schedule_visit")
    return dict(call["output"])


def test_the_same_time_on_another_day(agent: Any) -> None:
    visit_id = book(agent, "v-thu")
    turn = say(agent, "v-thu", "oye siempre no, la podemos pasar al jueves misma hora?")
    out = moved(turn)
    assert (out["visit_id"], out["when_iso"], out["previous_when_iso"]) == (
        visit_id, "2026-11-26T11:00:00-06:00", SATURDAY_11,
    )  # fmt: skip
    assert "jueves 26 de noviembre, 11:00" in turn.reply and visit_id in turn.reply
    assert [r["status"] for r in visit_rows("v-thu")] == ["booked"]


def test_only_the_day_or_only_the_hour_changes(agent: Any) -> None:
    book(agent, "v-parts")
    day = moved(say(agent, "v-parts", "mejor el viernes"))
    hour = moved(say(agent, "v-parts", "y se puede a las 5?"))
    assert day["when_iso"] == "2026-11-27T11:00:00-06:00"
    assert hour["when_iso"] == "2026-11-27T17:00:00-06:00"
    assert len(visit_rows("v-parts")) == 1


@pytest.mark.parametrize("message", ["wait, can you make it 5 instead, same day", "move it to 5pm please"])
def test_make_it_another_hour_keeps_the_day(agent: Any, message: str) -> None:
    thread = f"v-make-{len(message)}"
    visit_id = book(agent, thread)
    out = moved(say(agent, thread, message))
    assert (out["visit_id"], out["when_iso"]) == (visit_id, "2026-11-28T17:00:00-06:00")
    assert [r["status"] for r in visit_rows(thread)] == ["booked"]


def test_moving_to_the_afternoon_with_an_hour(agent: Any) -> None:
    book(agent, "v-pm")
    out = moved(say(agent, "v-pm", "can we move it to the afternoon, like 4?"))
    assert out["when_iso"] == "2026-11-28T16:00:00-06:00"
    assert len(visit_rows("v-pm")) == 1


def test_moving_to_the_afternoon_asks_the_hour_then_moves(agent: Any) -> None:
    book(agent, "v-pm2", "can i see it saturday at 11am?")
    asked = say(agent, "v-pm2", "can we move it to the afternoon?")
    assert moved(asked)["error"] == "missing day or hour" and "?" in asked.reply
    assert "November 28" in asked.reply  # the day stays
    out = moved(say(agent, "v-pm2", "4pm"))
    assert out["when_iso"] == "2026-11-28T16:00:00-06:00"
    assert [r["status"] for r in visit_rows("v-pm2")] == ["booked"]


def test_the_hour_question_does_not_repeat_the_old_hour(agent: Any) -> None:
    book(agent, "v-pm3", "can i see it saturday at 11am?")
    asked = say(agent, "v-pm3", "can we move it to the afternoon?")
    assert "11:00" not in asked.reply


def test_outside_opening_hours_the_visit_is_not_moved(agent: Any) -> None:
    book(agent, "v-late")
    turn = say(agent, "v-late", "oye y si mejor lo veo el domingo a las 8 de la noche?")
    assert not calls(turn, "reschedule_visit") and not calls(turn, "schedule_visit")
    assert "domingo 29 de noviembre" in turn.reply and "?" in turn.reply  # the nearest open slot, offered
    assert get_visits().for_thread("v-late")[0].when_iso == SATURDAY_11


def test_cancel_then_nothing_is_booked(agent: Any) -> None:
    visit_id = book(agent, "v-cancel")
    turn = say(agent, "v-cancel", "se me complico, quiero cancelar la visita")
    (call,) = calls(turn, "cancel_visit")
    assert (call["output"]["visit_id"], call["output"]["status"]) == (visit_id, "cancelled")
    assert visit_id in turn.reply and not calls(turn, "schedule_visit")
    after = say(agent, "v-cancel", "a q hora era mi cita?")
    assert "11:00" not in after.reply and not calls(after, "schedule_visit")
    assert [(r["visit_id"], r["status"]) for r in visit_rows("v-cancel")] == [(visit_id, "cancelled")]


ASKING_WHEN = [
    "¿a qué hora era mi cita?",
    "a q hora era mi cita",
    "is my appointment still on?",
    "what time was my appointment?",
]
ASKING_WHEN_OTHERWISE = ["a q hora quedamos?", "ok y a que hora quedo mi cita?"]


@pytest.mark.parametrize(
    "question",
    [
        *ASKING_WHEN,
        *ASKING_WHEN_OTHERWISE,
    ],
)
def test_asking_when_the_visit_is(agent: Any, question: str) -> None:
    visit_id = book(agent, "v-when")
    turn = say(agent, "v-when", question)
    (call,) = calls(turn, "find_visit")
    assert call["output"]["visits"][0]["visit_id"] == visit_id
    assert visit_id in turn.reply and ("11:00" in turn.reply)
    assert not calls(turn, "schedule_visit") and len(visit_rows("v-when")) == 1


@pytest.mark.parametrize(
    ("message", "name"), [("ah y soy Mariana", "Mariana"), ("it's Tom by the way", "Tom")]
)  # fmt: skip
def test_a_name_given_after_booking_goes_on_the_visit(agent: Any, message: str, name: str) -> None:
    visit_id = book(agent, "v-name")
    turn = say(agent, "v-name", message)
    (call,) = calls(turn, "set_visit_name")
    assert call["args"] == {"customer_name": name} and name in turn.reply
    assert visit_rows("v-name") == [{"visit_id": visit_id, "status": "booked", "customer_name": name}]


@pytest.mark.parametrize("answer", ["Rogelio Martinez", "Rogelio Mtz"])
def test_a_bare_name_answers_whose_name_the_visit_is_under(agent: Any, answer: str) -> None:
    book(agent, "v-bare")
    turn = say(agent, "v-bare", answer)
    assert calls(turn, "set_visit_name") and visit_rows("v-bare")[0]["customer_name"] == answer


def test_a_visit_booked_under_a_name_is_found_by_it(agent: Any) -> None:
    visit_id = book(agent, "v-find", "agendame el sabado a las 11 a nombre de Rogelio Martinez")
    turn = say(agent, "v-find", "a q hora era mi cita?")
    assert calls(turn, "find_visit")[0]["output"]["visits"][0]["customer_name"] == "Rogelio Martinez"
    assert visit_id in turn.reply and len(visit_rows("v-find")) == 1


def test_a_customer_who_says_they_have_a_booking_is_looked_up_by_name(agent: Any) -> None:
    visit_id = book(agent, "v-have", "agendame el sabado a las 11 a nombre de Rogelio Martinez")
    turn = say(agent, "v-have", "ya tengo cita a nombre de Rogelio Martinez, a que hora era?")
    (call,) = calls(turn, "find_visit")
    assert call["args"] == {"customer_name": "Rogelio Martinez"}
    assert visit_id in turn.reply and len(visit_rows("v-have")) == 1


def test_a_whole_conversation_never_books_twice(agent: Any) -> None:
    book(agent, "v-all")
    for message in (
        "la podemos pasar al jueves misma hora?",
        "si, confirmame la cita del jueves",
        "ah y soy Mariana",
        "a q hora era?",
        "mejor el viernes a las 10",
        "ok gracias",
    ):
        assert not calls(say(agent, "v-all", message), "schedule_visit"), message
    (row,) = visit_rows("v-all")
    assert (row["status"], row["customer_name"]) == ("booked", "Mariana")
    assert get_visits().for_thread("v-all")[0].when_iso == "2026-11-27T10:00:00-06:00"
